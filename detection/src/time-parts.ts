// Time modifiers (minute/hour/day/week/month/year) extract a number from a date value. The spec leaves
// timezones out; a rule may set the custom field `timezone` (IANA name, e.g. Asia/Shanghai) so parts are
// taken in local civil time, which is what "outside working hours" rules need.

export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
export const TIME_PARTS = new Set<string>(['minute', 'hour', 'day', 'week', 'month', 'year']);

const formatters = new Map<string, Intl.DateTimeFormat>();

export function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Digits at s[i..i+n) as a number, or -1. */
function digits(s: string, i: number, n: number): number {
  let x = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x;
}

/**
 * Fast path for the shape almost every event has, `YYYY-MM-DDTHH:MM:SS[.fff]Z` (UTC, 0-3 fraction
 * digits); anything else (offsets, other precisions, out-of-range parts) returns null and goes to Date.parse.
 */
function parseIsoUtc(s: string): number | null {
  const len = s.length;
  if (len < 20 || len > 24 || s.charCodeAt(len - 1) !== 90 /* Z */) return null;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return null;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const h = digits(s, 11, 2), mi = digits(s, 14, 2), se = digits(s, 17, 2);
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59) return null;
  let ms = 0;
  if (len > 20) {
    if (s[19] !== '.' || len === 21) return null;
    const f = digits(s, 20, len - 21);
    if (f < 0) return null;
    ms = len === 22 ? f * 100 : len === 23 ? f * 10 : f;
  }
  // Consecutive events share their day: its start is computed (and validated) once.
  const day = y * 10000 + mo * 100 + d;
  if (day !== lastDay) {
    const t0 = Date.UTC(y, mo - 1, d);
    // Day overflow (e.g. Feb 30) is invalid for Date.parse too; let it decide.
    if (new Date(t0).getUTCDate() !== d) return null;
    lastDay = day;
    lastDayMs = t0;
  }
  return lastDayMs + ((h * 60 + mi) * 60 + se) * 1000 + ms;
}
let lastDay = -1;
let lastDayMs = 0;

/**
 * True when `s` is exactly what `new Date(parseTime(s)).toISOString()` returns (the fast path's
 * `YYYY-MM-DDTHH:MM:SS.fffZ` shape with valid parts), so callers can reuse the text instead of formatting.
 */
export function isCanonicalIso(s: unknown): s is string {
  return typeof s === 'string' && s.length === 24 && s.charCodeAt(19) === 46 /* . */ && parseIsoUtc(s) !== null;
}

export function parseTime(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.length >= 4 && v.length < 64) {
    const fast = parseIsoUtc(v);
    if (fast !== null) return fast;
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

// Intl formatting is slow; civil time only changes per minute, so the last results are memoised.
const civilCache = new Map<string, Civil>();

function civil(ms: number, tz: string | null): Civil {
  const key = `${tz ?? ''}|${Math.floor(ms / 60000)}`;
  let c = civilCache.get(key);
  if (!c) {
    c = civilUncached(ms, tz);
    if (civilCache.size > 4096) civilCache.clear();
    civilCache.set(key, c);
  }
  return c;
}

function civilUncached(ms: number, tz: string | null): Civil {
  if (!tz || tz === 'UTC') {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
  }
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(tz, f);
  }
  const o: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(ms))) if (p.type !== 'literal') o[p.type] = Number(p.value);
  return { year: o.year!, month: o.month!, day: o.day!, hour: o.hour! % 24, minute: o.minute! };
}

/** ISO-8601 week number (1..53). */
function isoWeek(c: Civil): number {
  const d = new Date(Date.UTC(c.year, c.month - 1, c.day));
  const dow = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.ceil(((d.getTime() - yearStart) / 86400000 + 1) / 7);
}

export function timePart(ms: number, part: TimePart, tz: string | null): number {
  const c = civil(ms, tz);
  return part === 'week' ? isoWeek(c) : c[part];
}
