/**
 * Minimal strict DER reader: walks TLVs without building an object tree. Rejects indefinite and
 * non-minimal lengths, multi-byte tags, and lengths that run past their container.
 */
import { decodeOidContent, OidError } from './oid.js';

export class DerDecodeError extends Error {
  override name = 'DerDecodeError';
}

export interface Tlv {
  tag: number;
  /** Offset of the tag byte in the underlying buffer. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
  /** The underlying buffer (shared, do not mutate). */
  buf: Uint8Array;
}

export function readTlv(buf: Uint8Array, pos: number, limit = buf.length): Tlv {
  if (pos >= limit) throw new DerDecodeError('unexpected end of data (expected a tag)');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new DerDecodeError('multi-byte tags are not supported');
  if (pos + 1 >= limit) throw new DerDecodeError('unexpected end of data (expected a length)');
  let p = pos + 1;
  const first = buf[p++]!;
  let len: number;
  if (first < 0x80) {
    len = first;
  } else if (first === 0x80) {
    throw new DerDecodeError('indefinite length is not DER');
  } else {
    const n = first & 0x7f;
    if (n > 4) throw new DerDecodeError('length field too large');
    if (p + n > limit) throw new DerDecodeError('unexpected end of data (in length)');
    if (buf[p] === 0) throw new DerDecodeError('non-minimal length encoding');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
    if (len < 0x80) throw new DerDecodeError('non-minimal length encoding');
  }
  if (p + len > limit) throw new DerDecodeError(`length ${len} runs past the end of its container`);
  return { tag, start: pos, contentStart: p, end: p + len, buf };
}

/** Parses exactly one TLV covering the whole input (trailing bytes are an error). */
export function readSingle(buf: Uint8Array, expectedTag?: number): Tlv {
  const t = readTlv(buf, 0);
  if (t.end !== buf.length) throw new DerDecodeError(`${buf.length - t.end} trailing byte(s) after the value`);
  if (expectedTag !== undefined) expectTag(t, expectedTag);
  return t;
}

export function expectTag(t: Tlv, tag: number, what = 'value'): Tlv {
  if (t.tag !== tag) {
    throw new DerDecodeError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${t.tag.toString(16)}`);
  }
  return t;
}

export function content(t: Tlv): Uint8Array {
  return t.buf.subarray(t.contentStart, t.end);
}

export function raw(t: Tlv): Uint8Array {
  return t.buf.subarray(t.start, t.end);
}

/** Children of a constructed TLV (must exactly fill it). */
export function children(t: Tlv): Tlv[] {
  if (!(t.tag & 0x20)) throw new DerDecodeError(`tag 0x${t.tag.toString(16)} is not constructed`);
  const out: Tlv[] = [];
  let p = t.contentStart;
  while (p < t.end) {
    const c = readTlv(t.buf, p, t.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** Cursor over the children of a constructed value, for walking SEQUENCEs with optional fields. */
export class SeqReader {
  private pos: number;
  constructor(readonly parent: Tlv) {
    if (!(parent.tag & 0x20)) throw new DerDecodeError(`tag 0x${parent.tag.toString(16)} is not constructed`);
    this.pos = parent.contentStart;
  }
  get done(): boolean {
    return this.pos >= this.parent.end;
  }
  peekTag(): number | undefined {
    return this.done ? undefined : this.parent.buf[this.pos];
  }
  next(expectedTag?: number, what?: string): Tlv {
    if (this.done) throw new DerDecodeError(`${what ?? 'value'}: missing (end of sequence)`);
    const t = readTlv(this.parent.buf, this.pos, this.parent.end);
    if (expectedTag !== undefined) expectTag(t, expectedTag, what);
    this.pos = t.end;
    return t;
  }
  optional(tag: number): Tlv | undefined {
    return this.peekTag() === tag ? this.next() : undefined;
  }
  end(what = 'sequence'): void {
    if (!this.done) throw new DerDecodeError(`${what}: unexpected extra data`);
  }
}

// ---- primitive decoders ----

export function readOid(t: Tlv): string {
  expectTag(t, 0x06, 'OBJECT IDENTIFIER');
  try {
    return decodeOidContent(content(t));
  } catch (e) {
    throw new DerDecodeError((e as OidError).message);
  }
}

/** INTEGER content checked for minimal encoding; returned as bigint. */
export function readInteger(t: Tlv): bigint {
  const c = integerContent(t);
  let v = 0n;
  for (const b of c) v = (v << 8n) | BigInt(b);
  if (c[0]! & 0x80) v -= 1n << BigInt(8 * c.length);
  return v;
}

/** INTEGER content octets after minimal-encoding checks (two's complement, as stored). */
export function integerContent(t: Tlv): Uint8Array {
  expectTag(t, 0x02, 'INTEGER');
  const c = content(t);
  if (c.length === 0) throw new DerDecodeError('empty INTEGER');
  if (c.length > 1 && ((c[0] === 0 && !(c[1]! & 0x80)) || (c[0] === 0xff && c[1]! & 0x80))) {
    throw new DerDecodeError('non-minimal INTEGER encoding');
  }
  return c;
}

export function readBoolean(t: Tlv): boolean {
  expectTag(t, 0x01, 'BOOLEAN');
  const c = content(t);
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) throw new DerDecodeError('BOOLEAN must be 0x00 or 0xff');
  return c[0] === 0xff;
}

/** BIT STRING → { bytes, unusedBits }, with DER padding checks. */
export function readBitString(t: Tlv): { bytes: Uint8Array; unusedBits: number } {
  expectTag(t, 0x03, 'BIT STRING');
  const c = content(t);
  if (c.length === 0) throw new DerDecodeError('BIT STRING without unused-bits octet');
  const unused = c[0]!;
  if (unused > 7 || (c.length === 1 && unused !== 0)) throw new DerDecodeError('invalid BIT STRING unused-bit count');
  if (unused && (c[c.length - 1]! & ((1 << unused) - 1))) throw new DerDecodeError('BIT STRING padding bits not zero');
  return { bytes: c.subarray(1), unusedBits: unused };
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes the directory string types seen in certificates and CSRs. */
export function readString(t: Tlv): string {
  const c = content(t);
  try {
    switch (t.tag) {
      case 0x0c: // UTF8String
        return utf8.decode(c);
      case 0x13: // PrintableString
      case 0x16: // IA5String
      case 0x1a: // VisibleString
      case 0x12: // NumericString
        for (const b of c) if (b > 0x7f) throw new DerDecodeError('non-ASCII byte in ASCII string type');
        return latin1.decode(c);
      case 0x14: // TeletexString (treated as Latin-1, as most parsers do)
        return latin1.decode(c);
      case 0x1e: {
        if (c.length % 2) throw new DerDecodeError('odd-length BMPString');
        let s = '';
        for (let i = 0; i < c.length; i += 2) s += String.fromCharCode((c[i]! << 8) | c[i + 1]!);
        return s;
      }
      case 0x1c: {
        if (c.length % 4) throw new DerDecodeError('UniversalString length not a multiple of 4');
        let s = '';
        for (let i = 0; i < c.length; i += 4) {
          s += String.fromCodePoint(((c[i]! << 24) | (c[i + 1]! << 16) | (c[i + 2]! << 8) | c[i + 3]!) >>> 0);
        }
        return s;
      }
      default:
        throw new DerDecodeError(`tag 0x${t.tag.toString(16)} is not a string type`);
    }
  } catch (e) {
    if (e instanceof DerDecodeError) throw e;
    throw new DerDecodeError(`invalid string content: ${(e as Error).message}`);
  }
}

/** UTCTime / GeneralizedTime as used by RFC 5280 (Zulu, seconds present, no fraction). */
export function readTime(t: Tlv): Date {
  const c = content(t);
  const digits = (from: number, n: number): number => {
    let v = 0;
    for (let i = from; i < from + n; i++) {
      const d = c[i]! - 0x30;
      if (d < 0 || d > 9) return NaN;
      v = v * 10 + d;
    }
    return v;
  };
  let year: number;
  let p: number;
  if (t.tag === 0x17) {
    if (c.length !== 13 || c[12] !== 0x5a) throw new DerDecodeError(`UTCTime "${latin1.decode(c)}" is not YYMMDDHHMMSSZ`);
    const yy = digits(0, 2);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    p = 2;
  } else if (t.tag === 0x18) {
    if (c.length !== 15 || c[14] !== 0x5a) throw new DerDecodeError(`GeneralizedTime "${latin1.decode(c)}" is not YYYYMMDDHHMMSSZ`);
    year = digits(0, 4);
    p = 4;
  } else {
    throw new DerDecodeError(`tag 0x${t.tag.toString(16)} is not a time type`);
  }
  const mo = digits(p, 2);
  const d = digits(p + 2, 2);
  const h = digits(p + 4, 2);
  const mi = digits(p + 6, 2);
  const se = digits(p + 8, 2);
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, se));
  if (year < 100) date.setUTCFullYear(year);
  if (Number.isNaN(date.getTime()) || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) {
    throw new DerDecodeError(`time "${latin1.decode(c)}" is not a valid calendar time`);
  }
  return date;
}
