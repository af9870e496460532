/**
 * Minimal, allocation-conscious DER writer.
 *
 * Every function returns the complete TLV as one Uint8Array. Constructed values are built by
 * `constructed(tag, parts)`, which sizes the output once and copies each part once, so building a
 * certificate costs O(size × depth) with depth ≈ 6 instead of the repeated concatenation that
 * dominates generic ASN.1 encoders.
 */
import { encodeOid } from './oid.js';

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export class DerEncodeError extends Error {
  override name = 'DerEncodeError';
}

/** Number of bytes the DER length field takes for a content of `len` bytes. */
export function lengthSize(len: number): number {
  if (len < 0x80) return 1;
  if (len < 0x100) return 2;
  if (len < 0x10000) return 3;
  if (len < 0x1000000) return 4;
  return 5;
}

/** Writes a DER length at `pos` and returns the position after it. */
export function writeLength(buf: Uint8Array, pos: number, len: number): number {
  if (len < 0x80) {
    buf[pos] = len;
    return pos + 1;
  }
  const n = lengthSize(len) - 1;
  buf[pos++] = 0x80 | n;
  for (let i = n - 1; i >= 0; i--) buf[pos++] = (len >>> (8 * i)) & 0xff;
  return pos;
}

/** Size of a complete TLV (single-byte tag) with `len` content bytes. */
export function tlvSize(len: number): number {
  return 1 + lengthSize(len) + len;
}

/** Primitive or constructed TLV around already-encoded content. */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const out = new Uint8Array(tlvSize(content.length));
  out[0] = tag;
  out.set(content, writeLength(out, 1, content.length));
  return out;
}

/** Constructed TLV whose content is the concatenation of `parts` (undefined parts are skipped). */
export function constructed(tag: number, parts: readonly (Uint8Array | undefined)[]): Uint8Array {
  let len = 0;
  for (const p of parts) if (p) len += p.length;
  const out = new Uint8Array(tlvSize(len));
  out[0] = tag;
  let pos = writeLength(out, 1, len);
  for (const p of parts) {
    if (!p) continue;
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export function sequence(...parts: (Uint8Array | undefined)[]): Uint8Array {
  return constructed(Tag.SEQUENCE, parts);
}

/** SET whose element order is given by the caller (SET of distinct types, already in tag order). */
export function set(...parts: (Uint8Array | undefined)[]): Uint8Array {
  return constructed(Tag.SET, parts);
}

/** X.690 §11.6: SET OF elements are ordered as octet strings, the shorter padded with zeros. */
export function compareDer(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = i < a.length ? a[i]! : 0;
    const y = i < b.length ? b[i]! : 0;
    if (x !== y) return x - y;
  }
  return 0;
}

/** DER SET OF: elements sorted per X.690 §11.6. */
export function setOf(elements: readonly Uint8Array[]): Uint8Array {
  const sorted = elements.length > 1 ? [...elements].sort(compareDer) : elements;
  return constructed(Tag.SET, sorted);
}

export function concat(parts: readonly (Uint8Array | undefined)[]): Uint8Array {
  let len = 0;
  for (const p of parts) if (p) len += p.length;
  const out = new Uint8Array(len);
  let pos = 0;
  for (const p of parts) {
    if (!p) continue;
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

// ---- context-specific tags ----

/** [n] EXPLICIT: constructed context tag wrapping a complete TLV. */
export function explicit(n: number, inner: Uint8Array): Uint8Array {
  if (n > 30) throw new DerEncodeError('context tag number > 30 not supported');
  return tlv(0xa0 | n, inner);
}

/** [n] IMPLICIT primitive: replaces the tag of a primitive value; content given directly. */
export function implicitPrimitive(n: number, content: Uint8Array): Uint8Array {
  if (n > 30) throw new DerEncodeError('context tag number > 30 not supported');
  return tlv(0x80 | n, content);
}

/** [n] IMPLICIT constructed (e.g. IMPLICIT SEQUENCE/SET): content is the concatenated parts. */
export function implicitConstructed(n: number, parts: readonly (Uint8Array | undefined)[]): Uint8Array {
  if (n > 30) throw new DerEncodeError('context tag number > 30 not supported');
  return constructed(0xa0 | n, parts);
}

/** Re-tags a complete TLV as [n] IMPLICIT, keeping its primitive/constructed bit. */
export function retagImplicit(n: number, encoded: Uint8Array): Uint8Array {
  const out = encoded.slice();
  out[0] = (encoded[0]! & 0x20) | 0x80 | n;
  return out;
}

// ---- primitives ----

const NULL_DER = Uint8Array.of(0x05, 0x00);
const TRUE_DER = Uint8Array.of(0x01, 0x01, 0xff);
const FALSE_DER = Uint8Array.of(0x01, 0x01, 0x00);

export function nullValue(): Uint8Array {
  return NULL_DER;
}

export function boolean(v: boolean): Uint8Array {
  return v ? TRUE_DER : FALSE_DER;
}

/** INTEGER from a JS number or bigint (two's complement, minimal length). */
export function integer(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (v >= 0n && v < 0x80n) return Uint8Array.of(Tag.INTEGER, 1, Number(v));
  const bytes: number[] = [];
  if (v >= 0n) {
    while (v > 0n) {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
    }
    if (bytes[bytes.length - 1]! & 0x80) bytes.push(0);
  } else {
    // Emit two's complement bytes until the remaining value is -1 and the sign bit is set.
    for (;;) {
      const b = Number(v & 0xffn);
      bytes.push(b);
      v >>= 8n;
      if (v === -1n && b & 0x80) break;
    }
  }
  bytes.reverse();
  return tlv(Tag.INTEGER, Uint8Array.from(bytes));
}

/**
 * INTEGER from an unsigned big-endian magnitude (serial numbers, RSA moduli): leading zero octets
 * are stripped and one 0x00 is prepended when the high bit is set so the value stays positive.
 */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  if (magnitude.length === 0) return Uint8Array.of(Tag.INTEGER, 1, 0);
  const pad = magnitude[start]! & 0x80 ? 1 : 0;
  const len = magnitude.length - start + pad;
  const out = new Uint8Array(tlvSize(len));
  out[0] = Tag.INTEGER;
  let pos = writeLength(out, 1, len);
  if (pad) out[pos++] = 0;
  out.set(magnitude.subarray(start), pos);
  return out;
}

export function enumerated(value: number): Uint8Array {
  const i = integer(value);
  i[0] = Tag.ENUMERATED;
  return i;
}

export function octetString(content: Uint8Array): Uint8Array {
  return tlv(Tag.OCTET_STRING, content);
}

/** BIT STRING with the given number of unused bits in the last octet (0 for keys/signatures). */
export function bitString(content: Uint8Array, unusedBits = 0): Uint8Array {
  if (unusedBits < 0 || unusedBits > 7 || (content.length === 0 && unusedBits !== 0)) {
    throw new DerEncodeError('invalid BIT STRING unused-bit count');
  }
  const len = content.length + 1;
  const out = new Uint8Array(tlvSize(len));
  out[0] = Tag.BIT_STRING;
  const pos = writeLength(out, 1, len);
  out[pos] = unusedBits;
  out.set(content, pos + 1);
  return out;
}

/**
 * Named bit list (KeyUsage, ReasonFlags): DER requires trailing zero bits to be removed
 * (X.690 §11.2.2), so the encoding length depends on the highest set bit.
 */
export function namedBitString(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return Uint8Array.of(Tag.BIT_STRING, 1, 0);
  const highest = Math.max(...bits);
  const nBytes = (highest >> 3) + 1;
  const content = new Uint8Array(nBytes);
  for (const b of bits) content[b >> 3]! |= 0x80 >> (b & 7);
  return bitString(content, 7 - (highest & 7));
}

export function oid(dotted: string): Uint8Array {
  return encodeOid(dotted);
}

// ---- strings ----

const encoder = new TextEncoder();

/** PrintableString alphabet (X.680 §41.4). */
export function isPrintableString(s: string): boolean {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s);
}

export function isIa5String(s: string): boolean {
   
  return /^[\x00-\x7f]*$/.test(s);
}

export function printableString(s: string): Uint8Array {
  if (!isPrintableString(s)) throw new DerEncodeError(`not a PrintableString: ${JSON.stringify(s)}`);
  return tlv(Tag.PrintableString, encoder.encode(s));
}

export function ia5String(s: string): Uint8Array {
  if (!isIa5String(s)) throw new DerEncodeError(`not an IA5String: ${JSON.stringify(s)}`);
  return tlv(Tag.IA5String, encoder.encode(s));
}

export function utf8String(s: string): Uint8Array {
  return tlv(Tag.UTF8String, encoder.encode(s));
}

/** BMPString (UCS-2 big endian), used for PKCS#12 friendlyName. */
export function bmpString(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i] = c >> 8;
    out[2 * i + 1] = c & 0xff;
  }
  return tlv(Tag.BMPString, out);
}

// ---- time ----

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** UTCTime YYMMDDHHMMSSZ (seconds always present, Zulu, no fraction — RFC 5280 §4.1.2.5.1). */
export function utcTime(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 2049) throw new DerEncodeError(`UTCTime cannot represent year ${y}`);
  const s =
    pad2(y % 100) +
    pad2(d.getUTCMonth() + 1) +
    pad2(d.getUTCDate()) +
    pad2(d.getUTCHours()) +
    pad2(d.getUTCMinutes()) +
    pad2(d.getUTCSeconds()) +
    'Z';
  return tlv(Tag.UTCTime, encoder.encode(s));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ (no fractional seconds — RFC 5280 §4.1.2.5.2). */
export function generalizedTime(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new DerEncodeError(`GeneralizedTime cannot represent year ${y}`);
  const s =
    String(y).padStart(4, '0') +
    pad2(d.getUTCMonth() + 1) +
    pad2(d.getUTCDate()) +
    pad2(d.getUTCHours()) +
    pad2(d.getUTCMinutes()) +
    pad2(d.getUTCSeconds()) +
    'Z';
  return tlv(Tag.GeneralizedTime, encoder.encode(s));
}

/** RFC 5280 Time: UTCTime for 1950–2049, GeneralizedTime otherwise (written without strings: hot path). */
export function time(d: Date): Uint8Array {
  if (Number.isNaN(d.getTime())) throw new DerEncodeError('invalid date');
  const out = new Uint8Array(timeSize(d));
  writeTimeAt(out, 0, d);
  return out;
}

/** Constant-shape byte comparison without Buffer copies. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** AlgorithmIdentifier { algorithm, parameters }; `params: null` writes an explicit NULL. */
export function algorithmIdentifier(algorithm: string, params?: Uint8Array | null): Uint8Array {
  return sequence(oid(algorithm), params === null ? NULL_DER : params);
}

/** Size of the Time TLV `time(d)` would produce (15 for UTCTime, 17 for GeneralizedTime). */
export function timeSize(d: Date): number {
  const y = d.getUTCFullYear();
  return y >= 1950 && y < 2050 ? 15 : 17;
}

function put2(buf: Uint8Array, pos: number, n: number): void {
  buf[pos] = 0x30 + ((n / 10) | 0);
  buf[pos + 1] = 0x30 + (n % 10);
}

/** Writes `time(d)` at pos without intermediate strings (bulk CRL generation); returns the new pos. */
export function writeTimeAt(buf: Uint8Array, pos: number, d: Date, forceGeneralized = false): number {
  const y = d.getUTCFullYear();
  if (y >= 1950 && y < 2050 && !forceGeneralized) {
    buf[pos++] = Tag.UTCTime;
    buf[pos++] = 13;
    put2(buf, pos, y % 100);
    pos += 2;
  } else {
    if (y < 0 || y > 9999) throw new DerEncodeError(`GeneralizedTime cannot represent year ${y}`);
    buf[pos++] = Tag.GeneralizedTime;
    buf[pos++] = 15;
    put2(buf, pos, (y / 100) | 0);
    put2(buf, pos + 2, y % 100);
    pos += 4;
  }
  put2(buf, pos, d.getUTCMonth() + 1);
  put2(buf, pos + 2, d.getUTCDate());
  put2(buf, pos + 4, d.getUTCHours());
  put2(buf, pos + 6, d.getUTCMinutes());
  put2(buf, pos + 8, d.getUTCSeconds());
  buf[pos + 10] = 0x5a; // 'Z'
  return pos + 11;
}
