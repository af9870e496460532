/**
 * Fills a TbsView with @peculiar/asn1-x509, an implementation independent of our DER writer and
 * reader. Slow (asn1js ≈ 1 ms per TBS), so issuance uses it for cross-checks, not every certificate.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLDistributionPoints,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  TBSCertificate,
  type GeneralName as PGeneralName,
  type Name as PName,
  type Time as PTime,
} from '@peculiar/asn1-x509';
import { ECParameters } from '@peculiar/asn1-ecc';
import { readSingle, readString } from '../der/index.js';
import type { GeneralName } from '../x509/general-name.js';
import { bytesToIp, ipToBytes } from '../x509/general-name.js';
import type { DecodedNameAttribute } from '../x509/name.js';
import { DN_ATTRIBUTE_NAMES, OID } from '../x509/oids.js';
import { TbsDecodeError, type TbsView } from './tbs-view.js';

const u8 = (b: ArrayBuffer | ArrayBufferView): Uint8Array =>
  b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function nameAttrs(n: PName): DecodedNameAttribute[] {
  const out: DecodedNameAttribute[] = [];
  n.forEach((rdn, i) =>
    rdn.forEach((atv) => {
      const v = atv.value;
      const tag = v.utf8String !== undefined ? 0x0c : v.printableString !== undefined ? 0x13 : v.ia5String !== undefined ? 0x16 : v.bmpString !== undefined ? 0x1e : v.teletexString !== undefined ? 0x14 : 0;
      out.push({ oid: atv.type, type: DN_ATTRIBUTE_NAMES[atv.type] ?? atv.type, value: v.toString(), valueTag: tag, rdn: i });
    }),
  );
  return out;
}

function generalName(g: PGeneralName): GeneralName {
  if (g.dNSName !== undefined) return { type: 'dns', value: g.dNSName };
  if (g.iPAddress !== undefined) return { type: 'ip', value: bytesToIp(ipToBytes(g.iPAddress)) };
  if (g.rfc822Name !== undefined) return { type: 'email', value: g.rfc822Name };
  if (g.uniformResourceIdentifier !== undefined) return { type: 'uri', value: g.uniformResourceIdentifier };
  if (g.otherName?.typeId === OID.upn) {
    // otherName.value holds the [0] EXPLICIT content: one string TLV.
    return { type: 'upn', value: readString(readSingle(u8(g.otherName.value))) };
  }
  // Same tag numbers the strict decoder reports for names it does not interpret.
  const tag = g.otherName ? 0xa0 : g.x400Address ? 0xa3 : g.directoryName ? 0xa4 : g.ediPartyName ? 0xa5 : g.registeredID ? 0x88 : 0;
  return { type: 'other', tag, der: new Uint8Array(AsnConvert.serialize(g)) };
}

function timeOf(t: PTime): { date: Date; tag: 'UTCTime' | 'GeneralizedTime' } {
  return t.utcTime ? { date: t.utcTime, tag: 'UTCTime' } : { date: t.generalTime!, tag: 'GeneralizedTime' };
}

export function decodeTbsWithPeculiar(tbs: Uint8Array): TbsView {
  let t: TBSCertificate;
  try {
    t = AsnConvert.parse(tbs, TBSCertificate);
  } catch (e) {
    throw new TbsDecodeError(`TBSCertificate does not decode (asn1-x509): ${(e as Error).message}`);
  }
  const nb = timeOf(t.validity.notBefore);
  const na = timeOf(t.validity.notAfter);
  const params = t.subjectPublicKeyInfo.algorithm.parameters;
  let keyCurveOid: string | undefined;
  if (t.subjectPublicKeyInfo.algorithm.algorithm === OID.ecPublicKey && params) {
    try {
      keyCurveOid = AsnConvert.parse(params, ECParameters).namedCurve;
    } catch {
      keyCurveOid = undefined;
    }
  }
  const view: TbsView = {
    version: t.version,
    serial: u8(t.serialNumber),
    signatureAlgorithmOid: t.signature.algorithm,
    issuerDer: new Uint8Array(AsnConvert.serialize(t.issuer)),
    issuer: nameAttrs(t.issuer),
    subjectDer: new Uint8Array(AsnConvert.serialize(t.subject)),
    subject: nameAttrs(t.subject),
    notBefore: nb.date,
    notAfter: na.date,
    notBeforeTag: nb.tag,
    notAfterTag: na.tag,
    keyAlgorithmOid: t.subjectPublicKeyInfo.algorithm.algorithm,
    keyCurveOid,
    extensions: [],
    extensionErrors: [],
  };
  for (const ext of t.extensions ?? []) {
    const oid = ext.extnID;
    const critical = ext.critical;
    view.extensions.push({ oid, critical });
    const value = ext.extnValue.buffer;
    try {
      switch (oid) {
        case OID.basicConstraints: {
          const bc = AsnConvert.parse(value, BasicConstraints);
          view.basicConstraints = { ca: bc.cA, pathLength: bc.pathLenConstraint, critical };
          break;
        }
        case OID.keyUsage: {
          const ku = AsnConvert.parse(value, KeyUsage);
          const bytes = u8(ku.value);
          const bits = new Set<number>();
          for (let i = 0; i < bytes.length * 8; i++) if (bytes[i >> 3]! & (0x80 >> (i & 7))) bits.add(i);
          view.keyUsage = { bits, critical };
          break;
        }
        case OID.extKeyUsage:
          view.extKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)];
          break;
        case OID.subjectAltName:
          view.subjectAltNames = { names: [...AsnConvert.parse(value, SubjectAlternativeName)].map(generalName), critical };
          break;
        case OID.subjectKeyIdentifier:
          view.subjectKeyIdentifier = u8(AsnConvert.parse(value, SubjectKeyIdentifier).buffer);
          break;
        case OID.authorityKeyIdentifier: {
          const kid = AsnConvert.parse(value, AuthorityKeyIdentifier).keyIdentifier;
          view.authorityKeyIdentifier = kid ? u8(kid.buffer) : new Uint8Array(0);
          break;
        }
        case OID.cRLDistributionPoints:
          view.crlDistributionUris = [...AsnConvert.parse(value, CRLDistributionPoints)].flatMap((dp) =>
            (dp.distributionPoint?.fullName ?? []).map((g) => g.uniformResourceIdentifier ?? ''),
          );
          break;
        case OID.authorityInfoAccess:
          view.authorityInfoAccess = [...AsnConvert.parse(value, AuthorityInfoAccessSyntax)].map((ad) => ({
            method: ad.accessMethod,
            uri: ad.accessLocation.uniformResourceIdentifier,
          }));
          break;
      }
    } catch (e) {
      view.extensionErrors.push({ oid, message: (e as Error).message });
    }
  }
  return view;
}
