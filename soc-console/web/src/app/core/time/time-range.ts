// Pure time-range logic: presets relative to "now", custom ranges typed as wall-clock time in the display
// time zone (Asia/Shanghai by default), and formatting in that zone.

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';
export const PRESETS = ['15m', '1h', '24h', '7d', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];

export interface TimeRange {
  preset: Preset;
  /** Only for 'custom': ISO 8601 instants. */
  from?: string;
  to?: string;
}

const PRESET_MS: Record<Exclude<Preset, 'custom'>, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
};

export class TimeRangeError extends Error {}

/** The instants a range stands for at `now`; custom ranges must be well-formed and ordered. */
export function resolveRange(range: TimeRange, now = Date.now()): { from: string; to: string } {
  if (range.preset !== 'custom') {
    return { from: new Date(now - PRESET_MS[range.preset]).toISOString(), to: new Date(now).toISOString() };
  }
  const from = Date.parse(range.from ?? '');
  const to = Date.parse(range.to ?? '');
  if (Number.isNaN(from) || Number.isNaN(to)) throw new TimeRangeError('time.invalid');
  if (from >= to) throw new TimeRangeError('time.order');
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** Offset of `tz` from UTC at instant `ms`, in minutes (east positive). */
export function zoneOffsetMinutes(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/**
 * `<input type="datetime-local">` value ("2026-11-29T08:30") read as wall-clock time in `tz` → ISO instant.
 * Two passes so a zone with DST gets the offset in force at the result, not at the guess.
 */
export function wallClockToIso(local: string, tz = DEFAULT_TIME_ZONE): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) throw new TimeRangeError('time.invalid');
  const naive = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  let ms = naive - zoneOffsetMinutes(naive, tz) * 60_000;
  ms = naive - zoneOffsetMinutes(ms, tz) * 60_000;
  return new Date(ms).toISOString();
}

/** ISO instant → `datetime-local` value in `tz` (to prefill the custom inputs). */
export function isoToWallClock(iso: string, tz = DEFAULT_TIME_ZONE): string {
  const ms = Date.parse(iso);
  const shifted = new Date(ms + zoneOffsetMinutes(ms, tz) * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** "2026-11-29 16:30:05" in `tz`: one unambiguous format for tables in both languages. */
export function formatInstant(value: string | number | Date | null | undefined, tz = DEFAULT_TIME_ZONE, withSeconds = true): string {
  if (value === null || value === undefined || value === '') return '';
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) return String(value);
  const s = new Date(ms + zoneOffsetMinutes(ms, tz) * 60_000).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, withSeconds ? 19 : 16)}`;
}

/** Short axis label for a bucket: time of day for short ranges, date and time for longer ones. */
export function axisLabel(ms: number, spanMs: number, tz = DEFAULT_TIME_ZONE): string {
  const full = formatInstant(ms, tz, false);
  return spanMs <= 86_400_000 ? full.slice(11) : full.slice(5);
}
