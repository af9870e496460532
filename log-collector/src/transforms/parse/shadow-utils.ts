/**
 * Account management (shadow-utils useradd/groupadd/usermod/userdel/groupdel/passwd/chage)
 * → `event.category: [iam]`. The account acted upon is `user.target.*` / `group.*`.
 */
import { parsePam } from './pam.js';
import { classify, type EcsEvent, parseKv, sub } from './util.js';

const DATASET = 'system.auth';

function iam(ev: EcsEvent, type: string[], action: string, outcome: 'success' | 'failure' = 'success'): void {
  classify(ev, { dataset: DATASET, category: ['iam'], type, outcome, action });
}

function kvList(s: string): Record<string, string> {
  return parseKv(s.replace(/,\s*/g, ' '));
}

export function parseShadowUtils(ev: EcsEvent, msg: string): boolean {
  if (msg.startsWith('pam_')) return parsePam(ev, msg, String(ev.process?.name ?? ''), DATASET);
  let m: RegExpExecArray | null;
  if ((m = /^new user: (.*)$/.exec(msg))) {
    const kv = kvList(m[1]!);
    iam(ev, ['user', 'creation'], 'user-created');
    const target = sub(sub(ev, 'user'), 'target');
    target.name = kv.name;
    if (kv.UID) target.id = kv.UID;
    if (kv.GID) sub(target, 'group').id = kv.GID;
    return true;
  }
  if ((m = /^new group: (.*)$/.exec(msg)) || (m = /^group added to \S+: (.*)$/.exec(msg))) {
    const kv = kvList(m[1]!);
    iam(ev, ['group', 'creation'], 'group-created');
    sub(ev, 'group').name = kv.name;
    if (kv.GID) ev.group.id = kv.GID;
    return true;
  }
  if ((m = /^delete user '([^']+)'/.exec(msg))) {
    iam(ev, ['user', 'deletion'], 'user-deleted');
    sub(sub(ev, 'user'), 'target').name = m[1];
    return true;
  }
  if ((m = /^(?:removed group|group) '([^']+)' (?:removed|deleted)/.exec(msg)) || (m = /^delete group '([^']+)'/.exec(msg))) {
    iam(ev, ['group', 'deletion'], 'group-deleted');
    sub(ev, 'group').name = m[1];
    return true;
  }
  if ((m = /^add '([^']+)' to (?:shadow )?group '([^']+)'/.exec(msg))) {
    iam(ev, ['group', 'change'], 'user-added-to-group');
    sub(sub(ev, 'user'), 'target').name = m[1];
    sub(ev, 'group').name = m[2];
    return true;
  }
  if ((m = /^change user '([^']+)' (\w+)/.exec(msg)) || (m = /^(?:password for|changed password expiry for) '?([^'\s]+)'?/.exec(msg))) {
    iam(ev, ['user', 'change'], m[2] ? `user-${m[2]}-changed` : 'password-changed');
    sub(sub(ev, 'user'), 'target').name = m[1];
    return true;
  }
  if ((m = /^(?:failed adding user|cannot|error)\b.*?'?([\w.-]+)'?/i.exec(msg))) {
    iam(ev, ['user'], 'account-change-failed', 'failure');
    return true;
  }
  return false;
}

export const shadowUtilsParser = {
  name: 'shadow-utils',
  programs: ['useradd', 'groupadd', 'usermod', 'userdel', 'groupdel', 'groupmod', 'passwd', 'chpasswd', 'chage', 'gpasswd', 'adduser', 'deluser'],
  parse: parseShadowUtils,
};
