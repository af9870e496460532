/**
 * Timestamp readers for syslog headers. All return epoch milliseconds and the index just
 * past the timestamp, or undefined when the text at `pos` is not one; none throw.
 *
 * Local (zone-less) times are resolved in a configured IANA zone. BSD timestamps have no
 * year: it is the receive year (in the configured zone) unless that puts the event more than
 * two days in the future, then the previous year; so December lines received in January land
 * in the previous year.
 */

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/**
 * Zone abbreviations seen in device logs. They are ambiguous world-wide; CST is read as
 * China Standard Time because this platform's senders are in China. Unknown ones fall back
 * to the configured zone.
 */
const ZONE_ABBREVIATIONS: Record<string, number> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0, CST: 480, HKT: 480, SGT: 480, JST: 540, KST: 540,
  CET: 60, CEST: 120, MET: 60, MEST: 120, EET: 120, EEST: 180, BST: 60, WET: 0, WEST: 60,
  IST: 330, EST: -300, EDT: -240, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
};

const DAY_MS = 86_400_000;
/** How far in the future a year-less timestamp may be (clock skew) before it is last year's. */
const FUTURE_SLACK_MS = 2 * DAY_MS;

const formatters = new Map<string, Intl.DateTimeFormat | null>();
function formatterFor(tz: string): Intl.DateTimeFormat | null {
  let f = formatters.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      f = null; // unknown zone: treated as UTC
    }
    formatters.set(tz, f);
  }
  return f;
}

/** True when `tz` is an IANA zone name this runtime knows. */
export function isValidTimezone(tz: string): boolean {
  return formatterFor(tz) !== null;
}

interface ZoneCache {
  buckets: Float64Array;
  offsets: Int32Array;
}
const zoneCaches = new Map<string, ZoneCache>();
let lastZone = '';
let lastCache: ZoneCache | undefined;
const SLOTS = 1024; // direct-mapped: a quarter-hour bucket maps to slot bucket % SLOTS

/** Offset of `tz` from UTC in minutes at the instant `utcMs`. */
export function zoneOffsetMinutes(tz: string, utcMs: number): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 0;
  // Offsets change on the hour or half hour at most; a 15-minute bucket is safe to share.
  const bucket = Math.floor(utcMs / 900_000);
  let zc = tz === lastZone ? lastCache : undefined;
  if (!zc) {
    zc = zoneCaches.get(tz);
    if (!zc) {
      if (zoneCaches.size > 64) zoneCaches.clear();
      zc = { buckets: new Float64Array(SLOTS).fill(NaN), offsets: new Int32Array(SLOTS) };
      zoneCaches.set(tz, zc);
    }
    lastZone = tz;
    lastCache = zc;
  }
  const slot = ((bucket % SLOTS) + SLOTS) % SLOTS;
  if (zc.buckets[slot] === bucket) return zc.offsets[slot]!;
  const f = formatterFor(tz);
  let off = 0;
  if (f && Number.isFinite(utcMs)) {
    const p: Record<string, number> = {};
    for (const part of f.formatToParts(new Date(utcMs))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    off = Math.round((asUtc - (utcMs - (utcMs % 1000 + 1000) % 1000)) / 60000);
  }
  if (Number.isFinite(bucket)) {
    zc.buckets[slot] = bucket;
    zc.offsets[slot] = off;
  }
  return off;
}

/** Wall-clock time in `tz` → epoch ms (two passes settle DST edges). */
export function zonedTimeToUtc(
  y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, tz: string,
): number {
  const wall = Date.UTC(y, mo, d, h, mi, s, ms);
  let utc = wall - zoneOffsetMinutes(tz, wall) * 60000;
  utc = wall - zoneOffsetMinutes(tz, utc) * 60000;
  return utc;
}

export interface ParsedTime {
  ms: number;
  end: number;
  /** The text carried its own year (false for BSD `Mmm dd hh:mm:ss`). */
  hasYear: boolean;
  /** The text carried its own offset or zone (false: resolved in the configured zone). */
  zoned: boolean;
}

function digits(s: string, pos: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(pos + i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Fraction digits starting at pos (after the dot) → [milliseconds, end index]. */
function fraction(s: string, pos: number): [number, number] {
  let i = pos;
  let msv = 0;
  let k = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    if (k < 3) msv = msv * 10 + c;
    k++;
    i++;
  }
  while (k < 3 && k > 0) {
    msv *= 10;
    k++;
  }
  return [msv, i];
}

/** RFC 3339 / ISO 8601 `YYYY-MM-DD[T ]hh:mm:ss[.frac][Z|±hh:mm|±hhmm]`. */
export function parseIsoTimestamp(s: string, pos: number, tz: string): ParsedTime | undefined {
  const y = digits(s, pos, 4);
  if (y < 0 || s.charCodeAt(pos + 4) !== 45 || s.charCodeAt(pos + 7) !== 45) return undefined;
  const mo = digits(s, pos + 5, 2);
  const d = digits(s, pos + 8, 2);
  const sep = s[pos + 10];
  if (sep !== 'T' && sep !== ' ' && sep !== 't') return undefined;
  const h = digits(s, pos + 11, 2);
  const mi = digits(s, pos + 14, 2);
  const sec = digits(s, pos + 17, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) {
    return undefined;
  }
  if (s[pos + 13] !== ':' || s[pos + 16] !== ':') return undefined;
  let i = pos + 19;
  let msv = 0;
  if (s[i] === '.' || s[i] === ',') [msv, i] = fraction(s, i + 1);
  const z = s[i];
  let offset: number | undefined;
  if (z === 'Z' || z === 'z') {
    offset = 0;
    i++;
  } else if (z === '+' || z === '-') {
    const oh = digits(s, i + 1, 2);
    let om: number;
    let len: number;
    if (s[i + 3] === ':') {
      om = digits(s, i + 4, 2);
      len = 6;
    } else {
      om = digits(s, i + 3, 2);
      len = 5;
    }
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return undefined;
    offset = (z === '-' ? -1 : 1) * (oh * 60 + om);
    i += len;
  }
  const ms = offset === undefined
    ? zonedTimeToUtc(y, mo - 1, d, h, mi, Math.min(sec, 59), msv, tz)
    : Date.UTC(y, mo - 1, d, h, mi, Math.min(sec, 59), msv) - offset * 60000;
  if (!Number.isFinite(ms)) return undefined;
  return { ms, end: i, hasYear: true, zoned: offset !== undefined };
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

function instant(
  y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, tz: string, offset: number | undefined,
): number {
  return offset === undefined ? zonedTimeToUtc(y, mo, d, h, mi, s, ms, tz) : Date.UTC(y, mo, d, h, mi, s, ms) - offset * 60000;
}

// A burst of lines shares one receive time: keep the last receive year worked out.
let ryMs = NaN;
let ryTz = '';
let ryYear = 0;
function receiveYear(receivedMs: number, tz: string): number {
  if (receivedMs !== ryMs || tz !== ryTz) {
    ryYear = new Date(receivedMs + zoneOffsetMinutes(tz, receivedMs) * 60000).getUTCFullYear();
    ryMs = receivedMs;
    ryTz = tz;
  }
  return ryYear;
}

/**
 * BSD style `Mmm dd hh:mm:ss` (day space-padded or zero-padded) with the variants devices
 * add: `.fff` milliseconds, a year after the day (`Mmm dd yyyy hh:mm:ss`, Cisco ASA) or after
 * the time, and a zone abbreviation (`UTC`, `MEST`).
 */
export function parseBsdTimestamp(s: string, pos: number, tz: string, receivedMs: number): ParsedTime | undefined {
  const mo = MONTHS[s.substr(pos, 3)];
  if (mo === undefined || s.charCodeAt(pos + 3) !== 32) return undefined;
  let i = pos + 4;
  if (s.charCodeAt(i) === 32) i++;
  let d = digits(s, i, 2);
  if (d >= 0) i += 2;
  else {
    d = digits(s, i, 1);
    if (d < 0) return undefined;
    i += 1;
  }
  if (d < 1 || d > 31 || s.charCodeAt(i) !== 32) return undefined;
  i++;
  let year = -1;
  const maybeYear = digits(s, i, 4);
  if (maybeYear >= 0 && s.charCodeAt(i + 4) === 32) {
    year = maybeYear;
    i += 5;
  }
  const h = digits(s, i, 2);
  const mi = digits(s, i + 3, 2);
  const sec = digits(s, i + 6, 2);
  if (h < 0 || mi < 0 || sec < 0 || s[i + 2] !== ':' || s[i + 5] !== ':' || h > 23 || mi > 59 || sec > 60) {
    return undefined;
  }
  i += 8;
  let msv = 0;
  if (s[i] === '.') [msv, i] = fraction(s, i + 1);
  if (year < 0 && s.charCodeAt(i) === 32) {
    const y2 = digits(s, i + 1, 4);
    const after = s.charCodeAt(i + 5);
    if (y2 >= 1970 && (Number.isNaN(after) || after === 32 || after === 58)) {
      year = y2;
      i += 5;
    }
  }
  let offset: number | undefined;
  if (s.charCodeAt(i) === 32 && isUpper(s.charCodeAt(i + 1))) {
    let j = i + 1;
    while (j < s.length && isUpper(s.charCodeAt(j)) && j - i <= 5) j++;
    const abbr = s.slice(i + 1, j);
    const next = s.charCodeAt(j);
    if (abbr.length >= 2 && (next === 58 || next === 32 || Number.isNaN(next))) {
      const known = ZONE_ABBREVIATIONS[abbr];
      // An unknown capitalised word is only a zone when a colon follows (Cisco style);
      // otherwise it is probably the hostname.
      if (known !== undefined) {
        offset = known;
        i = j;
      } else if (next === 58) {
        i = j;
      }
    }
  }
  const sec59 = Math.min(sec, 59);
  let ms: number;
  if (year >= 0) {
    ms = instant(year, mo, d, h, mi, sec59, msv, tz, offset);
  } else {
    // Logs describe the past: take the receive year unless that is clearly in the future
    // (a December line received in January), or the line is a year-boundary straggler
    // from a sender whose clock runs slightly ahead.
    const ry = receiveYear(receivedMs, tz);
    ms = instant(ry, mo, d, h, mi, sec59, msv, tz, offset);
    if (ms - receivedMs > FUTURE_SLACK_MS) {
      ms = instant(ry - 1, mo, d, h, mi, sec59, msv, tz, offset);
    } else if (receivedMs - ms > 330 * DAY_MS) {
      const next = instant(ry + 1, mo, d, h, mi, sec59, msv, tz, offset);
      if (next - receivedMs <= FUTURE_SLACK_MS) ms = next;
    }
  }
  if (!Number.isFinite(ms)) return undefined;
  return { ms, end: i, hasYear: year >= 0, zoned: offset !== undefined };
}

/**
 * Timestamp text embedded in a message body (`Sun Dec 04 04:47:44 2005`, `2014/12/30 06:07:37`,
 * `Dec 10 06:55:46`, ISO) → epoch ms, using the zone and receive time the header parser used.
 */
export function parseEmbeddedTime(text: string, tz: string, receivedMs: number): number | undefined {
  const slash = text.charCodeAt(4) === 47 /* / */ ? /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)/.exec(text) : null;
  if (slash) {
    const ms = zonedTimeToUtc(+slash[1]!, +slash[2]! - 1, +slash[3]!, +slash[4]!, +slash[5]!, +slash[6]!, 0, tz);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const iso = parseIsoTimestamp(text, 0, tz);
  if (iso) return iso.ms;
  const day = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) /.test(text) ? 4 : 0;
  return parseBsdTimestamp(text, day, tz, receivedMs)?.ms;
}
