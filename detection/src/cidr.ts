// CIDR parsing and membership for IPv4 and IPv6 (RFC 4632, RFC 4291 text forms).

export interface Cidr {
  v6: boolean;
  net: bigint;
  mask: bigint;
  /** IPv4 ranges: net and mask as plain numbers, converted once here instead of per test. */
  net4: number;
  mask4: number;
}

function parseV4(s: string): bigint | null {
  const p = s.split('.');
  if (p.length !== 4) return null;
  let n = 0n;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x)) return null;
    const v = Number(x);
    if (v > 255) return null;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(s: string): bigint | null {
  let str = s;
  const zone = str.indexOf('%');
  if (zone >= 0) str = str.slice(0, zone);
  // Embedded IPv4 suffix (e.g. ::ffff:1.2.3.4) becomes two hex groups.
  const lastColon = str.lastIndexOf(':');
  if (str.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(str.slice(lastColon + 1));
    if (v4 === null) return null;
    str = str.slice(0, lastColon + 1) + (v4 >> 16n).toString(16) + ':' + (v4 & 0xffffn).toString(16);
  }
  const dbl = str.split('::');
  if (dbl.length > 2) return null;
  const parseGroups = (x: string): number[] | null => {
    if (x === '') return [];
    const out: number[] = [];
    for (const g of x.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(dbl[0]!);
  const rest = dbl.length === 2 ? parseGroups(dbl[1]!) : [];
  if (!head || !rest) return null;
  const total = head.length + rest.length;
  let groups: number[];
  if (dbl.length === 2) {
    if (total > 7) return null;
    groups = [...head, ...new Array(8 - total).fill(0), ...rest];
  } else {
    if (total !== 8) return null;
    groups = head;
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

export function parseIp(s: string): { v6: boolean; n: bigint } | null {
  if (typeof s !== 'string' || s.length > 64) return null;
  if (s.includes(':')) {
    const n = parseV6(s);
    return n === null ? null : { v6: true, n };
  }
  const n = parseV4(s);
  return n === null ? null : { v6: false, n };
}

export function parseCidr(s: string): Cidr | null {
  const [addr, len, extra] = s.trim().split('/');
  if (extra !== undefined || addr === undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const bits = ip.v6 ? 128 : 32;
  const l = len === undefined ? bits : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(l >= 0 && l <= bits)) return null;
  const all = (1n << BigInt(bits)) - 1n;
  const mask = l === 0 ? 0n : (all << BigInt(bits - l)) & all;
  const net = ip.n & mask;
  return { v6: ip.v6, net, mask, net4: ip.v6 ? -1 : Number(net), mask4: ip.v6 ? -1 : Number(mask) };
}

/** IPv4 dotted quad to an unsigned 32-bit number without allocation; -1 when not IPv4. */
function v4Number(s: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

export function cidrContains(c: Cidr, ip: string): boolean {
  if (!c.v6) {
    const n = v4Number(ip);
    if (n >= 0) {
      const mask = c.mask4;
      const net = c.net4;
      // mask/net fit in 32 bits; compare the masked prefix arithmetically.
      return mask === 0 || (n - (n % (0x100000000 - mask))) === net;
    }
  }
  const p = parseIp(ip);
  if (!p) return false;
  if (p.v6 !== c.v6) {
    // IPv4-mapped IPv6 addresses belong to IPv4 ranges.
    if (!c.v6 && p.v6 && p.n >> 32n === 0xffffn) return ((p.n & 0xffffffffn) & c.mask) === c.net;
    return false;
  }
  return (p.n & c.mask) === c.net;
}
