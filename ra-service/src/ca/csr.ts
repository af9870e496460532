/**
 * CSR intake for the RA: PEM or DER in, a verified request out (pki's acceptCsr: strict DER, proof of
 * possession, key hygiene, forbidden extensions). Profile-specific key and name rules are decided
 * later by willingToIssue; this module only answers "is this a sound request for a sound key".
 */
import { createHash } from 'node:crypto';
import { acceptCsr, CsrError as PkiCsrError, checkKeyPolicy, describePublicKey, KeyPolicyError, publicKeyFingerprint, sm2Verifier, VerifierRegistry } from '@emsoc/pki';
import type { SanEntry } from '../model.js';
import type { KeyDescription } from '../policy/willing-to-issue.js';

export class CsrError extends Error {
  override name = 'CsrError';
}

export interface ParsedCsr {
  der: Uint8Array;
  subject: string;
  publicKeyInfo: Uint8Array;
  spkiSha256: string;
  /** subjectAltName from the extensionRequest attribute. */
  sans: SanEntry[];
  /** weakKeyReason of the key, decided with the parse (in the intake worker: the RSA Fermat rounds stay off the event loop). */
  weakKey: string | undefined;
}

// Broadest acceptable keys; each profile narrows this in willingToIssue (SM2 only for SM2 profiles).
const BASE_KEY_POLICY = { minRsaBits: 2048, maxRsaBits: 8192, allowedCurves: ['P-256', 'P-384', 'SM2'] };
/** pki's defaults plus SM2-with-SM3 (GM/T 0009 default user ID) for SM2 CSRs' proof of possession. */
const VERIFIERS = new VerifierRegistry().register(sm2Verifier);

/**
 * Canonical key fingerprint (pki's publicKeyFingerprint), with a fast path: a named-curve EC key with
 * an uncompressed point has exactly one strict DER encoding, so hashing it directly gives the same value
 * without pki's OpenSSL/JWK round trip (≈ 3 ms per key, the largest cost on the issuance path).
 */
export function spkiFingerprint(spki: Uint8Array): string {
  try {
    const k = describePublicKey(spki);
    if (k.type === 'ec' && k.curveOid && k.publicKey[0] === 0x04) return createHash('sha256').update(spki).digest('hex');
  } catch {
    // fall through: pki decides what a malformed key's fingerprint is
  }
  return publicKeyFingerprint(spki);
}

export function describeKey(spki: Uint8Array): KeyDescription {
  const k = describePublicKey(spki);
  if (k.type === 'rsa') return { algorithm: 'rsa', bits: k.bits };
  if (k.type === 'ec') return k.curve === 'SM2' ? { algorithm: 'sm2', curve: 'SM2' } : { algorithm: 'ec', curve: k.curve ?? 'explicit' };
  return { algorithm: 'other' };
}

/** Parses a PKCS#10 request (PEM or DER) and verifies its self-signature and key hygiene. */
export function parseCsr(input: string | Uint8Array): ParsedCsr {
  let csr;
  try {
    csr = acceptCsr(input, { keyPolicy: BASE_KEY_POLICY, verifiers: VERIFIERS });
  } catch (e) {
    if (e instanceof PkiCsrError) throw new CsrError(`${e.reason}: ${e.message}`);
    throw new CsrError(`unreadable certificate request: ${(e as Error).message}`);
  }
  const sans: SanEntry[] = [];
  for (const n of csr.subjectAltNames) {
    if (n.type === 'dns' || n.type === 'ip' || n.type === 'email' || n.type === 'uri') sans.push({ type: n.type, value: n.value });
    else throw new CsrError(`subjectAltName of type ${n.type} is not supported`);
  }
  return { der: csr.der, subject: csr.subjectString, publicKeyInfo: csr.publicKeyInfo, spkiSha256: spkiFingerprint(csr.publicKeyInfo), sans, weakKey: weakKeyReason(csr.publicKeyInfo) };
}

/** ceil(sqrt(n)) by Newton's method from a power-of-two start above the root. */
function isqrtCeil(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  return x * x < n ? x + 1n : x;
}

/**
 * Weak-key screening: pki's key policy (exponent, small factors, EC point on curve), plus a few
 * Fermat rounds that factor RSA moduli whose primes are too close together (as Boulder does).
 */
export function weakKeyReason(spki: Uint8Array): string | undefined {
  try {
    const k = checkKeyPolicy(spki, BASE_KEY_POLICY);
    if (k.type === 'rsa') {
      const n = k.rsaModulus!;
      let a = isqrtCeil(n);
      for (let i = 0; i < 100; i++, a++) {
        const b2 = a * a - n;
        const b = isqrtCeil(b2);
        if (b * b === b2) return 'RSA modulus factors by Fermat’s method (primes too close)';
      }
    }
    return undefined;
  } catch (e) {
    if (e instanceof KeyPolicyError) return `${e.reason}: ${e.message}`;
    throw e;
  }
}
