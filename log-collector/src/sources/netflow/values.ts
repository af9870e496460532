/** Byte-level readers shared by the flow decoders. All take (buffer, offset, length) and never read past it. */

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Big-endian unsigned integer of 1..8 octets (reduced-size encoding, RFC 7011 §6.2). Above 2^53 precision is lost. */
export function readUnsigned(b: Uint8Array, o: number, len: number): number {
  if (len <= 4) {
    let v = 0;
    for (let i = 0; i < len; i++) v = v * 256 + b[o + i]!;
    return v;
  }
  let hi = 0;
  const hiLen = len - 4;
  for (let i = 0; i < hiLen; i++) hi = hi * 256 + b[o + i]!;
  const p = o + hiLen;
  const lo = ((b[p]! << 24) >>> 0) + (b[p + 1]! << 16) + (b[p + 2]! << 8) + b[p + 3]!;
  return hi * 4294967296 + lo;
}

export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

const DEC: string[] = Array.from({ length: 256 }, (_, i) => String(i));

export function formatIpv4(b: Uint8Array, o: number): string {
  return DEC[b[o]!] + '.' + DEC[b[o + 1]!] + '.' + DEC[b[o + 2]!] + '.' + DEC[b[o + 3]!];
}

/** RFC 5952 text form: lower case, longest run (>= 2) of zero groups compressed, v4-mapped kept as hex. */
export function formatIpv6(b: Uint8Array, o: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!;
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

export function formatMac(b: Uint8Array, o: number): string {
  return `${HEX[b[o]!]}:${HEX[b[o + 1]!]}:${HEX[b[o + 2]!]}:${HEX[b[o + 3]!]}:${HEX[b[o + 4]!]}:${HEX[b[o + 5]!]}`;
}

export function hex(b: Uint8Array, o: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += HEX[b[o + i]!];
  return s;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 text with trailing NUL padding removed (exporters pad fixed-size name fields). */
export function readString(b: Uint8Array, o: number, len: number): string {
  let end = o + len;
  while (end > o && b[end - 1] === 0) end--;
  return utf8.decode(b.subarray(o, end));
}

/** NTP 64-bit timestamp (RFC 7011 dateTimeMicro/Nanoseconds) to epoch milliseconds. */
export function ntpToMs(b: Uint8Array, o: number): number {
  const secs = u32(b, o);
  const frac = u32(b, o + 4);
  return (secs - 2208988800) * 1000 + Math.floor((frac / 4294967296) * 1000);
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;
const pad3 = (n: number): string => (n < 10 ? '00' : n < 100 ? '0' : '') + n;

/** Same text as Date#toISOString for years 0-9999, without allocating a Date (civil-from-days, H. Hinnant). */
export function isoFromMs(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < -62167219200000 || ms >= 253402300800000) return undefined;
  const t = Math.floor(ms);
  const days = Math.floor(t / 86_400_000);
  let rem = t - days * 86_400_000;
  const hh = Math.floor(rem / 3_600_000);
  rem -= hh * 3_600_000;
  const mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  const ss = Math.floor(rem / 1000);
  const milli = rem - ss * 1000;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const yyyy = y < 1000 ? String(y).padStart(4, '0') : String(y);
  return `${yyyy}-${pad2(m)}-${pad2(d)}T${pad2(hh)}:${pad2(mi)}:${pad2(ss)}.${pad3(milli)}Z`;
}
