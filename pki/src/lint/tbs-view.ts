/**
 * The decoded facts the lint rules look at. Two independent decoders fill it: the strict in-house
 * DER reader (fast, used on the issuance hot path) and @peculiar/asn1-x509 (an independent
 * implementation, ~1 ms per TBS, used for cross-checking).
 */
import {
  children,
  content,
  integerContent,
  raw,
  readBitString,
  readBoolean,
  readInteger,
  readOid,
  readSingle,
  readTime,
  SeqReader,
  type Tlv,
} from '../der/index.js';
import { decodeGeneralName, type GeneralName } from '../x509/general-name.js';
import { decodeNameTlv, type DecodedNameAttribute } from '../x509/name.js';
import { OID } from '../x509/oids.js';

export interface TbsView {
  /** Raw version field value (2 = v3). */
  version: number;
  /** Serial content octets as encoded (two's complement). */
  serial: Uint8Array;
  signatureAlgorithmOid: string;
  issuerDer: Uint8Array;
  issuer: DecodedNameAttribute[];
  subjectDer: Uint8Array;
  subject: DecodedNameAttribute[];
  notBefore: Date;
  notAfter: Date;
  notBeforeTag: 'UTCTime' | 'GeneralizedTime';
  notAfterTag: 'UTCTime' | 'GeneralizedTime';
  keyAlgorithmOid: string;
  /** namedCurve OID for EC keys (undefined for explicit parameters). */
  keyCurveOid?: string;
  extensions: { oid: string; critical: boolean }[];
  basicConstraints?: { ca: boolean; pathLength?: number; critical: boolean };
  /** KeyUsage bit numbers that are set. */
  keyUsage?: { bits: Set<number>; critical: boolean };
  extKeyUsage?: string[];
  subjectAltNames?: { names: GeneralName[]; critical: boolean };
  subjectKeyIdentifier?: Uint8Array;
  authorityKeyIdentifier?: Uint8Array;
  crlDistributionUris?: string[];
  authorityInfoAccess?: { method: string; uri?: string }[];
  /** Decoding problems in individual extensions (recorded, not thrown, so other rules still run). */
  extensionErrors: { oid: string; message: string }[];
  /** Names containing an empty RDN (invalid, but recorded so the other rules still run). */
  emptyRdnIn?: ('issuer' | 'subject')[];
}

export class TbsDecodeError extends Error {
  override name = 'TbsDecodeError';
}

function timeTag(t: Tlv): 'UTCTime' | 'GeneralizedTime' {
  return t.tag === 0x17 ? 'UTCTime' : 'GeneralizedTime';
}

function bitsOf(bytes: Uint8Array): Set<number> {
  const s = new Set<number>();
  for (let i = 0; i < bytes.length * 8; i++) if (bytes[i >> 3]! & (0x80 >> (i & 7))) s.add(i);
  return s;
}

function uriOf(n: GeneralName): string | undefined {
  return n.type === 'uri' ? n.value : undefined;
}

/** Decodes one extension value into `view` using the strict reader. */
function decodeExtension(view: TbsView, oid: string, critical: boolean, value: Uint8Array): void {
  switch (oid) {
    case OID.basicConstraints: {
      const r = new SeqReader(readSingle(value, 0x30));
      const ca = r.peekTag() === 0x01 ? readBoolean(r.next()) : false;
      const pl = r.optional(0x02);
      r.end('BasicConstraints');
      view.basicConstraints = { ca, pathLength: pl ? Number(readInteger(pl)) : undefined, critical };
      break;
    }
    case OID.keyUsage:
      view.keyUsage = { bits: bitsOf(readBitString(readSingle(value, 0x03)).bytes), critical };
      break;
    case OID.extKeyUsage:
      view.extKeyUsage = children(readSingle(value, 0x30)).map(readOid);
      break;
    case OID.subjectAltName:
      view.subjectAltNames = { names: children(readSingle(value, 0x30)).map(decodeGeneralName), critical };
      break;
    case OID.subjectKeyIdentifier:
      view.subjectKeyIdentifier = content(readSingle(value, 0x04));
      break;
    case OID.authorityKeyIdentifier: {
      const r = new SeqReader(readSingle(value, 0x30));
      const kid = r.optional(0x80);
      view.authorityKeyIdentifier = kid ? content(kid) : new Uint8Array(0);
      break;
    }
    case OID.cRLDistributionPoints: {
      const uris: string[] = [];
      for (const dp of children(readSingle(value, 0x30))) {
        const dpn = new SeqReader(dp).optional(0xa0);
        if (!dpn) continue;
        const full = new SeqReader(dpn).optional(0xa0);
        if (full) for (const g of children(full)) uris.push(uriOf(decodeGeneralName(g)) ?? '');
      }
      view.crlDistributionUris = uris;
      break;
    }
    case OID.authorityInfoAccess:
      view.authorityInfoAccess = children(readSingle(value, 0x30)).map((ad) => {
        const r = new SeqReader(ad);
        const method = readOid(r.next(0x06));
        return { method, uri: uriOf(decodeGeneralName(r.next())) };
      });
      break;
  }
}

/** Strict in-house decoder. Structural errors throw TbsDecodeError; extension-level ones are recorded. */
export function decodeTbs(tbs: Uint8Array): TbsView {
  try {
    const r = new SeqReader(readSingle(tbs, 0x30));
    const v = r.optional(0xa0);
    const version = v ? Number(readInteger(new SeqReader(v).next(0x02))) : 0;
    const serial = integerContent(r.next(0x02, 'serialNumber'));
    const sigAlg = readOid(new SeqReader(r.next(0x30, 'signature')).next(0x06));
    const issuerTlv = r.next(0x30, 'issuer');
    const validity = new SeqReader(r.next(0x30, 'validity'));
    const nb = validity.next();
    const na = validity.next();
    validity.end('validity');
    const subjectTlv = r.next(0x30, 'subject');
    const spki = new SeqReader(r.next(0x30, 'subjectPublicKeyInfo'));
    const alg = new SeqReader(spki.next(0x30));
    const keyAlgorithmOid = readOid(alg.next(0x06));
    const params = alg.done ? undefined : alg.next();
    readBitString(spki.next(0x03));
    spki.end('subjectPublicKeyInfo');
    r.optional(0x81);
    r.optional(0x82);
    const extsTlv = r.optional(0xa3);
    r.end('TBSCertificate');

    const emptyRdnIn: ('issuer' | 'subject')[] = [];
    const view: TbsView = {
      version,
      serial,
      signatureAlgorithmOid: sigAlg,
      issuerDer: raw(issuerTlv),
      issuer: decodeNameTlv(issuerTlv, () => emptyRdnIn.push('issuer')),
      subjectDer: raw(subjectTlv),
      subject: decodeNameTlv(subjectTlv, () => emptyRdnIn.push('subject')),
      notBefore: readTime(nb),
      notAfter: readTime(na),
      notBeforeTag: timeTag(nb),
      notAfterTag: timeTag(na),
      keyAlgorithmOid,
      keyCurveOid: params?.tag === 0x06 ? readOid(params) : undefined,
      extensions: [],
      extensionErrors: [],
      emptyRdnIn,
    };
    if (extsTlv) {
      for (const ext of children(new SeqReader(extsTlv).next(0x30, 'extensions'))) {
        const er = new SeqReader(ext);
        const oid = readOid(er.next(0x06));
        const critical = er.peekTag() === 0x01 ? readBoolean(er.next()) : false;
        const value = content(er.next(0x04, 'extnValue'));
        er.end('Extension');
        view.extensions.push({ oid, critical });
        try {
          decodeExtension(view, oid, critical, value);
        } catch (e) {
          view.extensionErrors.push({ oid, message: (e as Error).message });
        }
      }
    }
    return view;
  } catch (e) {
    if (e instanceof TbsDecodeError) throw e;
    throw new TbsDecodeError(`TBSCertificate does not decode: ${(e as Error).message}`);
  }
}
