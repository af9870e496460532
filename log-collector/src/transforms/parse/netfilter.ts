/**
 * iptables/nftables LOG target lines (kernel):
 * `[1234.5] DROP-IN IN=eth0 OUT= MAC=.. SRC=1.2.3.4 DST=5.6.7.8 LEN=60 ... PROTO=TCP SPT=51234 DPT=22 ...`.
 * `event.action` is the administrator's log prefix; allow/deny is inferred from its words.
 */
import { classify, endpoint, type EcsEvent, int, sub } from './util.js';

const EXTRA = ['TTL', 'ID', 'TOS', 'PREC', 'WINDOW', 'RES', 'TYPE', 'CODE', 'MARK', 'PHYSIN', 'PHYSOUT'];
const FLAGS = ['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'DF'];
const KERNEL_TIME = /^\[\s*\d+\.\d+\]\s*/;

/** A LOG field name with its search needles, built once (the parser runs per kernel line). */
interface Key {
  name: string;
  lower: string;
  eq: string;
  spaced: string;
}
function key(name: string): Key {
  return { name, lower: name.toLowerCase(), eq: name + '=', spaced: ' ' + name + '=' };
}
const K_SRC = key('SRC'), K_DST = key('DST'), K_SPT = key('SPT'), K_DPT = key('DPT'), K_PROTO = key('PROTO');
const K_LEN = key('LEN'), K_IN = key('IN'), K_OUT = key('OUT'), K_MAC = key('MAC');
const EXTRA_KEYS = EXTRA.map(key);
const FLAG_NEEDLES = FLAGS.map((f) => ' ' + f);

/** Value of `KEY=` as a whole word in the LOG line (first occurrence: ICMP echo repeats ID=). */
function field(text: string, k: Key): string | undefined {
  let at = text.startsWith(k.eq) ? 0 : text.indexOf(k.spaced);
  if (at < 0) return undefined;
  if (at > 0 || text.charCodeAt(0) === 32) at++;
  const vs = at + k.eq.length;
  let ve = text.indexOf(' ', vs);
  if (ve < 0) ve = text.length;
  return text.slice(vs, ve);
}

function hasFlag(text: string, needle: string): boolean {
  const at = text.indexOf(needle);
  if (at < 0) return false;
  const after = text.charCodeAt(at + needle.length);
  return Number.isNaN(after) || after === 32;
}

/** `aa-bb-..` upper-cased from the colon-separated bytes `from`..`from+5` of a MAC= value. */
function macText(b: string[], from: number): string {
  let out = b[from]!;
  for (let i = from + 1; i < from + 6; i++) out += '-' + b[i]!;
  return out.toUpperCase();
}

/** The usual form: twelve or more parts, the first twelve of two characters (`dd:..:dd:ss:..:ss:tt:tt`). */
function isPlainMacHeader(mac: string): boolean {
  if (mac.length < 35 || (mac.length > 35 && mac.charCodeAt(35) !== 58 /* : */)) return false;
  for (let i = 0; i < 35; i++) if ((mac.charCodeAt(i) === 58) !== (i % 3 === 2)) return false;
  return true;
}

function macPair(mac: string): [string | undefined, string | undefined] {
  // Fast path without a 14-element split for the usual header: same text as the general path below.
  if (isPlainMacHeader(mac)) return [mac.slice(18, 35).replaceAll(':', '-').toUpperCase(), mac.slice(0, 17).replaceAll(':', '-').toUpperCase()];
  const b = mac.split(':');
  if (b.length < 12) return [undefined, undefined];
  return [macText(b, 6), macText(b, 0)]; // [source, destination]
}

export function parseNetfilter(ev: EcsEvent, message: string): boolean {
  const msg = message.charCodeAt(0) === 91 /* [ */ ? message.replace(KERNEL_TIME, '') : message;
  const at = msg.indexOf('IN=');
  if (at < 0 || msg.indexOf(' SRC=', at) < 0) return false;
  const prefix = msg.slice(0, at).trim().replace(/:$/, '');
  const text = msg.slice(at);
  const f = {
    SRC: field(text, K_SRC), DST: field(text, K_DST), SPT: field(text, K_SPT), DPT: field(text, K_DPT), PROTO: field(text, K_PROTO),
    LEN: field(text, K_LEN), IN: field(text, K_IN), OUT: field(text, K_OUT), MAC: field(text, K_MAC),
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
  for (const k of EXTRA_KEYS) {
    const v = field(text, k);
    if (v) ipt[k.lower] = v;
  }
  let flags: string[] | undefined;
  for (let i = 0; i < FLAGS.length; i++) if (hasFlag(text, FLAG_NEEDLES[i]!)) (flags ??= []).push(FLAGS[i]!);
  if (flags) ipt.flags = flags;
  ev.iptables = ipt;
  return true;
}

export const netfilterParser = {
  name: 'netfilter',
  programs: ['kernel'],
  match: (msg: string): boolean => msg.includes('IN=') && msg.includes(' SRC='),
  parse: parseNetfilter,
};
