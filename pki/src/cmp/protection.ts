/**
 * PKIMessage protection (RFC 4210 §5.1.3, RFC 9481 §6): password-based MAC (PasswordBasedMac, RFC 4211
 * §4.4), PBMAC1 (PBKDF2 + HMAC, RFC 9481 §6.1.2) and signatures with the key of a certificate.
 */
import crypto, { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { algorithmIdentifier, content, integer, octetString, oid, readInteger, readOid, readSingle, sequence, SeqReader, type Tlv } from '../der/index.js';
import type { Signer } from '../signer.js';
import { defaultVerifiers, type VerifierRegistry } from '../verifiers.js';
import { inspectCertificate } from '../x509/certificate.js';
import { assembleMessage, encodeBody, encodeHeader, encodeProtectedPart, type DecodedPkiMessage, type PkiMessage } from './messages.js';

export const PROTECTION_OID = {
  passwordBasedMac: '1.2.840.113533.7.66.13',
  pbmac1: '1.2.840.113549.1.5.14',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

const DIGEST_OIDS: Record<string, string> = { '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512' };
const HMAC_OIDS: Record<string, string> = {
  '1.3.6.1.5.5.8.1.2': 'sha1', // hmac-sha1 (RFC 2104 via RFC 4211)
  '1.2.840.113549.2.7': 'sha1', // hmacWithSHA1 (PKCS#5)
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const DIGEST_OID_OF: Record<string, string> = { sha1: '1.3.14.3.2.26', sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3' };
const PKCS5_HMAC_OID_OF: Record<string, string> = { sha1: '1.2.840.113549.2.7', sha256: '1.2.840.113549.2.9', sha384: '1.2.840.113549.2.10', sha512: '1.2.840.113549.2.11' };
const HMAC_OID_OF: Record<string, string> = { sha1: '1.3.6.1.5.5.8.1.2', sha256: '1.2.840.113549.2.9', sha384: '1.2.840.113549.2.10', sha512: '1.2.840.113549.2.11' };

/** Iteration bounds accepted from peers: enough to be meaningful, low enough not to be a CPU lever. */
export const MAX_ITERATIONS = 100_000;
export const MIN_ITERATIONS = 100;

export class CmpProtectionError extends Error {
  override name = 'CmpProtectionError';
}

export type Hash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export type Protection =
  | { type: 'pbm'; secret: Uint8Array | string; senderKID?: Uint8Array; iterations?: number; owf?: Hash; mac?: Hash }
  | { type: 'pbmac1'; secret: Uint8Array | string; senderKID?: Uint8Array; iterations?: number; hash?: Hash }
  | { type: 'signature'; signer: Signer; certificate: Uint8Array; extraCerts?: Uint8Array[] };

const bytes = (s: Uint8Array | string): Buffer => Buffer.from(typeof s === 'string' ? Buffer.from(s, 'utf8') : s);

// Derived keys by (secret, salt, parameters): the iterated hash is the expensive part and a peer that
// keeps its salt (as we do for our own messages) then costs one derivation per process, not per message.
const keyCache = new Map<string, Buffer>();
function cachedKey(parts: (string | Uint8Array)[], derive: () => Buffer): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? `${p}\0` : Buffer.concat([p, Buffer.of(0)]));
  const id = h.digest('base64');
  let k = keyCache.get(id);
  if (!k) {
    k = derive();
    if (keyCache.size >= 1024) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(id, k);
  }
  return k;
}

// One-shot crypto.hash (Node ≥ 20.12) avoids a Hash object per iteration; createHash otherwise.
const oneShot = (crypto as unknown as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;
const digest = oneShot ? (alg: string, d: Uint8Array) => oneShot(alg, d, 'buffer') : (alg: string, d: Uint8Array) => createHash(alg).update(d).digest();

/** RFC 4211 §4.4: key = OWF^iterations(password || salt), then MAC over the protected part. */
export function passwordBasedMac(secret: Uint8Array | string, salt: Uint8Array, iterations: number, owf: string, mac: string, data: Uint8Array): Buffer {
  const pw = bytes(secret);
  const k = cachedKey(['pbm', pw, salt, String(iterations), owf], () => {
    let x: Buffer = digest(owf, Buffer.concat([pw, salt]));
    for (let i = 1; i < iterations; i++) x = digest(owf, x);
    return x;
  });
  return createHmac(mac, k).update(data).digest();
}

/** Our salt per secret and algorithm for outgoing messages (fresh per process). */
const ownSalts = new Map<string, Buffer>();
function ownSalt(secret: Uint8Array | string, kind: string): Buffer {
  const id = `${kind}:${createHash('sha256').update(bytes(secret)).digest('base64')}`;
  let s = ownSalts.get(id);
  if (!s) {
    s = randomBytes(16);
    if (ownSalts.size >= 1024) ownSalts.clear();
    ownSalts.set(id, s);
  }
  return s;
}

function pbmAlgorithm(salt: Uint8Array, iterations: number, owf: Hash, mac: Hash): Uint8Array {
  return sequence(oid(PROTECTION_OID.passwordBasedMac), sequence(octetString(salt), algorithmIdentifier(DIGEST_OID_OF[owf]!), integer(iterations), algorithmIdentifier(HMAC_OID_OF[mac]!)));
}

function pbmac1Algorithm(salt: Uint8Array, iterations: number, hash: Hash): Uint8Array {
  const keyLength = createHash(hash).digest().length;
  const hmac = algorithmIdentifier(PKCS5_HMAC_OID_OF[hash]!, null);
  const kdf = sequence(oid(PROTECTION_OID.pbkdf2), sequence(octetString(salt), integer(iterations), integer(keyLength), hmac));
  return sequence(oid(PROTECTION_OID.pbmac1), sequence(kdf, hmac));
}

function checkIterations(n: bigint): number {
  if (n < BigInt(MIN_ITERATIONS) || n > BigInt(MAX_ITERATIONS)) throw new CmpProtectionError(`iteration count ${n} outside ${MIN_ITERATIONS}..${MAX_ITERATIONS}`);
  return Number(n);
}

function algOf(t: Tlv): { oid: string; params?: Tlv } {
  const r = new SeqReader(t);
  const id = readOid(r.next(0x06));
  const params = r.done ? undefined : r.next();
  r.end('AlgorithmIdentifier');
  return { oid: id, params: params && params.tag !== 0x05 ? params : undefined };
}

/** The MAC value for a password-based protectionAlg (PBM or PBMAC1) over `data`. */
export function computeMac(protectionAlg: Uint8Array, secret: Uint8Array | string, data: Uint8Array): Buffer {
  const alg = algOf(readSingle(protectionAlg, 0x30));
  if (alg.oid === PROTECTION_OID.passwordBasedMac) {
    if (!alg.params) throw new CmpProtectionError('PBMParameter missing');
    const r = new SeqReader(alg.params);
    const salt = content(r.next(0x04, 'salt'));
    const owf = DIGEST_OIDS[algOf(r.next(0x30, 'owf')).oid];
    const iterations = checkIterations(readInteger(r.next(0x02, 'iterationCount')));
    const mac = HMAC_OIDS[algOf(r.next(0x30, 'mac')).oid];
    r.end('PBMParameter');
    if (!owf || !mac) throw new CmpProtectionError('unsupported PBM one-way function or MAC');
    if (salt.length < 8 || salt.length > 64) throw new CmpProtectionError('PBM salt length out of range');
    return passwordBasedMac(secret, salt, iterations, owf, mac, data);
  }
  if (alg.oid === PROTECTION_OID.pbmac1) {
    if (!alg.params) throw new CmpProtectionError('PBMAC1-params missing');
    const r = new SeqReader(alg.params);
    const kdf = algOf(r.next(0x30, 'keyDerivationFunc'));
    const scheme = HMAC_OIDS[algOf(r.next(0x30, 'messageAuthScheme')).oid];
    r.end('PBMAC1-params');
    if (kdf.oid !== PROTECTION_OID.pbkdf2 || !kdf.params) throw new CmpProtectionError('PBMAC1 needs PBKDF2');
    const k = new SeqReader(kdf.params);
    const salt = content(k.next(0x04, 'salt'));
    const iterations = checkIterations(readInteger(k.next(0x02, 'iterationCount')));
    const lenT = k.optional(0x02);
    const prfT = k.optional(0x30);
    k.end('PBKDF2-params');
    const prf = prfT ? HMAC_OIDS[algOf(prfT).oid] : 'sha1';
    if (!prf || !scheme) throw new CmpProtectionError('unsupported PBMAC1 PRF or MAC');
    const keyLength = lenT ? Number(readInteger(lenT)) : createHash(scheme).digest().length;
    if (keyLength < 16 || keyLength > 64) throw new CmpProtectionError('PBMAC1 key length out of range');
    const pw = bytes(secret);
    const key = cachedKey(['pbmac1', pw, salt, String(iterations), String(keyLength), prf], () => pbkdf2Sync(pw, salt, iterations, keyLength, prf));
    return createHmac(scheme, key).update(data).digest();
  }
  throw new CmpProtectionError(`protection algorithm ${alg.oid} is not a password-based MAC`);
}

export function isMacAlgorithm(protectionAlg: Uint8Array): boolean {
  try {
    const id = algOf(readSingle(protectionAlg, 0x30)).oid;
    return id === PROTECTION_OID.passwordBasedMac || id === PROTECTION_OID.pbmac1;
  } catch {
    return false;
  }
}

/** Encodes and protects a message; sets protectionAlg, senderKID (and extraCerts for signatures). */
export function protectMessage(m: PkiMessage, p: Protection): Uint8Array {
  const header = { ...m.header };
  let extraCerts = m.extraCerts;
  if (p.type === 'signature') {
    header.protectionAlg = p.signer.algorithmIdentifier;
    const info = inspectCertificate(p.certificate);
    if (info.subjectKeyIdentifier) header.senderKID = info.subjectKeyIdentifier;
    extraCerts = [p.certificate, ...(p.extraCerts ?? []), ...(m.extraCerts ?? [])];
  } else {
    const salt = ownSalt(p.secret, p.type);
    header.protectionAlg = p.type === 'pbm' ? pbmAlgorithm(salt, p.iterations ?? 10_000, p.owf ?? 'sha256', p.mac ?? 'sha256') : pbmac1Algorithm(salt, p.iterations ?? 10_000, p.hash ?? 'sha256');
    if (p.senderKID) header.senderKID = p.senderKID;
  }
  const h = encodeHeader(header);
  const b = encodeBody(m.body);
  const part = encodeProtectedPart(h, b);
  const protection = p.type === 'signature' ? p.signer.sign(part) : computeMac(header.protectionAlg, p.secret, part);
  return assembleMessage(h, b, protection, extraCerts);
}

/** Checks a MAC-protected message against the shared secret (constant-time compare). */
export function verifyMacProtection(msg: DecodedPkiMessage, secret: Uint8Array | string): void {
  if (!msg.header.protectionAlg || !msg.protection) throw new CmpProtectionError('message is not protected');
  const expected = computeMac(msg.header.protectionAlg, secret, msg.protectedPart);
  if (expected.length !== msg.protection.length || !timingSafeEqual(expected, Buffer.from(msg.protection))) throw new CmpProtectionError('MAC protection does not verify');
}

/**
 * Checks a signature-protected message with the given certificate's key (the caller decides whether
 * that certificate is trusted — typically extraCerts[0] after chain validation, or a pinned CA cert).
 */
export function verifySignatureProtection(msg: DecodedPkiMessage, certificate: Uint8Array, verifiers: VerifierRegistry = defaultVerifiers): void {
  if (!msg.header.protectionAlg || !msg.protection) throw new CmpProtectionError('message is not protected');
  const alg = algOf(readSingle(msg.header.protectionAlg, 0x30));
  const v = verifiers.get(alg.oid);
  if (!v) throw new CmpProtectionError(`unsupported signature algorithm ${alg.oid}`);
  const info = inspectCertificate(certificate);
  if (msg.header.senderKID && info.subjectKeyIdentifier && Buffer.compare(Buffer.from(msg.header.senderKID), Buffer.from(info.subjectKeyIdentifier)) !== 0) {
    throw new CmpProtectionError('senderKID does not match the signer certificate');
  }
  const ok = v.verify({ algorithmOid: alg.oid, algorithmParams: alg.params ? Buffer.from(alg.params.buf.subarray(alg.params.start, alg.params.end)) : undefined, publicKeyInfo: info.publicKeyInfo, data: msg.protectedPart, signature: msg.protection });
  if (!ok) throw new CmpProtectionError('signature protection does not verify');
}

/** certHash for certConf: SHA-256 unless the certificate's signature algorithm says otherwise (RFC 9480 §2.10). */
export function certHash(certificate: Uint8Array, hash: Hash = 'sha256'): Buffer {
  return createHash(hash).update(certificate).digest();
}

/** Hash implied by a certificate's signature algorithm (for certConf with pvno 2). */
export function certHashAlgorithm(certificate: Uint8Array): Hash {
  const sigAlg = algOf(readSingle(inspectCertificate(certificate).signatureAlgorithm, 0x30)).oid;
  if (/\.4\.3\.3$|1\.1\.12$/.test(sigAlg)) return 'sha384';
  if (/\.4\.3\.4$|1\.1\.13$/.test(sigAlg)) return 'sha512';
  if (/\.4\.1$|1\.1\.5$/.test(sigAlg)) return 'sha1';
  return 'sha256';
}
