/**
 * PAM module messages, as logged by any PAM-using service:
 * `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4 user=root`
 * or, from older Linux-PAM, with the module in the tag: `sshd(pam_unix)[123]: check pass; user unknown`.
 */
import { classify, endpoint, type EcsEvent, parseKv, sub, userName } from './util.js';

const PREFIX = /^(pam_\w+)\((\S+?):(\w+)\):\s*/;
const SESSION = /^session (opened|closed) for user ([^\s(]+)(?:\(uid=\d+\))?(?: by ([^\s(]*)\(uid=(\d+)\))?/;
const MORE = /^PAM (\d+) more authentication failures?;\s*(.*)$/;

/** True when `msg` was recognised; `service` is the program (sshd, su, sudo, login...). */
export function parsePam(ev: EcsEvent, msg: string, service: string, dataset = 'system.auth'): boolean {
  let body = msg;
  const m = PREFIX.exec(msg);
  if (m) {
    body = msg.slice(m[0].length);
    sub(ev, 'system').auth = { pam: { module: m[1], service: m[2], type: m[3] } };
  }
  const more = MORE.exec(body);
  if (more || body.startsWith('authentication failure;')) {
    const kvText = more ? more[2]! : body.slice(23);
    const kv = parseKv(kvText);
    classify(ev, { dataset, category: ['authentication'], type: ['info'], outcome: 'failure', action: 'authentication-failure' });
    userName(ev, kv.user || kv.ruser || undefined);
    if (kv.rhost) endpoint(ev, 'source', kv.rhost);
    if (kv.ruser && kv.user && kv.ruser !== kv.user) {
      // su/sudo: ruser is who asked, user the target account
      sub(ev, 'user').name = kv.ruser;
      sub(sub(ev, 'user'), 'effective').name = kv.user;
    }
    return true;
  }
  if (body.startsWith('check pass; user unknown')) {
    classify(ev, { dataset, category: ['authentication'], type: ['info'], outcome: 'failure', action: 'user-unknown' });
    return true;
  }
  const s = SESSION.exec(body);
  if (s) {
    const opened = s[1] === 'opened';
    classify(ev, {
      dataset, category: ['session'], type: [opened ? 'start' : 'end'], outcome: 'success',
      action: opened ? 'session-opened' : 'session-closed',
    });
    const by = s[3];
    if (by && by !== s[2]) {
      userName(ev, by);
      sub(sub(ev, 'user'), 'effective').name = s[2];
    } else {
      userName(ev, s[2]);
    }
    return true;
  }
  const pw = /^password changed for (\S+)/.exec(body);
  if (pw) {
    classify(ev, { dataset, category: ['iam'], type: ['user', 'change'], outcome: 'success', action: 'password-changed' });
    sub(sub(ev, 'user'), 'target').name = pw[1];
    return true;
  }
  if (m) {
    classify(ev, { dataset, category: ['authentication'], type: ['info'], action: 'pam-' + m[3] });
    const u = /\buser[= ]"?([^\s";]+)/.exec(body);
    if (u) userName(ev, u[1]);
    return true;
  }
  return false;
}

/** Pattern entry: PAM lines from services without a parser of their own. */
export const pamParser = {
  name: 'pam',
  match: (msg: string, ev: EcsEvent): boolean =>
    msg.startsWith('pam_') || String(ev.log?.syslog?.appname ?? '').includes('(pam_'),
  parse: (ev: EcsEvent, msg: string): boolean => parsePam(ev, msg, String(ev.process?.name ?? '')),
};
