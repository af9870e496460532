/** Certificate extension encoders (RFC 5280 §4.2). Each returns a complete Extension SEQUENCE. */
import { createHash } from 'node:crypto';
import {
  boolean,
  DerEncodeError,
  ia5String,
  implicitConstructed,
  implicitPrimitive,
  integer,
  namedBitString,
  octetString,
  oid,
  sequence,
  explicit,
  readSingle,
  readBitString,
  SeqReader,
} from '../der/index.js';
import { encodeGeneralName, encodeGeneralNames, type GeneralName } from './general-name.js';
import { OID } from './oids.js';

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
export function extension(extnId: string, critical: boolean, value: Uint8Array): Uint8Array {
  // DER: a DEFAULT value is never encoded, so critical=false is omitted.
  return sequence(oid(extnId), critical ? boolean(true) : undefined, octetString(value));
}

export function basicConstraintsExtension(ca: boolean, pathLength?: number, critical = true): Uint8Array {
  if (pathLength !== undefined && (!ca || pathLength < 0)) {
    throw new DerEncodeError('pathLenConstraint only for CA certificates and must be ≥ 0');
  }
  const value = sequence(ca ? boolean(true) : undefined, pathLength !== undefined ? integer(pathLength) : undefined);
  return extension(OID.basicConstraints, critical, value);
}

export const KEY_USAGE_BITS = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;
export type KeyUsage = keyof typeof KEY_USAGE_BITS;

export function keyUsageExtension(usages: readonly KeyUsage[], critical = true): Uint8Array {
  if (usages.length === 0) throw new DerEncodeError('keyUsage needs at least one bit');
  const bits = usages.map((u) => {
    const b = KEY_USAGE_BITS[u];
    if (b === undefined) throw new DerEncodeError(`unknown key usage "${u}"`);
    return b;
  });
  return extension(OID.keyUsage, critical, namedBitString(bits));
}

const EKU_NAMES: Record<string, string> = {
  serverAuth: OID.serverAuth,
  clientAuth: OID.clientAuth,
  codeSigning: OID.codeSigning,
  emailProtection: OID.emailProtection,
  timeStamping: OID.timeStamping,
  ocspSigning: OID.ocspSigning,
};

export function ekuOid(nameOrOid: string): string {
  const o = EKU_NAMES[nameOrOid] ?? (/^[0-2](\.\d+)+$/.test(nameOrOid) ? nameOrOid : undefined);
  if (!o) throw new DerEncodeError(`unknown extended key usage "${nameOrOid}"`);
  return o;
}

export function extKeyUsageExtension(usages: readonly string[], critical = false): Uint8Array {
  if (usages.length === 0) throw new DerEncodeError('extKeyUsage needs at least one purpose');
  return extension(OID.extKeyUsage, critical, sequence(...usages.map((u) => oid(ekuOid(u)))));
}

/** SAN must be critical when the subject is empty (RFC 5280 §4.2.1.6). */
export function subjectAltNameExtension(names: readonly GeneralName[], critical: boolean): Uint8Array {
  if (names.length === 0) throw new DerEncodeError('subjectAltName needs at least one name');
  return extension(OID.subjectAltName, critical, encodeGeneralNames(names));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value (no tag, length, unused-bits). */
export function keyIdentifierFromSpki(spki: Uint8Array): Uint8Array {
  const r = new SeqReader(readSingle(spki, 0x30));
  r.next(0x30, 'SubjectPublicKeyInfo.algorithm');
  const { bytes } = readBitString(r.next(0x03, 'SubjectPublicKeyInfo.subjectPublicKey'));
  r.end('SubjectPublicKeyInfo');
  return new Uint8Array(createHash('sha1').update(bytes).digest());
}

export function subjectKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return extension(OID.subjectKeyIdentifier, false, octetString(keyId));
}

export function authorityKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyId)));
}

export function crlDistributionPointsExtension(uris: readonly string[]): Uint8Array {
  // DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } }; [0] over a CHOICE is explicit.
  const points = uris.map((u) =>
    sequence(explicit(0, implicitConstructed(0, [encodeGeneralName({ type: 'uri', value: u })]))),
  );
  return extension(OID.cRLDistributionPoints, false, sequence(...points));
}

export function authorityInfoAccessExtension(ocspUrls: readonly string[], caIssuersUrls: readonly string[]): Uint8Array {
  const desc = (method: string, uri: string): Uint8Array =>
    sequence(oid(method), encodeGeneralName({ type: 'uri', value: uri }));
  return extension(
    OID.authorityInfoAccess,
    false,
    sequence(...ocspUrls.map((u) => desc(OID.ocsp, u)), ...caIssuersUrls.map((u) => desc(OID.caIssuers, u))),
  );
}

export interface PolicySpec {
  oid: string;
  cpsUri?: string;
}

export function certificatePoliciesExtension(policies: readonly PolicySpec[], critical = false): Uint8Array {
  const infos = policies.map((p) =>
    sequence(
      oid(p.oid),
      p.cpsUri ? sequence(sequence(oid(OID.cps), ia5String(p.cpsUri))) : undefined,
    ),
  );
  return extension(OID.certificatePolicies, critical, sequence(...infos));
}
