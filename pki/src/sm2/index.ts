/** SM2-with-SM3 public API; the bigint helpers in curve.ts stay internal. */
export { SM2_N, SM2_P, OID_SM2_CURVE, OID_SM2_WITH_SM3, type AffinePoint } from './curve.js';
export { SM2_DEFAULT_USER_ID, computeZa, messageDigest as sm2MessageDigest } from './za.js';
export {
  prepareSigningKey as prepareSm2SigningKey,
  signDigest as sm2SignDigest,
  verifyDigest as sm2VerifyDigest,
  type Sm2RawSignature,
  type Sm2SigningKey,
} from './sign.js';
export * from './keys.js';
export * from './signer.js';
