/**
 * IP addresses in a comparable form: every address becomes 16 bytes (IPv4 as IPv4-mapped IPv6,
 * ::ffff:a.b.c.d), so byte order equals numeric order and a CIDR block is one contiguous [lo, hi] range.
 * Both engines agree with this: Elasticsearch `ip` fields treat IPv4 and its mapped form as the same value.
 */
import { isIPv4, isIPv6 } from 'node:net';

export function parseIp(text: string): Buffer | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const v4 = parseDottedQuad(text);
  if (v4) return v4;
  const bare = text.split('%')[0]!; // zone ids are not part of the address
  if (!isIPv6(bare)) return undefined;
  let head = bare;
  let tailV4: number[] = [];
  const lastColon = bare.lastIndexOf(':');
  if (bare.slice(lastColon + 1).includes('.')) {
    tailV4 = bare.slice(lastColon + 1).split('.').map(Number);
    head = bare.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  if (groups.length !== 8) return undefined;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tailV4.length === 4) tailV4.forEach((b, i) => (out[12 + i] = b));
  return out;
}

/**
 * Strict dotted quad (the form `isIPv4` accepts: four decimal octets 0..255, no leading zeros), read in one
 * pass without splitting: every ingested event carries several IPv4 addresses, so this is on the hot path.
 */
function parseDottedQuad(text: string): Buffer | undefined {
  const n = text.length;
  if (n < 7 || n > 15) return undefined;
  const octets = [0, 0, 0, 0];
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 46; // a virtual '.' closes the last octet
    if (c === 46) {
      if (digits === 0 || part > 3) return undefined;
      octets[part++] = value;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && value === 0) return undefined; // leading zero: not an address in Node's grammar
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return undefined;
    } else return undefined;
  }
  if (part !== 4) return undefined;
  const out = Buffer.alloc(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out[12] = octets[0]!;
  out[13] = octets[1]!;
  out[14] = octets[2]!;
  out[15] = octets[3]!;
  return out;
}

/** Canonical text: dotted quad for IPv4(-mapped), RFC 5952 compressed form for IPv6. */
export function formatIp(key: Buffer): string {
  const isMapped = key.subarray(0, 10).every((b) => b === 0) && key[10] === 0xff && key[11] === 0xff;
  if (isMapped) return `${key[12]}.${key[13]}.${key[14]}.${key[15]}`;
  const groups = Array.from({ length: 8 }, (_, i) => key.readUInt16BE(i * 2));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export interface IpRange { lo: Buffer; hi: Buffer }

/** `10.0.0.0/8`, `2001:db8::/32` or a single address → inclusive key range; undefined when malformed. */
export function parseCidr(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const k = parseIp(text);
    return k && { lo: k, hi: k };
  }
  const addr = parseIp(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (!addr || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const v4 = isIPv4(text.slice(0, slash));
  const bits = Number(bitsText) + (v4 ? 96 : 0);
  if (bits > 128 || (v4 && Number(bitsText) > 32)) return undefined;
  const lo = Buffer.from(addr);
  const hi = Buffer.from(addr);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    lo[i] = lo[i]! & mask;
    hi[i] = (hi[i]! & mask) | (~mask & 0xff);
  }
  return { lo, hi };
}
