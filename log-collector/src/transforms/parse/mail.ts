/** Mail services: Postfix (smtpd/postscreen/...) and Dovecot (IMAP/POP3 logins, auth workers). */
import { classify, endpoint, type EcsEvent, sub, userName } from './util.js';

const CLIENT = /\b(?:from|connect from|disconnect from) ([^\s[]+)?\[([^\]]+)\](?::(\d+))?/;

export function parsePostfix(ev: EcsEvent, msg: string): boolean {
  const client = CLIENT.exec(msg);
  if (client) endpoint(ev, 'source', client[2], client[3]);
  const email: EcsEvent = {};
  const from = /\bfrom=<([^>]*)>/.exec(msg);
  const to = /\bto=<([^>]*)>/.exec(msg);
  if (from?.[1]) email.from = { address: [from[1]] };
  if (to?.[1]) email.to = { address: [to[1]] };
  if (Object.keys(email).length) ev.email = email;
  if (/\breject: /.test(msg)) {
    classify(ev, { dataset: 'postfix.log', category: ['email'], type: ['denied'], outcome: 'failure', action: 'reject' });
    const code = /: (\d{3}) (\d\.\d\.\d+)?/.exec(msg.slice(msg.indexOf('reject: ')));
    if (code) sub(ev, 'postfix').response = { code: code[1], dsn: code[2] };
  } else if (/SASL \S+ authentication failed/.test(msg)) {
    classify(ev, { dataset: 'postfix.log', category: ['authentication'], type: ['info'], outcome: 'failure', action: 'sasl-authentication-failed' });
    const u = /sasl_username=(\S+)/.exec(msg);
    if (u) userName(ev, u[1]);
  } else {
    const action = /^(connect|disconnect|lost connection|warning|NOQUEUE|[0-9A-F]{6,}): ?/.exec(msg)?.[1] ?? 'postfix-message';
    classify(ev, { dataset: 'postfix.log', category: ['email'], type: ['info'], action: action.toLowerCase().replace(/\s+/g, '-') });
    const sasl = /sasl_username=(\S+)/.exec(msg);
    if (sasl) userName(ev, sasl[1]);
  }
  return true;
}

const DOVECOT_FAIL = /auth failed|Aborted login|unknown user|Password mismatch|pam_authenticate\(\) failed|user not found|Authentication Failure|authentication failure/i;

/** `Disconnected (auth failed, ...): user=<x>` → `disconnected` (string ops: no backtracking on long input). */
function loginAction(text: string): string {
  let head = text.slice(0, Math.min(64, text.length));
  const cut = Math.min(...[head.indexOf(':'), head.indexOf('(')].filter((i) => i >= 0), head.length);
  head = head.slice(0, cut).trim().toLowerCase();
  return head.split(/\s+/).join('-') || 'login-event';
}

export function parseDovecot(ev: EcsEvent, msg: string): boolean {
  const login = /^(?:(?:Info|Warn|Warning|Error|Fatal): )?(imap|pop3|managesieve|submission|lmtp)-login: (.*)$/.exec(msg);
  const auth = /^(?:(?:Info|Warn|Warning|Error|Fatal): )?(auth(?:-worker)?)\(([^)]*)\): (\w[\w-]*)\(([^,)]*),([^,)]*)(?:,[^)]*)?\): (.*)$/.exec(msg);
  if (login) {
    const text = login[2]!;
    const failed = DOVECOT_FAIL.test(text);
    const ok = !failed && /^Login: /.test(text);
    classify(ev, {
      dataset: 'dovecot.log', category: ['authentication'], type: [ok ? 'start' : failed ? 'info' : 'end'],
      outcome: failed ? 'failure' : ok ? 'success' : undefined, action: `${login[1]}-${loginAction(text)}`,
    });
    const u = /user=<([^>]*)>/.exec(text);
    if (u?.[1]) userName(ev, u[1]);
    const rip = /rip=([^,\s]+)/.exec(text);
    if (rip) endpoint(ev, 'source', rip[1]);
    const lip = /lip=([^,\s]+)/.exec(text);
    if (lip) endpoint(ev, 'destination', lip[1]);
    sub(ev, 'network').protocol = login[1];
    return true;
  }
  if (auth) {
    const failed = DOVECOT_FAIL.test(auth[6]!);
    classify(ev, { dataset: 'dovecot.log', category: ['authentication'], type: ['info'], outcome: failed ? 'failure' : undefined, action: `${auth[3]}-auth` });
    userName(ev, auth[4]);
    endpoint(ev, 'source', auth[5]);
    return true;
  }
  if (/^(?:(?:Info|Warn|Warning|Error|Fatal): )?(IMAP|POP3)\(/.test(msg) || ev.process?.name === 'dovecot') {
    classify(ev, { dataset: 'dovecot.log', category: ['email'], type: ['info'], outcome: /Fatal|Error/.test(msg) ? 'failure' : undefined, action: 'dovecot-message' });
    return true;
  }
  return false;
}

export const postfixParser = { name: 'postfix', programs: ['postfix'], parse: parsePostfix };
export const dovecotParser = {
  name: 'dovecot',
  programs: ['dovecot'],
  match: (msg: string): boolean => msg.includes('-login: ') || msg.includes('auth(') || msg.includes('auth-worker('),
  parse: parseDovecot,
};
