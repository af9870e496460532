/**
 * iptables/nftables LOG target lines (kernel):
 * `[1234.5] DROP-IN IN=eth0 OUT= MAC=.. SRC=1.2.3.4 DST=5.6.7.8 LEN=60 ... PROTO=TCP SPT=51234 DPT=22 ...`.
 * `event.action` is the administrator's log prefix; allow/deny is inferred from its words.
 */
import { classify, endpoint, type EcsEvent, int, sub } from './util.js';

const EXTRA = ['TTL', 'ID', 'TOS', 'PREC', 'WINDOW', 'RES', 'TYPE', 'CODE', 'MARK', 'PHYSIN', 'PHYSOUT'];
const FLAGS = ['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'DF'];
const KERNEL_TIME = /^\[\s*\d+\.\d+\]\s*/;

function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = text.length;
  while (i < n) {
    let end = text.indexOf(' ', i);
    if (end < 0) end = n;
    if (end > i) {
      const eq = text.indexOf('=', i);
      if (eq > i && eq < end) {
        const k = text.slice(i, eq);
        if (!out.has(k)) out.set(k, text.slice(eq + 1, end)); // ICMP echo repeats ID=; keep the IP one
      } else out.set(text.slice(i, end), '');
    }
    i = end + 1;
  }
  return out;
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
  const fm = fields(msg.slice(at));
  const f = { SRC: fm.get('SRC'), DST: fm.get('DST'), SPT: fm.get('SPT'), DPT: fm.get('DPT'), PROTO: fm.get('PROTO'), LEN: fm.get('LEN'), IN: fm.get('IN'), OUT: fm.get('OUT'), MAC: fm.get('MAC') };
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
    const v = fm.get(k);
    if (v) ipt[k.toLowerCase()] = v;
  }
  const flags = FLAGS.filter((k) => fm.has(k));
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
