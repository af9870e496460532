/**
 * iptables/nftables LOG target lines (kernel):
 * `[1234.5] DROP-IN IN=eth0 OUT= MAC=.. SRC=1.2.3.4 DST=5.6.7.8 LEN=60 ... PROTO=TCP SPT=51234 DPT=22 ...`.
 * `event.action` is the administrator's log prefix; allow/deny is inferred from its words.
 */
import { classify, endpoint, type EcsEvent, int, sub } from './util.js';

const EXTRA = ['TTL', 'ID', 'TOS', 'PREC', 'WINDOW', 'RES', 'TYPE', 'CODE', 'MARK', 'PHYSIN', 'PHYSOUT'];
const FLAGS = ['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'DF'];
const KERNEL_TIME = /^\[\s*\d+\.\d+\]\s*/;

/** Value of `KEY=` as a whole word in the LOG line (first occurrence: ICMP echo repeats ID=). */
function field(text: string, key: string): string | undefined {
  let at = text.startsWith(key + '=') ? 0 : text.indexOf(' ' + key + '=');
  if (at < 0) return undefined;
  if (at > 0 || text.charCodeAt(0) === 32) at++;
  const vs = at + key.length + 1;
  let ve = text.indexOf(' ', vs);
  if (ve < 0) ve = text.length;
  return text.slice(vs, ve);
}

function hasFlag(text: string, flag: string): boolean {
  const at = text.indexOf(' ' + flag);
  if (at < 0) return false;
  const after = text.charCodeAt(at + flag.length + 1);
  return Number.isNaN(after) || after === 32;
}

function macPair(mac: string): [string | undefined, string | undefined] {
  const b = mac.split(':');
  if (b.length < 12) return [undefined, undefined];
  const fmt = (x: string[]): string => x.join('-').toUpperCase();
  return [fmt(b.slice(6, 12)), fmt(b.slice(0, 6))]; // [source, destination]
}

export function parseNetfilter(ev: EcsEvent, message: string): boolean {
  const msg = message.replace(KERNEL_TIME, '');
  const at = msg.indexOf('IN=');
  if (at < 0 || msg.indexOf(' SRC=', at) < 0) return false;
  const prefix = msg.slice(0, at).trim().replace(/:$/, '');
  const text = msg.slice(at);
  const f = {
    SRC: field(text, 'SRC'), DST: field(text, 'DST'), SPT: field(text, 'SPT'), DPT: field(text, 'DPT'), PROTO: field(text, 'PROTO'),
    LEN: field(text, 'LEN'), IN: field(text, 'IN'), OUT: field(text, 'OUT'), MAC: field(text, 'MAC'),
  };
  const up = prefix.toUpperCase();
  const denied = /DROP|REJECT|DENY|DENIED|BLOCK|INVALID|BAD/.test(up);
  const allowed = !denied && /ACCEPT|ALLOW|PERMIT|PASS/.test(up);
  classify(ev, {
    dataset: 'iptables.log', category: ['network'],
    type: denied ? ['connection', 'denied'] : allowed ? ['connection', 'allowed'] : ['connection'],
    outcome: denied ? 'failure' : allowed ? 'success' : undefined,
    action: prefix || 'netfilter-log',
  });
  endpoint(ev, 'source', f.SRC, f.SPT);
  endpoint(ev, 'destination', f.DST, f.DPT);
  const net = sub(ev, 'network');
  if (f.PROTO) net.transport = f.PROTO.toLowerCase();
  if (f.SRC) net.type = f.SRC.includes(':') ? 'ipv6' : 'ipv4';
  const len = int(f.LEN);
  if (len !== undefined) sub(ev, 'source').bytes = len;
  const obs = sub(ev, 'observer');
  if (f.IN) obs.ingress = { interface: { name: f.IN } };
  if (f.OUT) obs.egress = { interface: { name: f.OUT } };
  if (f.MAC) {
    const [s, d] = macPair(f.MAC);
    if (s) sub(ev, 'source').mac = s;
    if (d) sub(ev, 'destination').mac = d;
  }
  const ipt: EcsEvent = {};
  for (const k of EXTRA) {
    const v = field(text, k);
    if (v) ipt[k.toLowerCase()] = v;
  }
  const flags = FLAGS.filter((k) => hasFlag(text, k));
  if (flags.length) ipt.flags = flags;
  ev.iptables = ipt;
  return true;
}

export const netfilterParser = {
  name: 'netfilter',
  programs: ['kernel'],
  match: (msg: string): boolean => msg.includes('IN=') && msg.includes(' SRC='),
  parse: parseNetfilter,
};
