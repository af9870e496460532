/**
 * Two-step certificate issuance (as in Boulder): `prepareCertificate` builds the exact TBS bytes,
 * which can be linted, logged or stored; `signPrepared` signs exactly those bytes.
 */
import { randomFillSync } from 'node:crypto';
import {
  bitString,
  bytesEqual,
  explicit,
  integer,
  sequence,
  time,
  unsignedInteger,
  readSingle,
  SeqReader,
  raw,
  content,
  readOid,
  readBitString,
  children,
  readBoolean,
  DerEncodeError,
} from '../der/index.js';
import type { Signer } from '../signer.js';
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  certificatePoliciesExtension,
  crlDistributionPointsExtension,
  extKeyUsageExtension,
  keyIdentifierFromSpki,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
  type KeyUsage,
  type PolicySpec,
} from './extensions.js';
import type { GeneralName } from './general-name.js';
import { encodeName, type DistinguishedName } from './name.js';
import { OID } from './oids.js';

/** Everything about the issuing CA that goes into every certificate it signs; precomputed once. */
export interface Issuer {
  /** DER Name of the CA (copied verbatim from its certificate so chaining compares equal). */
  readonly name: Uint8Array;
  /** CA key identifier (its SKI), used for AKI. */
  readonly keyIdentifier: Uint8Array;
  /** DER AlgorithmIdentifier the CA's signer produces. */
  readonly signatureAlgorithm: Uint8Array;
  /** True for a self-signed root being issued by itself (AKI omitted). */
  readonly selfSigned: boolean;
  /** Pre-encoded extensions every issued certificate carries (AKI, CDP, AIA). */
  readonly commonExtensions: readonly Uint8Array[];
}

export interface IssuerOptions {
  crlUrls?: readonly string[];
  ocspUrls?: readonly string[];
  caIssuersUrls?: readonly string[];
}

function commonExtensions(keyId: Uint8Array | undefined, o: IssuerOptions): Uint8Array[] {
  const exts: Uint8Array[] = [];
  if (keyId) exts.push(authorityKeyIdentifierExtension(keyId));
  if (o.crlUrls?.length) exts.push(crlDistributionPointsExtension(o.crlUrls));
  if (o.ocspUrls?.length || o.caIssuersUrls?.length) {
    exts.push(authorityInfoAccessExtension(o.ocspUrls ?? [], o.caIssuersUrls ?? []));
  }
  return exts;
}

/** Issuer context from a CA certificate (DER) and the signer holding its key. */
export function createIssuer(caCertificate: Uint8Array, signer: Signer, options: IssuerOptions = {}): Issuer {
  const info = inspectCertificate(caCertificate);
  const keyIdentifier = info.subjectKeyIdentifier ?? keyIdentifierFromSpki(info.publicKeyInfo);
  if (!bytesEqual(info.publicKeyInfo, signer.publicKeyInfo)) {
    throw new DerEncodeError('signer key does not match the CA certificate public key');
  }
  return {
    name: info.subject,
    keyIdentifier,
    signatureAlgorithm: signer.algorithmIdentifier,
    selfSigned: false,
    commonExtensions: commonExtensions(keyIdentifier, options),
  };
}

/** Issuer context for a self-signed certificate (a root issuing itself). */
export function selfIssuer(subject: DistinguishedName | Uint8Array, signer: Signer): Issuer {
  return {
    name: subject instanceof Uint8Array ? subject : encodeName(subject),
    keyIdentifier: keyIdentifierFromSpki(signer.publicKeyInfo),
    signatureAlgorithm: signer.algorithmIdentifier,
    selfSigned: true,
    commonExtensions: [],
  };
}

export interface CertificateTemplate {
  issuer: Issuer;
  subject: DistinguishedName | Uint8Array;
  /** DER SubjectPublicKeyInfo of the certified key (e.g. straight from a CSR). */
  publicKeyInfo: Uint8Array;
  notBefore?: Date;
  notAfter: Date;
  /** Positive big-endian serial; random 16 bytes when omitted. */
  serialNumber?: Uint8Array;
  basicConstraints?: { ca: boolean; pathLength?: number };
  keyUsage?: readonly KeyUsage[];
  extKeyUsage?: readonly string[];
  subjectAltNames?: readonly GeneralName[];
  policies?: readonly PolicySpec[];
  /** Additional pre-encoded Extension SEQUENCEs. */
  extraExtensions?: readonly Uint8Array[];
}

export interface PreparedCertificate {
  /** The exact TBSCertificate bytes that will be signed. */
  readonly tbsDer: Uint8Array;
  readonly serialNumber: Uint8Array;
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectKeyIdentifier: Uint8Array;
  /** AlgorithmIdentifier written into the TBS; the signer must produce exactly this. */
  readonly signatureAlgorithm: Uint8Array;
}

const SERIAL_POOL = new Uint8Array(16 * 1024);
let serialPos = SERIAL_POOL.length;

/** 16 random octets, high bit cleared and first octet non-zero: positive, exactly 16 octets in DER. */
export function randomSerial(): Uint8Array {
  if (serialPos + 16 > SERIAL_POOL.length) {
    randomFillSync(SERIAL_POOL);
    serialPos = 0;
  }
  const s = SERIAL_POOL.slice(serialPos, serialPos + 16);
  serialPos += 16;
  s[0] = s[0]! & 0x7f || 0x01;
  return s;
}

function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

const VERSION_3 = explicit(0, integer(2));

// Profile-constant extensions (basicConstraints, keyUsage, EKU) are encoded once and reused.
const extensionCache = new Map<string, Uint8Array>();
function memo(key: string, build: () => Uint8Array): Uint8Array {
  let v = extensionCache.get(key);
  if (!v) {
    v = build();
    if (extensionCache.size < 256) extensionCache.set(key, v);
  }
  return v;
}

export function prepareCertificate(t: CertificateTemplate): PreparedCertificate {
  const serial = t.serialNumber ?? randomSerial();
  const notBefore = wholeSeconds(t.notBefore ?? new Date());
  const notAfter = wholeSeconds(t.notAfter);
  const subject = t.subject instanceof Uint8Array ? t.subject : encodeName(t.subject);
  const ski = keyIdentifierFromSpki(t.publicKeyInfo);
  const subjectEmpty = subject.length === 2;

  const exts: Uint8Array[] = [];
  if (t.basicConstraints) {
    const { ca, pathLength } = t.basicConstraints;
    exts.push(memo(`bc:${ca}:${pathLength}`, () => basicConstraintsExtension(ca, pathLength)));
  }
  if (t.keyUsage?.length) exts.push(memo(`ku:${t.keyUsage.join()}`, () => keyUsageExtension(t.keyUsage!)));
  if (t.extKeyUsage?.length) exts.push(memo(`eku:${t.extKeyUsage.join()}`, () => extKeyUsageExtension(t.extKeyUsage!)));
  if (t.subjectAltNames?.length) exts.push(subjectAltNameExtension(t.subjectAltNames, subjectEmpty));
  exts.push(subjectKeyIdentifierExtension(ski));
  if (!t.issuer.selfSigned) exts.push(...t.issuer.commonExtensions);
  if (t.policies?.length) exts.push(certificatePoliciesExtension(t.policies));
  if (t.extraExtensions) exts.push(...t.extraExtensions);

  const tbsDer = sequence(
    VERSION_3,
    unsignedInteger(serial),
    t.issuer.signatureAlgorithm,
    t.issuer.name,
    sequence(time(notBefore), time(notAfter)),
    subject,
    t.publicKeyInfo,
    explicit(3, sequence(...exts)),
  );
  return {
    tbsDer,
    serialNumber: serial,
    serialHex: Buffer.from(serial).toString('hex'),
    notBefore,
    notAfter,
    subjectKeyIdentifier: ski,
    signatureAlgorithm: t.issuer.signatureAlgorithm,
  };
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } over the prepared bytes. */
export function signPrepared(prepared: PreparedCertificate, signer: Signer): Uint8Array {
  if (!bytesEqual(prepared.signatureAlgorithm, signer.algorithmIdentifier)) {
    throw new DerEncodeError('signer algorithm differs from the one written into the TBS');
  }
  const sig = signer.sign(prepared.tbsDer);
  return sequence(prepared.tbsDer, prepared.signatureAlgorithm, bitString(sig));
}

/** Fields the issuance code needs from an existing certificate, read with the strict DER reader. */
export interface CertificateInfo {
  tbs: Uint8Array;
  serialNumber: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  publicKeyInfo: Uint8Array;
  subjectKeyIdentifier?: Uint8Array;
  isCa: boolean;
  signatureAlgorithm: Uint8Array;
  signature: Uint8Array;
}

export function inspectCertificate(der: Uint8Array): CertificateInfo {
  const cert = new SeqReader(readSingle(der, 0x30));
  const tbsTlv = cert.next(0x30, 'tbsCertificate');
  const sigAlg = cert.next(0x30, 'signatureAlgorithm');
  const sig = readBitString(cert.next(0x03, 'signatureValue'));
  cert.end('Certificate');
  const r = new SeqReader(tbsTlv);
  r.optional(0xa0);
  const serialNumber = content(r.next(0x02, 'serialNumber'));
  r.next(0x30, 'signature');
  const issuer = raw(r.next(0x30, 'issuer'));
  r.next(0x30, 'validity');
  const subject = raw(r.next(0x30, 'subject'));
  const publicKeyInfo = raw(r.next(0x30, 'subjectPublicKeyInfo'));
  r.optional(0x81);
  r.optional(0x82);
  let subjectKeyIdentifier: Uint8Array | undefined;
  let isCa = false;
  const extsTlv = r.optional(0xa3);
  if (extsTlv) {
    for (const ext of children(new SeqReader(extsTlv).next(0x30))) {
      const er = new SeqReader(ext);
      const id = readOid(er.next(0x06));
      if (er.peekTag() === 0x01) readBoolean(er.next());
      const value = content(er.next(0x04));
      if (id === OID.subjectKeyIdentifier) subjectKeyIdentifier = content(readSingle(value, 0x04));
      if (id === OID.basicConstraints) {
        const bc = new SeqReader(readSingle(value, 0x30));
        isCa = bc.peekTag() === 0x01 && readBoolean(bc.next());
      }
    }
  }
  return {
    tbs: raw(tbsTlv),
    serialNumber,
    issuer,
    subject,
    publicKeyInfo,
    subjectKeyIdentifier,
    isCa,
    signatureAlgorithm: raw(sigAlg),
    signature: sig.bytes,
  };
}
