/**
 * Longest-prefix-match table for IPv4 and IPv6 CIDRs. One hash map per prefix length,
 * probed from the longest length present down: a handful of map lookups per address,
 * independent of the number of entries.
 */
import { isIP } from 'node:net';

/** Strict `d.d.d.d` (1-3 digits, each ≤ 255) → integer, else -1; no allocation (the per-event case). */
function plainIpv4(s: string): number {
  const n = s.length;
  let v = 0;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (s.charCodeAt(i) !== 46 /* . */) return -1;
      i++;
    }
    let x = 0;
    const start = i;
    while (i < n && i - start < 3) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      x = x * 10 + c;
      i++;
    }
    if (i === start || x > 255) return -1;
    v = v * 256 + x;
  }
  return i === n ? v : -1;
}

export function ipv4ToInt(s: string): number | undefined {
  const plain = plainIpv4(s);
  if (plain >= 0) return plain;
  // Anything else takes the general reading (Number() per part), which decides exactly as before.
  const p = s.split('.');
  if (p.length !== 4) return undefined;
  let v = 0;
  for (const x of p) {
    if (x === '' || x.length > 3) return undefined;
    const n = Number(x);
    if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

/** IPv6 text → 32 lower-case hex digits (handles `::` and an embedded IPv4 tail). */
export function ipv6ToHex(s: string): string | undefined {
  if (isIP(s) !== 6) return undefined;
  let text = s.toLowerCase();
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4ToInt(tail);
    if (v4 === undefined) return undefined;
    text = text.slice(0, lastColon + 1) + ((v4 >>> 16) & 0xffff).toString(16) + ':' + (v4 & 0xffff).toString(16);
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - h.length - r.length;
  const groups = [...h, ...Array(Math.max(0, fill)).fill('0'), ...r];
  if (groups.length !== 8) return undefined;
  return groups.map((g) => g.padStart(4, '0')).join('');
}

function hexPrefix(hex: string, len: number): string {
  const full = len >> 2;
  const restBits = len & 3;
  let key = hex.slice(0, full);
  if (restBits) {
    const nib = parseInt(hex[full]!, 16) & ((0xf << (4 - restBits)) & 0xf);
    key += nib.toString(16);
  }
  return key;
}

export class IpPrefixTable<T> {
  private v4 = new Map<number, Map<number, T>>();
  private v6 = new Map<number, Map<string, T>>();
  private v4Lens: number[] = [];
  private v6Lens: number[] = [];
  size = 0;

  /** Add `a.b.c.d/n`, `x::/n` or a bare address. Returns false for invalid text. */
  insert(cidr: string, value: T): boolean {
    const slash = cidr.indexOf('/');
    const addr = (slash < 0 ? cidr : cidr.slice(0, slash)).trim();
    const v4 = ipv4ToInt(addr);
    if (v4 !== undefined) {
      const len = slash < 0 ? 32 : Number(cidr.slice(slash + 1));
      if (!Number.isInteger(len) || len < 0 || len > 32) return false;
      const key = len === 0 ? 0 : (v4 & (~0 << (32 - len))) >>> 0;
      let m = this.v4.get(len);
      if (!m) {
        m = new Map();
        this.v4.set(len, m);
        this.v4Lens = [...this.v4.keys()].sort((a, b) => b - a);
      }
      if (!m.has(key)) this.size++;
      m.set(key, value);
      return true;
    }
    const hex = ipv6ToHex(addr);
    if (hex === undefined) return false;
    const len = slash < 0 ? 128 : Number(cidr.slice(slash + 1));
    if (!Number.isInteger(len) || len < 0 || len > 128) return false;
    let m = this.v6.get(len);
    if (!m) {
      m = new Map();
      this.v6.set(len, m);
      this.v6Lens = [...this.v6.keys()].sort((a, b) => b - a);
    }
    const key = hexPrefix(hex, len);
    if (!m.has(key)) this.size++;
    m.set(key, value);
    return true;
  }

  /** Most specific entry containing `ip`, or undefined. */
  lookup(ip: string): T | undefined {
    if (this.size === 0) return undefined;
    const v4 = ip.includes(':') ? undefined : ipv4ToInt(ip);
    if (v4 !== undefined) {
      for (const len of this.v4Lens) {
        const key = len === 0 ? 0 : (v4 & (~0 << (32 - len))) >>> 0;
        const hit = this.v4.get(len)!.get(key);
        if (hit !== undefined) return hit;
      }
      return undefined;
    }
    if (this.v6Lens.length === 0) return undefined;
    const hex = ipv6ToHex(ip);
    if (hex === undefined) return undefined;
    for (const len of this.v6Lens) {
      const hit = this.v6.get(len)!.get(hexPrefix(hex, len));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}
