/**
 * Linux audit records (auditd via audisp-syslog, or the kernel's `audit:` lines):
 * `type=USER_LOGIN msg=audit(1521118123.311:5391): pid=1 uid=0 ... msg='op=login acct="root" addr=1.2.3.4 res=failed'`.
 * Unquoted values of fields that auditd hex-encodes (when they contain spaces or specials) are decoded.
 */
import { sliceKey } from '../../sources/syslog/key-cache.js';
import { isoTime } from '../../sources/syslog/parse.js';
import { classify, endpoint, type EcsEvent, int, sub, userName } from './util.js';

const HEADER = /(?:^|\s)type=(\S+) (?:msg=)?audit\((\d+)(?:\.(\d+))?:(\d+)\):\s?/;
const HEX_FIELDS = new Set(['acct', 'cmd', 'comm', 'cwd', 'data', 'dir', 'exe', 'file', 'key', 'name', 'new', 'ocomm', 'old', 'path', 'proctitle', 'vm', 'watch', 'grp', 'id', 'new_group', 'new_user', 'argc']);
const HEX = /^(?:[0-9A-F]{2})+$/;

/** Numeric audit record types the kernel prints (linux/audit.h) for the common cases. */
const TYPE_NUMBERS: Record<string, string> = {
  '1100': 'USER_AUTH', '1101': 'USER_ACCT', '1103': 'CRED_ACQ', '1104': 'CRED_DISP', '1105': 'USER_START',
  '1106': 'USER_END', '1112': 'USER_LOGIN', '1113': 'USER_LOGOUT', '1114': 'ADD_USER', '1115': 'DEL_USER',
  '1116': 'ADD_GROUP', '1117': 'DEL_GROUP', '1300': 'SYSCALL', '1302': 'PATH', '1309': 'EXECVE', '1327': 'PROCTITLE',
  '1400': 'AVC', '1107': 'USER_AVC', '1325': 'NETFILTER_CFG', '1326': 'SECCOMP',
};

const CATEGORY: Record<string, [string[], string[]]> = {
  USER_AUTH: [['authentication'], ['info']], USER_LOGIN: [['authentication'], ['start']],
  USER_LOGOUT: [['authentication'], ['end']], USER_ACCT: [['authentication'], ['info']],
  CRED_ACQ: [['authentication'], ['info']], CRED_DISP: [['authentication'], ['info']],
  USER_START: [['session'], ['start']], USER_END: [['session'], ['end']], LOGIN: [['authentication'], ['start']],
  ADD_USER: [['iam'], ['user', 'creation']], DEL_USER: [['iam'], ['user', 'deletion']],
  ADD_GROUP: [['iam'], ['group', 'creation']], DEL_GROUP: [['iam'], ['group', 'deletion']],
  USER_MGMT: [['iam'], ['user', 'change']], GRP_MGMT: [['iam'], ['group', 'change']],
  USER_CHAUTHTOK: [['iam'], ['user', 'change']], SYSCALL: [['process'], ['info']], EXECVE: [['process'], ['start']],
  PROCTITLE: [['process'], ['info']], PATH: [['file'], ['info']], AVC: [['intrusion_detection'], ['denied']],
  USER_AVC: [['intrusion_detection'], ['info']], NETFILTER_CFG: [['configuration'], ['change']],
  CONFIG_CHANGE: [['configuration'], ['change']], SERVICE_START: [['process'], ['start']], SERVICE_STOP: [['process'], ['end']],
};

function decodeHex(v: string): string {
  const s = Buffer.from(v, 'hex').toString('utf8');
  return s.replace(/\0/g, ' ').trimEnd();
}

function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

/**
 * `key=value` pairs; values "double" or 'single' quoted or bare. A single-quoted `msg='...'`
 * (the user-space part of the record) is parsed in place. Only bare values are hex candidates,
 * since auditd quotes values it did not encode. One linear scan, no regex backtracking.
 */
function pairs(text: string, out: Record<string, string>, depth = 0): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && !isKeyChar(text.charCodeAt(i))) i++;
    const ks = i;
    while (i < n && isKeyChar(text.charCodeAt(i))) i++;
    if (i >= n || text.charCodeAt(i) !== 61 /* = */) continue;
    const key = sliceKey(text, ks, i);
    i++;
    const q = text.charCodeAt(i);
    if (q === 34 || q === 39) {
      let close = text.indexOf(q === 34 ? '"' : "'", i + 1);
      if (close < 0) close = n;
      const v = text.slice(i + 1, close);
      i = close + 1;
      if (q === 39 && key === 'msg' && depth === 0) pairs(v, out, 1);
      else out[key] = v;
    } else {
      let e = text.indexOf(' ', i);
      if (e < 0) e = n;
      let v = text.slice(i, e);
      i = e;
      if (HEX_FIELDS.has(key) && v.length >= 2 && HEX.test(v)) v = decodeHex(v);
      out[key] = v;
    }
  }
}

/** Milliseconds from the fraction digits of `audit(secs.frac:serial)` (first three, right-padded). */
function millis(frac: string | undefined): number {
  if (frac === undefined) return 0;
  let v = 0;
  for (let i = 0; i < 3; i++) v = v * 10 + (i < frac.length ? frac.charCodeAt(i) - 48 : 0);
  return v;
}

export function parseAudit(ev: EcsEvent, msg: string): boolean {
  const h = HEADER.exec(msg);
  if (!h) return false;
  const rawType = h[1]!;
  const type = TYPE_NUMBERS[rawType] ?? rawType.toUpperCase();
  const data: Record<string, string> = {};
  pairs(msg.slice(h.index + h[0].length), data);
  const seconds = Number(h[2]);
  const auditd: EcsEvent = { message_type: type.toLowerCase(), sequence: Number(h[4]), data };
  ev.auditd = auditd;
  if (Number.isFinite(seconds)) {
    sub(ev, 'auditd').log = { timestamp: isoTime(seconds * 1000 + millis(h[3])) };
  }
  const res = data.res ?? data.success;
  const outcome = res === undefined ? undefined : /^(success|yes|1)$/.test(res) ? 'success' : 'failure';
  const [category, evType] = CATEGORY[type] ?? [['host'], ['info']];
  classify(ev, { dataset: 'auditd.log', category, type: evType, outcome, action: type.toLowerCase() });
  if (data.res) auditd.result = outcome;
  if (data.ses && data.ses !== '4294967295') auditd.session = data.ses;
  userName(ev, data.acct ?? data.id);
  if (data.uid && data.uid !== '4294967295') sub(ev, 'user').id = data.uid;
  if (data.auid && data.auid !== '4294967295') sub(sub(ev, 'user'), 'audit').id = data.auid;
  if (data.euid) sub(sub(ev, 'user'), 'effective').id = data.euid;
  const addr = data.addr && data.addr !== '?' ? data.addr : data.saddr_ip;
  if (addr) endpoint(ev, 'source', addr);
  if (data.hostname && data.hostname !== '?' && !ev.source?.ip) endpoint(ev, 'source', data.hostname);
  const proc = sub(ev, 'process');
  const pid = int(data.pid);
  if (pid !== undefined) proc.pid = pid;
  const ppid = int(data.ppid);
  if (ppid !== undefined) proc.parent = { pid: ppid };
  if (data.exe) proc.executable = data.exe;
  if (data.comm) proc.name = data.comm;
  if (data.proctitle) proc.title = data.proctitle;
  if (type === 'EXECVE') {
    const args: string[] = [];
    for (let i = 0; data['a' + i] !== undefined; i++) {
      let a = data['a' + i]!;
      if (HEX.test(a) && a.length >= 2 && !/^\d+$/.test(a)) a = decodeHex(a);
      args.push(a);
    }
    if (args.length) {
      proc.args = args;
      proc.command_line = args.join(' ');
    }
  }
  if (data.key && data.key !== '(null)') auditd.key = data.key;
  return true;
}

export const auditParser = {
  name: 'auditd',
  programs: ['audispd', 'auditd', 'audit', 'audisp-syslog'],
  match: (msg: string): boolean => msg.includes('audit(') && msg.includes('type='),
  parse: parseAudit,
};
