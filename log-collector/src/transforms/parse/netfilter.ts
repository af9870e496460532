/**
 * iptables/nftables LOG target lines (kernel):
 * `[1234.5] DROP-IN IN=eth0 OUT= MAC=.. SRC=1.2.3.4 DST=5.6.7.8 LEN=60 ... PROTO=TCP SPT=51234 DPT=22 ...`.
 * `event.action` is the administrator's log prefix; allow/deny is inferred from its words.
 */
import { classify, endpoint, type EcsEvent, int, sub } from './util.js';

const EXTRA = ['TTL', 'ID', 'TOS', 'PREC', 'WINDOW', 'RES', 'TYPE', 'CODE', 'MARK', 'PHYSIN', 'PHYSOUT'];
const FLAGS = ['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'DF'];
const KERNEL_TIME = /^\[\s*\d+\.\d+\]\s*/;

/** Slots of the LOG fields read, in one pass over the line (see readFields). */
const SRC = 0, DST = 1, SPT = 2, DPT = 3, PROTO = 4, LEN = 5, IN = 6, OUT = 7, MAC = 8, FIRST_EXTRA = 9;
const SLOT = new Map<string, number>([
  ['SRC', SRC], ['DST', DST], ['SPT', SPT], ['DPT', DPT], ['PROTO', PROTO], ['LEN', LEN], ['IN', IN], ['OUT', OUT], ['MAC', MAC],
  ...EXTRA.map((k, i) => [k, FIRST_EXTRA + i] as [string, number]),
]);
// Key candidates by first character, so a word's key is matched without slicing it out.
const BY_FIRST: Array<Array<[string, number]> | undefined> = [];
for (const [k, slot] of SLOT) (BY_FIRST[k.charCodeAt(0)] ??= []).push([k, slot]);

function slotOf(text: string, from: number, eq: number): number {
  const cands = BY_FIRST[text.charCodeAt(from)];
  if (cands === undefined) return -1;
  const len = eq - from;
  for (let c = 0; c < cands.length; c++) {
    const [k, slot] = cands[c]!;
    if (k.length === len && text.startsWith(k, from)) return slot;
  }
  return -1;
}
const EXTRA_LOWER = EXTRA.map((k) => k.toLowerCase());
const SLOTS = FIRST_EXTRA + EXTRA.length;
// Reused per call (the parser is synchronous): field values and flag states of the current line.
const values: Array<string | undefined> = new Array<string | undefined>(SLOTS).fill(undefined);
const flagState = new Int8Array(FLAGS.length); // 0 undecided, 1 set, -1 first word starting with it was longer

/**
 * Reads every `KEY=value` word of the LOG text in one pass, keeping the first occurrence of each
 * known key (ICMP errors repeat SRC=/ID= inside the quoted packet, which starts with `[`, so those
 * words never match). A flag counts when the first word starting with its name is exactly that name,
 * the rule the former per-field searches (` SYN` then a space or the end) applied.
 */
function readFields(text: string): void {
  values.fill(undefined);
  flagState.fill(0);
  const n = text.length;
  let i = 0;
  while (i < n) {
    let end = text.indexOf(' ', i);
    if (end < 0) end = n;
    if (end > i) {
      const eq = text.indexOf('=', i);
      if (eq >= 0 && eq < end) {
        const slot = slotOf(text, i, eq);
        if (slot >= 0 && values[slot] === undefined) values[slot] = text.slice(eq + 1, end);
      }
      if (i > 0) flagWord(text, i, end); // `DFX=1` also starts with DF, and decides it (not a flag)
    }
    i = end + 1;
  }
}

function flagWord(text: string, from: number, end: number): void {
  const c = text.charCodeAt(from);
  for (let f = 0; f < FLAGS.length; f++) {
    if (flagState[f] !== 0) continue;
    const name = FLAGS[f]!;
    if (c !== name.charCodeAt(0) || !text.startsWith(name, from)) continue;
    flagState[f] = from + name.length === end ? 1 : -1;
  }
}

// A sensor logs the same few MAC headers (its router and hosts) over and over: results kept, bounded.
const macPairs = new Map<string, [string | undefined, string | undefined]>();

function macPair(mac: string): [string | undefined, string | undefined] {
  let r = macPairs.get(mac);
  if (r === undefined) {
    if (macPairs.size >= 1024) macPairs.clear();
    r = macPairUncached(mac);
    macPairs.set(mac, r);
  }
  return r;
}

function macPairUncached(mac: string): [string | undefined, string | undefined] {
  const b = mac.split(':');
  if (b.length < 12) return [undefined, undefined];
  const fmt = (x: string[]): string => x.join('-').toUpperCase();
  return [fmt(b.slice(6, 12)), fmt(b.slice(0, 6))]; // [source, destination]
}

const DENIED = 1, ALLOWED = 2, NEITHER = 3;
// Log prefixes are a handful of administrator-chosen words per ruleset: their verdict is kept (bounded).
const verdicts = new Map<string, number>();

function verdict(prefix: string): number {
  let v = verdicts.get(prefix);
  if (v !== undefined) return v;
  const up = prefix.toUpperCase();
  v = /DROP|REJECT|DENY|DENIED|BLOCK|INVALID|BAD/.test(up) ? DENIED : /ACCEPT|ALLOW|PERMIT|PASS/.test(up) ? ALLOWED : NEITHER;
  if (verdicts.size >= 512) verdicts.clear();
  verdicts.set(prefix, v);
  return v;
}

export function parseNetfilter(ev: EcsEvent, message: string): boolean {
  const msg = message.charCodeAt(0) === 91 /* [ */ ? message.replace(KERNEL_TIME, '') : message;
  const at = msg.indexOf('IN=');
  if (at < 0 || msg.indexOf(' SRC=', at) < 0) return false;
  const prefix = msg.slice(0, at).trim().replace(/:$/, '');
  const text = msg.slice(at);
  readFields(text);
  const f = {
    SRC: values[SRC], DST: values[DST], SPT: values[SPT], DPT: values[DPT], PROTO: values[PROTO],
    LEN: values[LEN], IN: values[IN], OUT: values[OUT], MAC: values[MAC],
  };
  const v = verdict(prefix);
  const denied = v === DENIED;
  const allowed = v === ALLOWED;
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
  for (let k = 0; k < EXTRA.length; k++) {
    const v = values[FIRST_EXTRA + k];
    if (v) ipt[EXTRA_LOWER[k]!] = v;
  }
  let flags: string[] | undefined;
  for (let i = 0; i < FLAGS.length; i++) if (flagState[i] === 1) (flags ??= []).push(FLAGS[i]!);
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
