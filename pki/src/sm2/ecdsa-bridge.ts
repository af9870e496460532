/**
 * Evaluates the SM2 verification equation with OpenSSL's native ECDSA verifier.
 *
 * SM2 accepts (r, s) on digest e iff x(s·G + t·PA) ≡ r − e (mod n), with t = r + s.
 * ECDSA with generator G' = v·G and public key PA accepts (r', s') on message digest e' iff
 * x(u1·v·G + u2·PA) ≡ r' with u1 = e'/s', u2 = r'/s'. Taking r' = r − e, s' = r'/t gives u2 = t,
 * and v = s·r'/(t·e') gives u1·v = s: the ECDSA check is then exactly the SM2 check, where e' is
 * the SHA-256 of a fixed message. G' comes from one native base-point multiplication.
 *
 * G' ≠ G also keeps OpenSSL from recognising the named SM2 curve in the explicit parameters
 * (it would switch to SM2 signatures with an empty ID); an explicit-parameter EC key is plain
 * ECDSA. Cost: one base-point multiplication, one key import, one ECDSA verification — about
 * half of the ECDH route, which needs two base-point and one variable-point multiplication.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { bitString, integer, octetString, oid, sequence, unsignedInteger } from '../der/index.js';
import { bigIntToBytes, bytesToBigInt, invert, mod, OID_EC_PUBLIC_KEY, SM2_A, SM2_B, SM2_N, SM2_P } from './curve.js';

const PRIME_FIELD = '1.2.840.10045.1.1';
const FIELD_ID = sequence(oid(PRIME_FIELD), unsignedInteger(bigIntToBytes(SM2_P)));
const CURVE = sequence(octetString(bigIntToBytes(SM2_A)), octetString(bigIntToBytes(SM2_B)));
const ORDER = unsignedInteger(bigIntToBytes(SM2_N));
const COFACTOR = integer(1);

/** Two fixed messages: if one would make v = 1 (G' = G), the other is used. */
const MESSAGES = ['sm2-bridge-0', 'sm2-bridge-1'].map((m) => {
  const data = Buffer.from(m);
  const e = mod(bytesToBigInt(createHash('sha256').update(data).digest()), SM2_N);
  return { data, eInverse: invert(e, SM2_N) };
});

/** SubjectPublicKeyInfo with explicit ECParameters (generator G') and public key PA. */
function explicitKey(generator: Uint8Array, publicKey: Uint8Array) {
  const params = sequence(integer(1), FIELD_ID, CURVE, octetString(generator), ORDER, COFACTOR);
  const spki = sequence(sequence(oid(OID_EC_PUBLIC_KEY), params), bitString(publicKey));
  return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
}

/**
 * True iff x(s·G + t·PA) ≡ target (mod n). Preconditions: PA a valid uncompressed point,
 * 1 ≤ s, t < n, tInverse = t⁻¹ mod n. `multiplyBase(v)` returns v·G uncompressed.
 * Throws if OpenSSL refuses explicit-parameter keys.
 */
export function checkWithEcdsa(
  publicKey: Uint8Array,
  s: bigint,
  tInverse: bigint,
  target: bigint,
  multiplyBase: (k: bigint) => Uint8Array,
): boolean {
  // ECDSA needs r' ≥ 1; x ≡ 0 (mod n) would need x ∈ {0, n}, which no signer can aim for.
  if (target === 0n) return false;
  const sPrime = mod(target * tInverse, SM2_N);
  const base = mod(s * target * tInverse, SM2_N); // v·e' = s·r'/t
  for (const msg of MESSAGES) {
    const v = mod(base * msg.eInverse, SM2_N);
    if (v === 1n) continue;
    const sig = sequence(unsignedInteger(bigIntToBytes(target)), unsignedInteger(bigIntToBytes(sPrime)));
    return verify('sha256', msg.data, { key: explicitKey(multiplyBase(v), publicKey), dsaEncoding: 'der' }, sig);
  }
  throw new Error('unreachable: both bridge messages gave v = 1');
}
