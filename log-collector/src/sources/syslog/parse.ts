/**
 * Syslog header parsing: RFC 5424 and RFC 3164 with the variants real senders produce
 * (no PRI, no hostname, ISO timestamps in BSD messages, Cisco sequence numbers and
 * `host: *Mmm dd hh:mm:ss.mmm TZ:` prefixes, years and milliseconds in BSD stamps).
 *
 * Never throws: whatever the input, an event comes back with `event.original`; problems are
 * reported in `error.message` and the `_syslog_parse_failure` tag.
 */
import { type EcsEvent, markFailure } from './event.js';
import { decodePriority } from './priority.js';
import { DEFAULT_TIMEZONE, parseBsdTimestamp, parseIsoTimestamp, type ParsedTime } from './timestamp.js';
import { parseStructuredData } from './structured-data.js';

export interface SyslogContext {
  /** Receive time (epoch ms or Date); default now. Anchors year-less timestamps. */
  receivedAt?: number | Date;
  /** IANA zone for timestamps without offset; default Asia/Shanghai. */
  timezone?: string;
  /** Address of the sender (UDP peer / TCP client) → `log.source.address`. */
  sourceAddress?: string;
  /** The framer cut this message at its size limit. */
  truncated?: boolean;
}

const BOM = '\uFEFF';

// Bursts share a handful of seconds (the receive second, each sender's event seconds): cache the
// ISO text per second in a small direct-mapped table and append milliseconds.
const ISO_SLOTS = 64;
const isoSecs = new Float64Array(ISO_SLOTS).fill(NaN);
const isoHeads: string[] = new Array<string>(ISO_SLOTS).fill('');
/** `new Date(ms).toISOString()` for integer ms, with the seconds part cached. */
export function isoTime(msIn: number): string {
  // Outside the Date range toISOString throws; let it, with its own message.
  if (!(Math.abs(msIn) <= 8.64e15)) return new Date(msIn).toISOString();
  const ms = Math.floor(msIn);
  const sec = Math.floor(ms / 1000);
  const slot = sec & (ISO_SLOTS - 1);
  let head: string;
  if (isoSecs[slot] === sec) head = isoHeads[slot]!;
  else {
    const iso = new Date(sec * 1000).toISOString(); // yyyy-mm-ddThh:mm:ss.000Z (or ±yyyyyy for far years)
    head = iso.slice(0, iso.length - 5);
    isoSecs[slot] = sec;
    isoHeads[slot] = head;
  }
  const frac = ms - sec * 1000;
  return head + (frac < 10 ? '.00' : frac < 100 ? '.0' : '.') + frac + 'Z';
}
const DAY_NAMES = new Set(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);

/** Parse one syslog message (one frame) into an ECS event. */
export function parseSyslog(input: string | Buffer, ctx: SyslogContext = {}): EcsEvent {
  const rcv = ctx.receivedAt === undefined ? Date.now() : +ctx.receivedAt;
  // A receive time outside the Date range would make every ISO conversion throw.
  const received = Number.isFinite(rcv) && Math.abs(rcv) <= 8.64e15 ? rcv : Date.now();
  const tz = ctx.timezone || DEFAULT_TIMEZONE;
  let raw: string;
  try {
    raw = typeof input === 'string' ? input : input.toString('utf8');
  } catch {
    raw = '';
  }
  const createdIso = isoTime(received);
  const ev: EcsEvent = {
    '@timestamp': createdIso,
    event: { created: createdIso, original: raw },
  };
  if (ctx.sourceAddress) ev.log = { source: { address: ctx.sourceAddress } };
  if (ctx.truncated) markFailure(ev, 'message truncated at the frame size limit', '_syslog_truncated');
  try {
    parseInto(ev, raw, received, tz);
  } catch (e) {
    // Defensive: a parser bug must not lose the event.
    ev.message = raw;
    markFailure(ev, `syslog parser error: ${(e as Error).message}`);
  }
  return ev;
}

function trimEnd(s: string): number {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c === 10 || c === 13 || c === 0) e--;
    else break;
  }
  return e;
}

function parseInto(ev: EcsEvent, raw: string, received: number, tz: string): void {
  const end = trimEnd(raw);
  const s = end === raw.length ? raw : raw.slice(0, end);
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 0 || c === 0xfeff) i++;
    else break;
  }
  if (i >= s.length) {
    ev.message = '';
    markFailure(ev, 'empty message');
    return;
  }
  const syslog: EcsEvent = {};
  if (s.charCodeAt(i) === 60 /* < */) {
    let j = i + 1;
    let pri = 0;
    while (j < s.length && j - i <= 4) {
      const c = s.charCodeAt(j) - 48;
      if (c < 0 || c > 9) break;
      pri = pri * 10 + c;
      j++;
    }
    if (j > i + 1 && s.charCodeAt(j) === 62 /* > */) {
      const p = decodePriority(pri);
      if (p) {
        syslog.priority = p.priority;
        syslog.facility = p.facility;
        syslog.severity = p.severity;
      } else {
        markFailure(ev, `PRI ${pri} out of range 0..191`);
      }
      i = j + 1;
    } else {
      markFailure(ev, 'malformed PRI');
    }
  }
  ev.log = ev.log ?? {};
  ev.log.syslog = syslog;
  // RFC 5424: VERSION (1-2 digits, non-zero first) then SP, right after PRI.
  if (syslog.priority !== undefined) {
    const c0 = s.charCodeAt(i);
    if (c0 >= 49 && c0 <= 57) {
      let j = i + 1;
      const c1 = s.charCodeAt(j);
      if (c1 >= 48 && c1 <= 57) j++;
      if (s.charCodeAt(j) === 32) {
        syslog.version = Number(s.slice(i, j));
        parse5424(ev, syslog, s, j + 1, tz);
        return;
      }
    }
  }
  parse3164(ev, syslog, s, i, received, tz);
}

function parse5424(ev: EcsEvent, syslog: EcsEvent, s: string, i: number, tz: string): void {
  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, space-separated; `-` is NILVALUE (undefined).
  const n = s.length;
  let ts: string | undefined;
  let host: string | undefined;
  let app: string | undefined;
  let procid: string | undefined;
  let msgid: string | undefined;
  let f = 0;
  for (; f < 5 && i < n; f++) {
    let j = s.indexOf(' ', i);
    if (j < 0) j = n;
    const tok = j === i + 1 && s.charCodeAt(i) === 45 /* - */ ? undefined : s.slice(i, j);
    if (f === 0) ts = tok;
    else if (f === 1) host = tok;
    else if (f === 2) app = tok;
    else if (f === 3) procid = tok;
    else msgid = tok;
    i = j + 1;
  }
  if (ts !== undefined) {
    const t = parseIsoTimestamp(ts, 0, tz);
    if (t && t.end === ts.length) {
      ev['@timestamp'] = isoTime(t.ms);
      if (!t.zoned) ev.event.timezone = tz;
    }
    else markFailure(ev, `invalid RFC 5424 timestamp "${ts.slice(0, 40)}"`);
  }
  if (f < 5) markFailure(ev, 'truncated RFC 5424 header');
  setHeader(ev, syslog, host, app, procid);
  if (msgid !== undefined) syslog.msgid = msgid;
  let k = Math.min(i, n);
  if (k < s.length) {
    if (s[k] === '-') {
      k++;
    } else if (s[k] === '[') {
      const sd = parseStructuredData(s, k);
      if (sd.error) {
        markFailure(ev, sd.error);
      } else {
        syslog.structured_data = sd.data;
        k = sd.end;
      }
    } else {
      markFailure(ev, 'missing RFC 5424 STRUCTURED-DATA');
    }
    if (s[k] === ' ') k++;
  }
  let msg = k < s.length ? s.slice(k) : '';
  if (msg.startsWith(BOM)) msg = msg.slice(1);
  if (procid === undefined) msg = programFromMessage(ev, msg);
  ev.message = msg;
}

const BSD_TAG = /^([A-Za-z0-9_./-]{1,64})\[(\d{1,10})\]: /;

/**
 * util-linux `logger -n` (and other shims) put the login user (`root`) in APP-NAME, no PROCID, and
 * the real `prog[pid]: ` at the start of MSG. Without a PROCID the header app-name is such a default,
 * so the program and pid in MSG win; `log.syslog.appname` keeps what the header said.
 */
function programFromMessage(ev: EcsEvent, msg: string): string {
  const m = BSD_TAG.exec(msg);
  if (!m) return msg;
  ev.process = { name: programName(m[1]!), pid: Number(m[2]) };
  return msg.slice(m[0].length);
}

function setHeader(ev: EcsEvent, syslog: EcsEvent, host?: string, app?: string, procid?: string): void {
  if (host !== undefined) {
    syslog.hostname = host;
    ev.host = { hostname: host };
  }
  if (app !== undefined) {
    syslog.appname = app;
    const proc: EcsEvent = { name: programName(app) };
    if (procid !== undefined) {
      const pid = Number(procid);
      if (Number.isInteger(pid) && pid >= 0) proc.pid = pid;
    }
    ev.process = proc;
  } else if (procid !== undefined) {
    const pid = Number(procid);
    if (Number.isInteger(pid) && pid >= 0) ev.process = { pid };
  }
  if (procid !== undefined) syslog.procid = procid;
}

/** `/usr/sbin/sshd` → `sshd`, `su(pam_unix)` → `su`, `postfix/smtpd` stays (sub-program). */
export function programName(app: string): string {
  let p = app;
  const paren = p.indexOf('(');
  if (paren > 0) p = p.slice(0, paren);
  if (p.charCodeAt(0) === 47 /* / */) p = p.slice(p.lastIndexOf('/') + 1) || p;
  return p;
}

/** Timestamp at `i`: ISO, BSD (optionally after a weekday), with Cisco `*`/`.` sync marks. */
function timestampAt(s: string, i: number, received: number, tz: string): ParsedTime | undefined {
  let k = i;
  const c = s.charCodeAt(k);
  if (c === 42 /* * */ || c === 46 /* . */) k++;
  const c2 = s.charCodeAt(k);
  if (c2 >= 48 && c2 <= 57) return parseIsoTimestamp(s, k, tz);
  if (DAY_NAMES.has(s.substr(k, 3)) && s.charCodeAt(k + 3) === 32) {
    return parseBsdTimestamp(s, k + 4, tz, received);
  }
  return parseBsdTimestamp(s, k, tz, received);
}

function isHostChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) ||
    c === 46 || c === 45 || c === 95 || c === 58 || c === 64 /* @ */ || c === 47 /* / */ || c > 127
  );
}

function parse3164(ev: EcsEvent, syslog: EcsEvent, s: string, i: number, received: number, tz: string): void {
  // Cisco IOS: `<189>521: router1: *Nov 14 08:30:56.699: %LINK-...` — sequence number and
  // optional `host:` before the timestamp.
  let host: string | undefined;
  let j = i;
  while (j < s.length && j - i < 12) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) break;
    j++;
  }
  if (j > i && s.charCodeAt(j) === 58 && s.charCodeAt(j + 1) === 32) {
    ev.event.sequence = Number(s.slice(i, j));
    i = j + 2;
    let t = timestampAt(s, i, received, tz);
    if (!t) {
      const colon = s.indexOf(': ', i);
      if (colon > i && colon - i < 256 && s.indexOf(' ', i) > colon) {
        t = timestampAt(s, colon + 2, received, tz);
        if (t) {
          host = s.slice(i, colon);
          i = colon + 2;
        }
      }
    }
  }
  const t = timestampAt(s, i, received, tz);
  // ECS event.timezone: the zone used for (or to be used by parsers for) zone-less times.
  if (!t || !t.zoned) ev.event.timezone = tz;
  if (t) {
    ev['@timestamp'] = isoTime(t.ms);
    i = t.end;
    if (s.charCodeAt(i) === 58) i++;
    while (s.charCodeAt(i) === 32) i++;
    if (host === undefined) {
      // HOSTNAME: a host-like token followed by more text; a token that ends in ':' or has
      // '[', '=' or starts with '%' is already the tag / message (hostname omitted).
      let k = i;
      while (k < s.length && isHostChar(s.charCodeAt(k))) k++;
      if (k > i && s.charCodeAt(k) === 32 && s.charCodeAt(k - 1) !== 58 && k - i <= 255) {
        host = s.slice(i, k);
        i = k + 1;
        while (s.charCodeAt(i) === 32) i++;
        // Cisco ASA `host : %ASA-...`
        if (s.charCodeAt(i) === 58 && s.charCodeAt(i + 1) === 32) i += 2;
      }
    }
  }
  let app: string | undefined;
  let pid: string | undefined;
  // TAG: `prog[pid]:`, `prog:`, `prog(pam_unix)[pid]:`, `postfix/smtpd[1]:`, `/kernel:`.
  const c0 = s.charCodeAt(i);
  if (c0 !== 37 /* % */ && c0 !== 91 /* [ */) {
    let k = i;
    while (k < s.length && k - i < 64) {
      const c = s.charCodeAt(k);
      if (c === 32 || c === 58 || c === 91 || c === 61 /* = */ || c === 34 /* " */ || c === 44 /* , */) break;
      k++;
    }
    if (k > i) {
      const c = s.charCodeAt(k);
      if (c === 91) {
        const close = s.indexOf(']', k + 1);
        if (close > k && close - k <= 32) {
          let e = close + 1;
          if (s.charCodeAt(e) === 58) e++;
          if (e >= s.length || s.charCodeAt(e) === 32) {
            app = s.slice(i, k);
            pid = s.slice(k + 1, close);
            i = e + 1;
          }
        }
      } else if (c === 58 && (k + 1 >= s.length || s.charCodeAt(k + 1) === 32)) {
        app = s.slice(i, k);
        i = k + 2;
      }
    }
  }
  setHeader(ev, syslog, host, app, pid);
  ev.message = i < s.length ? s.slice(i) : '';
}
