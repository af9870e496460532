/** Public-key policy checks and canonical fingerprints for duplicate-key detection. */
import { createHash, createPublicKey } from 'node:crypto';
import {
  integerContent,
  readBitString,
  readOid,
  readSingle,
  SeqReader,
  raw,
} from '../der/index.js';
import { OID } from '../x509/oids.js';

export type KeyPolicyReason =
  | 'malformed-key'
  | 'unsupported-key-algorithm'
  | 'rsa-key-too-small'
  | 'rsa-key-too-large'
  | 'rsa-bad-exponent'
  | 'rsa-bad-modulus'
  | 'ec-explicit-parameters'
  | 'ec-curve-not-allowed'
  | 'ec-invalid-point';

export class KeyPolicyError extends Error {
  override name = 'KeyPolicyError';
  constructor(readonly reason: KeyPolicyReason, message: string) {
    super(message);
  }
}

export interface PublicKeyDescription {
  type: 'rsa' | 'ec' | 'other';
  algorithmOid: string;
  /** RSA modulus bits or EC field size. */
  bits: number;
  /** 'P-256', 'P-384', 'P-521', 'SM2' or the curve OID; undefined for explicit parameters. */
  curve?: string;
  curveOid?: string;
  rsaModulus?: bigint;
  rsaExponent?: bigint;
  /** Raw subjectPublicKey bits (EC point or RSAPublicKey DER). */
  publicKey: Uint8Array;
  spki: Uint8Array;
}

interface Curve {
  name: string;
  p: bigint;
  b: bigint;
  bytes: number;
}

// Short-Weierstrass parameters with a = -3 (SEC 2 / FIPS 186-4; SM2 from GB/T 32918.5).
const CURVES: Record<string, Curve> = {
  [OID.secp256r1]: {
    name: 'P-256',
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    bytes: 32,
  },
  [OID.secp384r1]: {
    name: 'P-384',
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    bytes: 48,
  },
  [OID.sm2Curve]: {
    name: 'SM2',
    p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
    b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
    bytes: 32,
  },
};
const OTHER_CURVE_NAMES: Record<string, string> = { [OID.secp521r1]: 'P-521' };

function toBig(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`);
}

/** Decodes a DER SubjectPublicKeyInfo (strict). Throws KeyPolicyError('malformed-key'). */
export function describePublicKey(spki: Uint8Array): PublicKeyDescription {
  try {
    const top = readSingle(spki, 0x30);
    const r = new SeqReader(top);
    const alg = new SeqReader(r.next(0x30, 'algorithm'));
    const algorithmOid = readOid(alg.next(0x06));
    const params = alg.done ? undefined : alg.next();
    alg.end('AlgorithmIdentifier');
    const { bytes: publicKey, unusedBits } = readBitString(r.next(0x03, 'subjectPublicKey'));
    r.end('SubjectPublicKeyInfo');
    if (unusedBits !== 0) throw new Error('subjectPublicKey has unused bits');
    const spkiRaw = raw(top);
    if (algorithmOid === OID.rsaEncryption) {
      if (!params || params.tag !== 0x05 || params.end !== params.contentStart) throw new Error('rsaEncryption parameters must be NULL');
      const k = new SeqReader(readSingle(publicKey, 0x30));
      const n = integerContent(k.next(0x02, 'modulus'));
      const e = integerContent(k.next(0x02, 'publicExponent'));
      k.end('RSAPublicKey');
      if (n[0]! & 0x80 || e[0]! & 0x80) throw new Error('negative RSA modulus or exponent');
      const modulus = toBig(n);
      return {
        type: 'rsa',
        algorithmOid,
        bits: modulus.toString(2).length,
        rsaModulus: modulus,
        rsaExponent: toBig(e),
        publicKey,
        spki: spkiRaw,
      };
    }
    if (algorithmOid === OID.ecPublicKey) {
      if (!params) throw new Error('id-ecPublicKey without parameters');
      if (params.tag === 0x06) {
        const curveOid = readOid(params);
        const c = CURVES[curveOid];
        return {
          type: 'ec',
          algorithmOid,
          bits: c ? c.bytes * 8 : curveOid === OID.secp521r1 ? 521 : 0,
          curve: c?.name ?? OTHER_CURVE_NAMES[curveOid] ?? curveOid,
          curveOid,
          publicKey,
          spki: spkiRaw,
        };
      }
      // ECParameters SEQUENCE (explicit) or implicitlyCA NULL: no named curve.
      return { type: 'ec', algorithmOid, bits: 0, publicKey, spki: spkiRaw };
    }
    return { type: 'other', algorithmOid, bits: 0, publicKey, spki: spkiRaw };
  } catch (e) {
    if (e instanceof KeyPolicyError) throw e;
    throw new KeyPolicyError('malformed-key', `malformed SubjectPublicKeyInfo: ${(e as Error).message}`);
  }
}

export interface KeyPolicy {
  minRsaBits?: number;
  maxRsaBits?: number;
  /** Allowed EC curves by name. Default P-256 and P-384. Add 'SM2' when the SM2 signer is enabled. */
  allowedCurves?: readonly string[];
  allowRsa?: boolean;
}

const SMALL_PRIMES: number[] = [];
for (let n = 3; n < 1000; n += 2) if (SMALL_PRIMES.every((p) => n % p !== 0)) SMALL_PRIMES.push(n);

/** y² = x³ − 3x + b (mod p), coordinates in range, uncompressed encoding of the right length. */
function checkEcPoint(point: Uint8Array, c: Curve): void {
  if (point.length !== 1 + 2 * c.bytes || point[0] !== 0x04) {
    throw new KeyPolicyError('ec-invalid-point', `EC point must be uncompressed (0x04) and ${1 + 2 * c.bytes} octets`);
  }
  const x = toBig(point.subarray(1, 1 + c.bytes));
  const y = toBig(point.subarray(1 + c.bytes));
  if (x >= c.p || y >= c.p) throw new KeyPolicyError('ec-invalid-point', 'EC point coordinate out of range');
  const lhs = (y * y) % c.p;
  const rhs = (((x * x * x - 3n * x + c.b) % c.p) + c.p) % c.p;
  if (lhs !== rhs) throw new KeyPolicyError('ec-invalid-point', `EC point is not on ${c.name}`);
}

/** Throws KeyPolicyError when the key is not acceptable; returns its description otherwise. */
export function checkKeyPolicy(spki: Uint8Array, policy: KeyPolicy = {}): PublicKeyDescription {
  const k = describePublicKey(spki);
  const minRsa = policy.minRsaBits ?? 2048;
  const maxRsa = policy.maxRsaBits ?? 8192;
  const curves = policy.allowedCurves ?? ['P-256', 'P-384'];
  if (k.type === 'rsa') {
    if (policy.allowRsa === false) throw new KeyPolicyError('unsupported-key-algorithm', 'RSA keys are not allowed');
    if (k.bits < minRsa) throw new KeyPolicyError('rsa-key-too-small', `RSA key of ${k.bits} bits is below ${minRsa}`);
    if (k.bits > maxRsa) throw new KeyPolicyError('rsa-key-too-large', `RSA key of ${k.bits} bits is above ${maxRsa}`);
    const e = k.rsaExponent!;
    const n = k.rsaModulus!;
    // CA/Browser Forum BR §6.1.6: odd exponent in [2^16+1, 2^256-1].
    if (e % 2n === 0n || e < 65537n || e >= 2n ** 256n) {
      throw new KeyPolicyError('rsa-bad-exponent', `RSA public exponent ${e} is not odd within [65537, 2^256)`);
    }
    if (n % 2n === 0n) throw new KeyPolicyError('rsa-bad-modulus', 'RSA modulus is even');
    for (const p of SMALL_PRIMES) {
      if (n % BigInt(p) === 0n) throw new KeyPolicyError('rsa-bad-modulus', `RSA modulus divisible by ${p}`);
    }
    return k;
  }
  if (k.type === 'ec') {
    if (!k.curveOid) throw new KeyPolicyError('ec-explicit-parameters', 'EC keys must use a named curve, not explicit parameters');
    const c = CURVES[k.curveOid];
    if (!c || !curves.includes(c.name)) {
      throw new KeyPolicyError('ec-curve-not-allowed', `EC curve ${k.curve} is not allowed (allowed: ${curves.join(', ')})`);
    }
    checkEcPoint(k.publicKey, c);
    return k;
  }
  throw new KeyPolicyError('unsupported-key-algorithm', `public key algorithm ${k.algorithmOid} is not supported`);
}

/**
 * Canonical fingerprint: SHA-256 over the SPKI re-encoded by OpenSSL (uncompressed point, named
 * curve, minimal integers), so two encodings of the same key collide as they should. Falls back to
 * the strict-parsed input for keys OpenSSL does not import.
 */
export function publicKeyFingerprint(spki: Uint8Array): string {
  let canonical: Uint8Array;
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    // OpenSSL keeps a compressed point compressed on re-export; a JWK round trip yields the uncompressed form.
    const normal = key.asymmetricKeyType === 'ec' ? createPublicKey({ key: key.export({ format: 'jwk' }), format: 'jwk' }) : key;
    canonical = normal.export({ type: 'spki', format: 'der' });
  } catch {
    canonical = describePublicKey(spki).spki;
  }
  return createHash('sha256').update(canonical).digest('hex');
}

