/**
 * Linear-time CRL builder (RFC 5280 §5): full and delta CRLs, per-entry reason code and
 * invalidity date. revokedCertificates is sized in one pass and written into a single buffer in a
 * second pass, so 100,000 entries cost two loops and one allocation.
 */
import {
  bitString,
  DerEncodeError,
  explicit,
  implicitPrimitive,
  integer,
  oid,
  sequence,
  time,
  timeSize,
  tlvSize,
  writeLength,
  writeTimeAt,
} from '../der/index.js';
import type { Signer } from '../signer.js';
import { extension } from '../x509/extensions.js';
import { OID } from '../x509/oids.js';

/** CRLReason (RFC 5280 §5.3.1); 7 is unused. */
export const CrlReason = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type CrlReasonCode = (typeof CrlReason)[keyof typeof CrlReason];

export interface RevokedEntry {
  /** Serial as positive big-endian bytes, a bigint, or a hex string. */
  serialNumber: Uint8Array | bigint | string;
  revocationDate: Date;
  reason?: CrlReasonCode;
  invalidityDate?: Date;
}

export interface CrlIssuer {
  /** DER Name of the CA. */
  name: Uint8Array;
  /** CA key identifier, for the AKI extension. */
  keyIdentifier: Uint8Array;
}

export interface CrlOptions {
  issuer: CrlIssuer;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: bigint | number;
  /** Makes this a delta CRL against the full CRL with this number (deltaCRLIndicator). */
  deltaBaseCrlNumber?: bigint | number;
  entries: readonly RevokedEntry[];
}

export class CrlError extends Error {
  override name = 'CrlError';
}

function serialBytes(s: RevokedEntry['serialNumber']): Uint8Array {
  if (s instanceof Uint8Array) return s;
  if (typeof s === 'bigint') {
    if (s <= 0n) throw new CrlError('serial number must be positive');
    const out: number[] = [];
    for (let v = s; v > 0n; v >>= 8n) out.push(Number(v & 0xffn));
    return Uint8Array.from(out.reverse());
  }
  const hex = s.replace(/^0x/i, '').replace(/:/g, '');
  if (!/^[0-9a-f]+$/i.test(hex)) throw new CrlError(`invalid serial number "${s}"`);
  return new Uint8Array(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
}

const REASON_OID = oid(OID.cRLReason);
const INVALIDITY_OID = oid(OID.invalidityDate);
/** Extension { cRLReason, OCTET STRING { ENUMERATED r } }: 30 0a 06 03 55 1d 15 04 03 0a 01 r */
const REASON_EXT_LEN = 2 + REASON_OID.length + 5;
/** Extension { invalidityDate, OCTET STRING { GeneralizedTime } } (always GeneralizedTime, RFC 5280 §5.3.2). */
const INVALIDITY_INNER = INVALIDITY_OID.length + 2 + 17;
const INVALIDITY_EXT_LEN = tlvSize(INVALIDITY_INNER);

/** revokedCertificates SEQUENCE OF, or undefined when there are no entries (field must then be absent). */
export function encodeRevokedCertificates(entries: readonly RevokedEntry[]): Uint8Array | undefined {
  const n = entries.length;
  if (n === 0) return undefined;
  // Pass 1: sizes only, in flat typed arrays (no per-entry objects).
  const mags = new Array<Uint8Array>(n);
  const start = new Uint8Array(n);
  const serialLen = new Uint8Array(n);
  const reasons = new Int8Array(n);
  const extLen = new Uint16Array(n);
  const contentLen = new Uint32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    const mag = serialBytes(e.serialNumber);
    let s = 0;
    while (s < mag.length - 1 && mag[s] === 0) s++;
    if (mag.length === 0 || (mag.length === 1 && mag[0] === 0)) throw new CrlError('serial number must be positive');
    const len = mag.length - s + (mag[s]! & 0x80 ? 1 : 0);
    if (len > 20) throw new CrlError('serial number longer than 20 octets');
    const r: number = e.reason ?? 0;
    if (r < 0 || r > 10 || r === 7) throw new CrlError(`invalid CRL reason ${r}`);
    // RFC 5280 §5.3.1: reason "unspecified" SHOULD be absent.
    const ext = (r !== 0 ? REASON_EXT_LEN : 0) + (e.invalidityDate ? INVALIDITY_EXT_LEN : 0);
    const content = 2 + len + timeSize(e.revocationDate) + (ext ? tlvSize(ext) : 0);
    mags[i] = mag;
    start[i] = s;
    serialLen[i] = len;
    reasons[i] = r;
    extLen[i] = ext;
    contentLen[i] = content;
    total += tlvSize(content);
  }
  // Pass 2: write everything into one buffer.
  const buf = new Uint8Array(tlvSize(total));
  buf[0] = 0x30;
  let pos = writeLength(buf, 1, total);
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    const mag = mags[i]!;
    buf[pos++] = 0x30;
    pos = writeLength(buf, pos, contentLen[i]!);
    buf[pos++] = 0x02;
    buf[pos++] = serialLen[i]!;
    if (serialLen[i]! > mag.length - start[i]!) buf[pos++] = 0;
    buf.set(start[i] ? mag.subarray(start[i]) : mag, pos);
    pos += mag.length - start[i]!;
    pos = writeTimeAt(buf, pos, e.revocationDate);
    const ext = extLen[i]!;
    if (ext) {
      buf[pos++] = 0x30;
      pos = writeLength(buf, pos, ext);
      const r = reasons[i]!;
      if (r !== 0) {
        buf[pos++] = 0x30;
        buf[pos++] = REASON_EXT_LEN - 2;
        buf.set(REASON_OID, pos);
        pos += REASON_OID.length;
        buf[pos++] = 0x04;
        buf[pos++] = 0x03;
        buf[pos++] = 0x0a;
        buf[pos++] = 0x01;
        buf[pos++] = r;
      }
      if (e.invalidityDate) {
        buf[pos++] = 0x30;
        pos = writeLength(buf, pos, INVALIDITY_INNER);
        buf.set(INVALIDITY_OID, pos);
        pos += INVALIDITY_OID.length;
        buf[pos++] = 0x04;
        buf[pos++] = 17;
        pos = writeTimeAt(buf, pos, e.invalidityDate, true);
      }
    }
  }
  if (pos !== buf.length) throw new DerEncodeError(`CRL layout mismatch (${pos} != ${buf.length})`);
  return buf;
}

export function prepareCrl(o: CrlOptions, signatureAlgorithm: Uint8Array): Uint8Array {
  if (o.thisUpdate.getTime() >= o.nextUpdate.getTime()) throw new CrlError('thisUpdate must be before nextUpdate');
  const crlNumber = BigInt(o.crlNumber);
  if (crlNumber < 0n || crlNumber >= 1n << 159n) throw new CrlError('cRLNumber must be 0 … 2^159-1 (≤ 20 octets)');
  const exts = [
    extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, o.issuer.keyIdentifier))),
    extension(OID.cRLNumber, false, integer(crlNumber)),
  ];
  if (o.deltaBaseCrlNumber !== undefined) {
    const base = BigInt(o.deltaBaseCrlNumber);
    if (base < 0n || base >= crlNumber) throw new CrlError('delta base CRL number must be below this cRLNumber');
    exts.push(extension(OID.deltaCRLIndicator, true, integer(base)));
  }
  return sequence(
    integer(1), // v2
    signatureAlgorithm,
    o.issuer.name,
    time(o.thisUpdate),
    time(o.nextUpdate),
    encodeRevokedCertificates(o.entries),
    explicit(0, sequence(...exts)),
  );
}

/** Builds and signs a CRL; returns its DER. */
export function buildCrl(o: CrlOptions, signer: Signer): Uint8Array {
  const tbs = prepareCrl(o, signer.algorithmIdentifier);
  return sequence(tbs, signer.algorithmIdentifier, bitString(signer.sign(tbs)));
}
