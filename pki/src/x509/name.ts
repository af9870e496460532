/** Distinguished names: encoding from ordered attributes, decoding for display and comparison. */
import {
  DerEncodeError,
  ia5String,
  oid,
  printableString,
  sequence,
  setOf,
  utf8String,
  children,
  DerDecodeError,
  readOid,
  readString,
  readSingle,
  type Tlv,
} from '../der/index.js';
import { DN_ATTRIBUTE_NAMES, DN_ATTRIBUTE_OIDS, OID } from './oids.js';

/**
 * One RDN per entry, in the order given (most significant first, e.g. C, O, OU, CN).
 * `type` is a short name (C, O, OU, CN, …) or a dotted OID. A multi-valued RDN is an array entry.
 */
export type NameAttribute = { type: string; value: string };
export type DistinguishedName = readonly (NameAttribute | readonly NameAttribute[])[];

/** Upper bounds from RFC 5280 appendix A (ub-*), in characters. */
const UPPER_BOUNDS: Record<string, number> = {
  [OID.countryName]: 2,
  [OID.commonName]: 64,
  [OID.organizationName]: 64,
  [OID.organizationalUnitName]: 64,
  [OID.localityName]: 128,
  [OID.stateOrProvinceName]: 128,
  [OID.serialNumber]: 64,
  [OID.emailAddress]: 255,
  [OID.title]: 64,
};

export function attributeOid(type: string): string {
  const o = DN_ATTRIBUTE_OIDS[type] ?? (/^[0-2](\.\d+)+$/.test(type) ? type : undefined);
  if (!o) throw new DerEncodeError(`unknown name attribute type "${type}"`);
  return o;
}

/** RFC 5280: countryName, serialNumber and dnQualifier are PrintableString; email is IA5String; the rest UTF8String. */
function encodeAttributeValue(typeOid: string, value: string): Uint8Array {
  const ub = UPPER_BOUNDS[typeOid];
  if (ub !== undefined && value.length > ub && codePoints(value) > ub) {
    throw new DerEncodeError(`${DN_ATTRIBUTE_NAMES[typeOid] ?? typeOid} longer than ${ub} characters`);
  }
  if (value.length === 0) throw new DerEncodeError(`${DN_ATTRIBUTE_NAMES[typeOid] ?? typeOid} is empty`);
  switch (typeOid) {
    case OID.countryName:
      if (!/^[A-Z]{2}$/.test(value)) throw new DerEncodeError(`countryName "${value}" is not a two-letter code`);
      return printableString(value);
    case OID.serialNumber:
    case OID.dnQualifier:
      return printableString(value);
    case OID.emailAddress:
      return ia5String(value);
    default:
      return utf8String(value);
  }
}

/** Length in characters (code points); UTF-16 length is an upper bound, so callers test that first. */
export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

function encodeAtv(a: NameAttribute): Uint8Array {
  const t = attributeOid(a.type);
  return sequence(oid(t), encodeAttributeValue(t, a.value));
}

export function encodeName(dn: DistinguishedName): Uint8Array {
  const rdns: Uint8Array[] = [];
  for (const rdn of dn) {
    const atvs = Array.isArray(rdn) ? (rdn as readonly NameAttribute[]) : [rdn as NameAttribute];
    rdns.push(setOf(atvs.map(encodeAtv)));
  }
  return sequence(...rdns);
}

export interface DecodedNameAttribute {
  oid: string;
  /** Short name when known (C, O, CN, …), else the dotted OID. */
  type: string;
  value: string;
  /** ASN.1 tag of the value (0x0c UTF8String, 0x13 PrintableString, …). */
  valueTag: number;
  /** Index of the RDN this attribute belongs to. */
  rdn: number;
}

/**
 * Walks a Name TLV (SEQUENCE OF SET OF AttributeTypeAndValue). Empty RDNs are invalid (X.501
 * SIZE (1..MAX)); `onEmptyRdn` lets a linter record them instead of failing the whole decode.
 */
export function decodeNameTlv(t: Tlv, onEmptyRdn?: (index: number) => void): DecodedNameAttribute[] {
  if (t.tag !== 0x30) throw new DerDecodeError('Name is not a SEQUENCE');
  const out: DecodedNameAttribute[] = [];
  children(t).forEach((rdnTlv, rdn) => {
    if (rdnTlv.tag !== 0x31) throw new DerDecodeError('RelativeDistinguishedName is not a SET');
    const atvs = children(rdnTlv);
    if (atvs.length === 0) {
      if (!onEmptyRdn) throw new DerDecodeError('empty RelativeDistinguishedName');
      onEmptyRdn(rdn);
    }
    for (const atvTlv of atvs) {
      if (atvTlv.tag !== 0x30) throw new DerDecodeError('AttributeTypeAndValue is not a SEQUENCE');
      const parts = children(atvTlv);
      if (parts.length !== 2) throw new DerDecodeError('AttributeTypeAndValue must have type and value');
      const o = readOid(parts[0]!);
      out.push({ oid: o, type: DN_ATTRIBUTE_NAMES[o] ?? o, value: readString(parts[1]!), valueTag: parts[1]!.tag, rdn });
    }
  });
  return out;
}

export function decodeName(der: Uint8Array): DecodedNameAttribute[] {
  return decodeNameTlv(readSingle(der));
}

/** RFC 4514-style string (most significant RDN first, as openssl prints with -nameopt RFC2253 reversed). */
export function nameToString(attrs: readonly DecodedNameAttribute[]): string {
  const esc = (v: string): string => v.replace(/([,+"\\<>;=])/g, '\\$1');
  const parts: string[] = [];
  let lastRdn = -1;
  for (const a of attrs) {
    const s = `${a.type}=${esc(a.value)}`;
    if (a.rdn === lastRdn) parts[parts.length - 1] += `+${s}`;
    else parts.push(s);
    lastRdn = a.rdn;
  }
  return parts.join(', ');
}
