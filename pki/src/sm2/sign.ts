/**
 * SM2 signature generation and verification (GM/T 0003.2 §6, §7).
 *
 * Node signs SM2 only with an empty user ID, so the scheme is assembled here. Scalar
 * multiplications run natively through an ECDH object on OpenSSL's SM2 curve: setting a private
 * key computes k·G (constant-time ladder), and computeSecret gives x(k·P) for any P. Verification
 * goes through OpenSSL's ECDSA (ecdsa-bridge.ts). What remains is a few bigint operations mod n,
 * which are not constant-time; the secret-dependent part that matters most, k·G, is.
 * The module-private ECDH object keeps the last k until the next call; it is never exposed.
 */
import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { addPoints, bigIntToBytes, bytesToBigInt, decodePoint, encodePoint, invert, mod, SM2_N } from './curve.js';
import { checkWithEcdsa } from './ecdsa-bridge.js';

export interface Sm2RawSignature {
  r: bigint;
  s: bigint;
}

let ecdh: ECDH | undefined;
function curve(): ECDH {
  return (ecdh ??= createECDH('SM2'));
}

/** k·G as the uncompressed 65-byte point; k must be in [1, n-1]. */
export function multiplyBase(k: bigint): Uint8Array {
  const e = curve();
  e.setPrivateKey(bigIntToBytes(k));
  return new Uint8Array(e.getPublicKey());
}

/** x-coordinate of k·P, P an uncompressed 65-byte point; k must be in [1, n-1]. */
function multiplyX(k: bigint, point: Uint8Array): bigint {
  const e = curve();
  e.setPrivateKey(bigIntToBytes(k));
  return bytesToBigInt(e.computeSecret(point));
}

/** Uniform k in [1, n-1] by rejection sampling. */
export function randomScalar(): bigint {
  for (;;) {
    const k = bytesToBigInt(randomBytes(32));
    if (k >= 1n && k < SM2_N) return k;
  }
}

/** Private keys must lie in [1, n-2] so that 1 + d is invertible mod n. */
export function isValidPrivateScalar(d: bigint): boolean {
  return d >= 1n && d <= SM2_N - 2n;
}

/**
 * Per-key precomputation: (1 + d)^-1 mod n is the only inversion in signing and depends on d
 * alone, so it is done once.
 */
export interface Sm2SigningKey {
  readonly d: bigint;
  readonly dPlus1Inverse: bigint;
}

export function prepareSigningKey(d: bigint): Sm2SigningKey {
  if (!isValidPrivateScalar(d)) throw new RangeError('SM2 private key out of range [1, n-2]');
  return { d, dPlus1Inverse: invert(d + 1n, SM2_N) };
}

/**
 * Signs the digest e (SM3(ZA || M), 32 bytes). `fixedK` exists for known-answer tests only;
 * production calls draw a fresh k per signature.
 */
export function signDigest(key: Sm2SigningKey, digest: Uint8Array, fixedK?: bigint): Sm2RawSignature {
  const e = bytesToBigInt(digest);
  for (;;) {
    const k = fixedK ?? randomScalar();
    const x1 = bytesToBigInt(multiplyBase(k).subarray(1, 33));
    const r = mod(e + x1, SM2_N);
    if (r === 0n || r + k === SM2_N) {
      if (fixedK !== undefined) throw new RangeError('fixed k yields an invalid signature');
      continue;
    }
    const s = mod(key.dPlus1Inverse * (k - r * key.d), SM2_N);
    if (s === 0n) {
      if (fixedK !== undefined) throw new RangeError('fixed k yields an invalid signature');
      continue;
    }
    return { r, s };
  }
}

/** How x(t·W) is checked: the ECDSA bridge (fast) or ECDH (fallback, also a cross-check in tests). */
export type VerifyMethod = 'ecdsa-bridge' | 'ecdh';
let bridgeUsable = true;

/**
 * Verifies (r, s) over digest e for public key PA (65-byte uncompressed point, already validated
 * to be on the curve): checks x(s·G + t·PA) ≡ r − e (mod n) natively, see ecdsa-bridge.ts.
 */
export function verifyDigest(publicKey: Uint8Array, digest: Uint8Array, sig: Sm2RawSignature, method?: VerifyMethod): boolean {
  const { r, s } = sig;
  if (r < 1n || r >= SM2_N || s < 1n || s >= SM2_N) return false;
  const t = mod(r + s, SM2_N);
  if (t === 0n) return false;
  const tInverse = invert(t, SM2_N);
  const target = mod(r - bytesToBigInt(digest), SM2_N); // x(s·G + t·PA) must be ≡ r − e (mod n)
  if ((method ?? (bridgeUsable ? 'ecdsa-bridge' : 'ecdh')) === 'ecdsa-bridge') {
    try {
      return checkWithEcdsa(publicKey, s, tInverse, target, multiplyBase);
    } catch (e) {
      if (method === 'ecdsa-bridge') throw e;
      bridgeUsable = false; // this OpenSSL refuses explicit-parameter keys: use ECDH from now on
    }
  }
  // s·G + t·PA = t·W with W = PA + (s/t)·G; ECDH yields x(t·W).
  const w = addPoints(decodePoint(publicKey), decodePoint(multiplyBase(mod(s * tInverse, SM2_N))));
  if (w === null) return false; // s·G + t·PA is the point at infinity
  return mod(multiplyX(t, encodePoint(w)), SM2_N) === target;
}
