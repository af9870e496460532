/** Small helpers shared by the message parsers. */
import { isIP } from 'node:net';
import { type EcsEvent, sub } from '../../sources/syslog/event.js';
import { DEFAULT_TIMEZONE, parseEmbeddedTime } from '../../sources/syslog/timestamp.js';
import { sliceKey } from '../../sources/syslog/key-cache.js';

export { type EcsEvent, sub };

export type Outcome = 'success' | 'failure' | 'unknown';

export interface Classification {
  dataset: string;
  category?: string[];
  type?: string[];
  outcome?: Outcome;
  action?: string;
  kind?: string;
}

/** Set the `event.*` classification fields; `event.module` is the dataset's first part. */
export function classify(ev: EcsEvent, c: Classification): void {
  const e = sub(ev, 'event');
  e.dataset = c.dataset;
  const dot = c.dataset.indexOf('.');
  e.module = dot > 0 ? c.dataset.slice(0, dot) : c.dataset;
  if (c.category) e.category = c.category;
  if (c.type) e.type = c.type;
  if (c.outcome) e.outcome = c.outcome;
  if (c.action) e.action = c.action;
  if (c.kind) e.kind = c.kind;
}

/** Normalised IP text, or undefined when `s` is not an address (`::ffff:1.2.3.4` → `1.2.3.4`). */
export function ip(s: string | undefined): string | undefined {
  if (!s) return undefined;
  let v = s;
  if (v.charCodeAt(0) === 91 /* [ */ && v.endsWith(']')) v = v.slice(1, -1);
  if (v.startsWith('::ffff:') && isIP(v.slice(7)) === 4) return v.slice(7);
  const pct = v.indexOf('%'); // fe80::1%eth0
  if (pct > 0) v = v.slice(0, pct);
  return isIP(v) ? v : undefined;
}

/** Integer port/number or undefined. */
export function int(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isInteger(n) ? n : undefined;
}

/** Set `<side>.ip/port`; a non-IP host goes to `<side>.domain`. */
export function endpoint(ev: EcsEvent, side: 'source' | 'destination' | 'client' | 'server', host?: string, port?: string | number): void {
  if (host === undefined && port === undefined) return;
  const o = sub(ev, side);
  const a = ip(host);
  if (a) o.ip = a;
  else if (host && host !== '-' && host !== '?' && /^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(host)) o.domain = host;
  const p = typeof port === 'number' ? port : int(port);
  if (p !== undefined && p >= 0 && p <= 65535) o.port = p;
}

export function userName(ev: EcsEvent, name: string | undefined): void {
  if (name && name !== '-' && name !== '?' && name !== '(unknown)') sub(ev, 'user').name = name;
}

// parseKv scans into these reused arrays first, then builds the object in one go (see shapeFor).
const scanKeys: string[] = [];
const scanValues: string[] = [];

/**
 * `key=value` pairs separated by whitespace (or `sep`); values may be "double" or 'single'
 * quoted. Words without '=' are skipped. Keys are kept as written; a repeated key keeps its
 * first position and its last value.
 */
export function parseKv(s: string, sep = ' '): Record<string, string> {
  const n = scanKv(s, sep);
  const shape = n >= MIN_SHAPED_KEYS ? shapeFor(n) : undefined;
  // Cloning a fast-mode template keeps the object fast; storing 20+ computed keys into `{}`
  // would turn it into a slow dictionary (FortiGate lines carry ~25 pairs).
  const out: Record<string, string> = shape !== undefined ? { ...shape } : {};
  for (let k = 0; k < n; k++) out[scanKeys[k]!] = scanValues[k]!;
  return out;
}

/** Fill scanKeys/scanValues with the pairs of `s`; returns how many were read. */
function scanKv(s: string, sep: string): number {
  let count = 0;
  let i = 0;
  const n = s.length;
  const sepCode = sep.charCodeAt(0);
  while (i < n) {
    let c = s.charCodeAt(i);
    while (i < n && (c === 32 || c === sepCode || c === 9)) c = s.charCodeAt(++i);
    const ks = i;
    while (i < n) {
      c = s.charCodeAt(i);
      if (c === 61 || c === 32 || c === sepCode || c === 9) break;
      i++;
    }
    if (s.charCodeAt(i) !== 61 || i === ks) {
      // not a pair: skip the word
      while (i < n && s.charCodeAt(i) !== 32 && s.charCodeAt(i) !== sepCode) i++;
      continue;
    }
    const key = sliceKey(s, ks, i);
    i++;
    const q = s.charCodeAt(i);
    let value: string;
    if (q === 34 || q === 39) {
      let j = i + 1;
      let v = '';
      let run = j;
      while (j < n && s.charCodeAt(j) !== q) {
        if (s.charCodeAt(j) === 92 && j + 1 < n) {
          v += s.slice(run, j);
          run = j + 1;
          j += 2;
          continue;
        }
        j++;
      }
      value = v + s.slice(run, j);
      i = j + 1;
    } else {
      const vs = i;
      while (i < n) {
        c = s.charCodeAt(i);
        if (c === 32 || c === sepCode || c === 9) break;
        i++;
      }
      value = s.slice(vs, i);
    }
    scanKeys[count] = key;
    scanValues[count] = value;
    count++;
  }
  return count;
}

/** Below this many pairs a plain `{}` stays fast anyway. */
const MIN_SHAPED_KEYS = 12;
const MAX_SHAPED_KEYS = 128;
const SHAPE_SLOTS = 32;
/** Per slot: the key sequence (as scanned, repeats included) and its template object. */
const shapeKeys: Array<string[] | undefined> = new Array(SHAPE_SLOTS).fill(undefined);
const shapeObjects: Array<Record<string, string> | undefined> = new Array(SHAPE_SLOTS).fill(undefined);

/**
 * A fast-mode object with the first `n` scanned keys in first-seen order, reused while a
 * sender keeps the same field list. Bounded: a direct-mapped table, so odd senders only miss.
 * Undefined when the keys cannot be templated (`__proto__` is a setter on `{}`, not a property).
 */
function shapeFor(n: number): Record<string, string> | undefined {
  if (n > MAX_SHAPED_KEYS) return undefined;
  const h = (n * 7 + scanKeys[0]!.length * 31 + scanKeys[n - 1]!.length) & (SHAPE_SLOTS - 1);
  const known = shapeKeys[h];
  if (known !== undefined && known.length === n) {
    let same = true;
    for (let k = 0; k < n; k++) {
      if (known[k] !== scanKeys[k]) {
        same = false;
        break;
      }
    }
    if (same) return shapeObjects[h];
  }
  const keys = scanKeys.slice(0, n);
  if (keys.includes('__proto__')) return undefined;
  // JSON.parse builds objects in fast mode whatever the property count; keys keep first-seen order.
  const unique = [...new Set(keys)];
  const template = JSON.parse(`{${unique.map((k) => `${JSON.stringify(k)}:""`).join(',')}}`) as Record<string, string>;
  shapeKeys[h] = keys;
  shapeObjects[h] = template;
  return template;
}

/** Remove a trailing marker such as ` [preauth]`; returns [text, hadMarker]. */
export function stripSuffix(s: string, suffix: string): [string, boolean] {
  return s.endsWith(suffix) ? [s.slice(0, -suffix.length).trimEnd(), true] : [s, false];
}

// Events of one burst share `event.created`: remember the last one parsed back to epoch ms.
let lastCreated = '';
let lastCreatedMs = NaN;
function receivedMsOf(created: string): number {
  if (created !== lastCreated) {
    lastCreatedMs = Date.parse(created);
    lastCreated = created;
  }
  return lastCreatedMs;
}

// The last embedded time worked out: devices stamp many lines with the same second.
let lastText = '';
let lastTz = '';
let lastReceived = NaN;
let lastIso: string | undefined;

/**
 * Use a time found in the message body as `@timestamp` when the syslog header had none
 * (`@timestamp` still equals `event.created`): files and relays that send bare application lines.
 */
export function embeddedTimestamp(ev: EcsEvent, text: string | undefined): void {
  if (!text || ev['@timestamp'] !== ev.event?.created) return;
  const received = receivedMsOf(ev.event.created);
  const tz = ev.event.timezone ?? DEFAULT_TIMEZONE;
  // Reuse the last result for the same text, zone and receive time.
  if (text === lastText && tz === lastTz && received === lastReceived) {
    if (lastIso !== undefined) ev['@timestamp'] = lastIso;
    return;
  }
  const ms = parseEmbeddedTime(text, tz, Number.isFinite(received) ? received : Date.now());
  const iso = ms !== undefined && Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined;
  if (Number.isFinite(received)) {
    lastText = text;
    lastTz = tz;
    lastReceived = received;
    lastIso = iso;
  }
  if (iso !== undefined) ev['@timestamp'] = iso;
}
