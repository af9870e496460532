/**
 * PKCS#10 (RFC 2986) parsing with a strict DER walk, proof-of-possession verification through a
 * pluggable verifier registry, and the acceptance policy the RA applies before issuing.
 * Every failure surfaces as a CsrError with a machine-readable reason.
 */
import {
  children,
  content,
  derFromInput,
  raw,
  readBitString,
  readBoolean,
  readInteger,
  readOid,
  readSingle,
  readString,
  SeqReader,
  type Tlv,
} from '../der/index.js';
import { checkKeyPolicy, describePublicKey, KeyPolicyError, type KeyPolicy, type PublicKeyDescription } from '../keys/index.js';
import { defaultVerifiers, parsePssParams, signatureHash, type VerifierRegistry } from '../verifiers.js';
import { KEY_USAGE_BITS } from '../x509/extensions.js';
import { decodeGeneralName, type GeneralName } from '../x509/general-name.js';
import { decodeNameTlv, nameToString, type DecodedNameAttribute } from '../x509/name.js';
import { OID } from '../x509/oids.js';

export type CsrErrorReason =
  | 'malformed'
  | 'bad-version'
  | 'unsupported-signature-algorithm'
  | 'weak-signature-algorithm'
  | 'bad-signature'
  | 'key-policy'
  | 'duplicate-extension'
  | 'forbidden-extension'
  | 'unsupported-critical-extension'
  | 'bad-subject';

export class CsrError extends Error {
  override name = 'CsrError';
  constructor(readonly reason: CsrErrorReason, message: string) {
    super(message);
  }
}

export interface CsrExtension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

export interface ParsedCsr {
  der: Uint8Array;
  /** The signed CertificationRequestInfo bytes, exactly as received. */
  certificationRequestInfo: Uint8Array;
  subjectDer: Uint8Array;
  subject: DecodedNameAttribute[];
  subjectString: string;
  publicKeyInfo: Uint8Array;
  key: PublicKeyDescription;
  attributes: { oid: string; values: Uint8Array[] }[];
  extensions: CsrExtension[];
  subjectAltNames: GeneralName[];
  keyUsage?: string[];
  extKeyUsage?: string[];
  basicConstraints?: { ca: boolean; pathLength?: number };
  challengePassword?: string;
  signatureAlgorithm: { oid: string; params?: Uint8Array };
  signature: Uint8Array;
}

const KU_NAMES = Object.entries(KEY_USAGE_BITS).sort((a, b) => a[1] - b[1]).map(([k]) => k);

function decodeKnownExtension(csr: ParsedCsr, e: CsrExtension): void {
  const v = readSingle(e.value);
  switch (e.oid) {
    case OID.subjectAltName:
      if (v.tag !== 0x30) throw new Error('subjectAltName is not a SEQUENCE');
      csr.subjectAltNames = children(v).map(decodeGeneralName);
      if (csr.subjectAltNames.length === 0) throw new Error('subjectAltName is empty');
      break;
    case OID.keyUsage: {
      const { bytes } = readBitString(v);
      csr.keyUsage = KU_NAMES.filter((_, i) => i < bytes.length * 8 && bytes[i >> 3]! & (0x80 >> (i & 7)));
      break;
    }
    case OID.extKeyUsage:
      if (v.tag !== 0x30) throw new Error('extKeyUsage is not a SEQUENCE');
      csr.extKeyUsage = children(v).map(readOid);
      break;
    case OID.basicConstraints: {
      if (v.tag !== 0x30) throw new Error('basicConstraints is not a SEQUENCE');
      const r = new SeqReader(v);
      const ca = r.peekTag() === 0x01 ? readBoolean(r.next()) : false;
      const pl = r.optional(0x02);
      r.end('basicConstraints');
      csr.basicConstraints = { ca, pathLength: pl ? Number(readInteger(pl)) : undefined };
      break;
    }
  }
}

function parseExtensionRequest(csr: ParsedCsr, value: Tlv): void {
  if (value.tag !== 0x30) throw new Error('extensionRequest value is not a SEQUENCE');
  const seen = new Set<string>();
  for (const ext of children(value)) {
    if (ext.tag !== 0x30) throw new Error('Extension is not a SEQUENCE');
    const r = new SeqReader(ext);
    const oid = readOid(r.next(0x06, 'extnID'));
    const critical = r.peekTag() === 0x01 ? readBoolean(r.next()) : false;
    const valueTlv = r.next(0x04, 'extnValue');
    r.end('Extension');
    if (seen.has(oid)) throw new CsrError('duplicate-extension', `extension ${oid} requested twice`);
    seen.add(oid);
    const e = { oid, critical, value: content(valueTlv) };
    readSingle(e.value); // extnValue must hold exactly one DER value
    csr.extensions.push(e);
    decodeKnownExtension(csr, e);
  }
}

/** Structural parse (strict DER). Does not verify the signature or apply policy. */
export function parseCsr(input: Uint8Array | string): ParsedCsr {
  try {
    const der = derFromInput(input, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
    const top = new SeqReader(readSingle(der, 0x30));
    const criTlv = top.next(0x30, 'certificationRequestInfo');
    const algTlv = top.next(0x30, 'signatureAlgorithm');
    const sig = readBitString(top.next(0x03, 'signature'));
    top.end('CertificationRequest');

    const alg = new SeqReader(algTlv);
    const sigOid = readOid(alg.next(0x06, 'signatureAlgorithm.algorithm'));
    const sigParams = alg.done ? undefined : raw(alg.next());
    alg.end('signatureAlgorithm');
    if (sig.unusedBits !== 0) throw new Error('signature BIT STRING has unused bits');

    const cri = new SeqReader(criTlv);
    const version = readInteger(cri.next(0x02, 'version'));
    if (version !== 0n) throw new CsrError('bad-version', `CSR version ${version} is not v1 (0)`);
    const subjectTlv = cri.next(0x30, 'subject');
    const spkiTlv = cri.next(0x30, 'subjectPKInfo');
    const attrsTlv = cri.next(0xa0, 'attributes [0]');
    cri.end('certificationRequestInfo');

    const publicKeyInfo = raw(spkiTlv);
    const csr: ParsedCsr = {
      der,
      certificationRequestInfo: raw(criTlv),
      subjectDer: raw(subjectTlv),
      subject: decodeNameTlv(subjectTlv),
      subjectString: '',
      publicKeyInfo,
      key: describePublicKey(publicKeyInfo),
      attributes: [],
      extensions: [],
      subjectAltNames: [],
      signatureAlgorithm: { oid: sigOid, params: sigParams },
      signature: sig.bytes,
    };
    csr.subjectString = nameToString(csr.subject);

    let sawExtensionRequest = false;
    for (const attr of children(attrsTlv)) {
      if (attr.tag !== 0x30) throw new Error('Attribute is not a SEQUENCE');
      const r = new SeqReader(attr);
      const oid = readOid(r.next(0x06, 'attribute type'));
      const valuesTlv = r.next(0x31, 'attribute values SET');
      r.end('Attribute');
      const values = children(valuesTlv);
      if (values.length === 0) throw new Error(`attribute ${oid} has no values`);
      csr.attributes.push({ oid, values: values.map(raw) });
      if (oid === OID.extensionRequest) {
        if (sawExtensionRequest || values.length !== 1) throw new Error('more than one extensionRequest');
        sawExtensionRequest = true;
        parseExtensionRequest(csr, values[0]!);
      } else if (oid === OID.challengePassword) {
        csr.challengePassword = readString(values[0]!);
      }
    }
    return csr;
  } catch (e) {
    throw asCsrError(e);
  }
}

function asCsrError(e: unknown): CsrError {
  if (e instanceof CsrError) return e;
  if (e instanceof KeyPolicyError) return new CsrError('malformed', e.message);
  return new CsrError('malformed', `malformed CSR: ${(e as Error)?.message ?? String(e)}`);
}

/** Verifies the self-signature (proof of possession). Throws CsrError. */
export function verifyCsrSignature(csr: ParsedCsr, verifiers: VerifierRegistry = defaultVerifiers): void {
  const v = verifiers.get(csr.signatureAlgorithm.oid);
  if (!v) {
    throw new CsrError('unsupported-signature-algorithm', `no verifier for signature algorithm ${csr.signatureAlgorithm.oid}`);
  }
  let ok = false;
  try {
    ok = v.verify({
      algorithmOid: csr.signatureAlgorithm.oid,
      algorithmParams: csr.signatureAlgorithm.params,
      publicKeyInfo: csr.publicKeyInfo,
      data: csr.certificationRequestInfo,
      signature: csr.signature,
    });
  } catch (e) {
    throw new CsrError('bad-signature', `signature check failed: ${(e as Error).message}`);
  }
  if (!ok) throw new CsrError('bad-signature', 'CSR self-signature does not verify (no proof of possession)');
}

export interface CsrPolicy {
  keyPolicy?: KeyPolicy;
  /** Signature algorithm OIDs accepted; default: RSA PKCS#1/PSS and ECDSA with SHA-256/384/512, SM2-with-SM3. */
  allowedSignatureAlgorithms?: readonly string[];
  verifiers?: VerifierRegistry;
  /** Extensions that make a CSR unacceptable (default: CT precertificate poison). */
  forbiddenExtensions?: readonly string[];
  /** Critical extensions the RA understands; any other critical extension is refused. */
  understoodCriticalExtensions?: readonly string[];
}

export const DEFAULT_CSR_SIGNATURE_ALGORITHMS: readonly string[] = [
  OID.sha256WithRSA,
  OID.sha384WithRSA,
  OID.sha512WithRSA,
  OID.rsassaPss,
  OID.ecdsaWithSha256,
  OID.ecdsaWithSha384,
  OID.ecdsaWithSha512,
  OID.sm2WithSm3,
];

const WEAK_HASHES = new Set(['md5', 'sha1', 'sha224']);

/** CSRs that went through acceptCsr in this process: issuance refuses anything else. */
const accepted = new WeakSet<ParsedCsr>();

/** True when this exact object was returned by acceptCsr (signature and policy checked). */
export function isAcceptedCsr(csr: ParsedCsr): boolean {
  return accepted.has(csr);
}
const UB_LENGTHS: Record<string, number> = { [OID.commonName]: 64, [OID.organizationName]: 64, [OID.organizationalUnitName]: 64, [OID.countryName]: 2 };

/** parse → signature-algorithm policy → proof of possession → key policy → extension/subject checks. */
export function acceptCsr(input: Uint8Array | string, policy: CsrPolicy = {}): ParsedCsr {
  const csr = parseCsr(input);
  const allowed = policy.allowedSignatureAlgorithms ?? DEFAULT_CSR_SIGNATURE_ALGORITHMS;
  const sigOid = csr.signatureAlgorithm.oid;
  const hash = sigOid === OID.rsassaPss ? safePssHash(csr.signatureAlgorithm.params) : signatureHash(sigOid);
  if (hash && WEAK_HASHES.has(hash)) throw new CsrError('weak-signature-algorithm', `CSR signed with ${hash}, which is not accepted`);
  if (!allowed.includes(sigOid)) throw new CsrError('unsupported-signature-algorithm', `signature algorithm ${sigOid} is not accepted`);
  verifyCsrSignature(csr, policy.verifiers ?? defaultVerifiers);
  try {
    checkKeyPolicy(csr.publicKeyInfo, policy.keyPolicy);
  } catch (e) {
    if (e instanceof KeyPolicyError) throw new CsrError('key-policy', `${e.reason}: ${e.message}`);
    throw asCsrError(e);
  }
  const forbidden = policy.forbiddenExtensions ?? [OID.ctPoison];
  const understood = policy.understoodCriticalExtensions ?? [OID.subjectAltName, OID.keyUsage, OID.extKeyUsage, OID.basicConstraints];
  for (const e of csr.extensions) {
    if (forbidden.includes(e.oid)) throw new CsrError('forbidden-extension', `extension ${e.oid} is not allowed in a CSR`);
    if (e.critical && !understood.includes(e.oid)) {
      throw new CsrError('unsupported-critical-extension', `critical extension ${e.oid} is not understood`);
    }
  }
  for (const a of csr.subject) {
    const ub = UB_LENGTHS[a.oid];
    if (ub !== undefined && [...a.value].length > ub) {
      throw new CsrError('bad-subject', `${a.type} is ${[...a.value].length} characters (max ${ub})`);
    }
    if (a.value.length === 0) throw new CsrError('bad-subject', `${a.type} is empty`);
  }
  accepted.add(csr);
  return csr;
}

function safePssHash(params: Uint8Array | undefined): string | undefined {
  try {
    return parsePssParams(params).hash;
  } catch {
    return undefined;
  }
}
