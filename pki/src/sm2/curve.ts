/**
 * sm2p256v1 domain parameters (GM/T 0003.5 / GB/T 32918.5) and the little bigint arithmetic the
 * signer needs on top of the native scalar multiplications.
 */
export const SM2_P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
export const SM2_A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
export const SM2_B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
export const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
export const SM2_GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
export const SM2_GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

/** Curve OID (GM/T 0006): named curve parameter of id-ecPublicKey. */
export const OID_SM2_CURVE = '1.2.156.10197.1.301';
/** SM2 signature with SM3 (GM/T 0006). */
export const OID_SM2_WITH_SM3 = '1.2.156.10197.1.501';
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

export interface AffinePoint {
  x: bigint;
  y: bigint;
}

export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** Modular inverse by the extended Euclidean algorithm (much faster than a^(m-2) with bigint). */
export function invert(a: bigint, m: bigint): bigint {
  let r0 = m;
  let r1 = mod(a, m);
  if (r1 === 0n) throw new RangeError('zero has no modular inverse');
  let t0 = 0n;
  let t1 = 1n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  if (r0 !== 1n) throw new RangeError('value is not invertible');
  return mod(t0, m);
}

export function isOnCurve(pt: AffinePoint): boolean {
  const { x, y } = pt;
  if (x < 0n || x >= SM2_P || y < 0n || y >= SM2_P) return false;
  return mod(y * y - (x * x * x + SM2_A * x + SM2_B), SM2_P) === 0n;
}

/** Affine P + Q; `null` is the point at infinity. */
export function addPoints(p: AffinePoint, q: AffinePoint): AffinePoint | null {
  let lambda: bigint;
  if (p.x === q.x) {
    if (mod(p.y + q.y, SM2_P) === 0n) return null;
    lambda = mod((3n * p.x * p.x + SM2_A) * invert(2n * p.y, SM2_P), SM2_P);
  } else {
    lambda = mod((q.y - p.y) * invert(q.x - p.x, SM2_P), SM2_P);
  }
  const x = mod(lambda * lambda - p.x - q.x, SM2_P);
  const y = mod(lambda * (p.x - x) - p.y, SM2_P);
  return { x, y };
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));
}

/** Big-endian, left-padded to `length` bytes. */
export function bigIntToBytes(v: bigint, length = 32): Uint8Array {
  if (v < 0n) throw new RangeError('negative value');
  const hex = v.toString(16);
  if (hex.length > length * 2) throw new RangeError(`value does not fit in ${length} bytes`);
  return new Uint8Array(Buffer.from(hex.padStart(length * 2, '0'), 'hex'));
}

/** Uncompressed SEC1 point 04||x||y. */
export function encodePoint(pt: AffinePoint): Uint8Array {
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(bigIntToBytes(pt.x), 1);
  out.set(bigIntToBytes(pt.y), 33);
  return out;
}

/** Decodes an uncompressed or compressed SEC1 point and checks it lies on the curve. */
export function decodePoint(bytes: Uint8Array): AffinePoint {
  if (bytes.length === 65 && bytes[0] === 4) {
    const pt = { x: bytesToBigInt(bytes.subarray(1, 33)), y: bytesToBigInt(bytes.subarray(33)) };
    if (!isOnCurve(pt)) throw new RangeError('SM2 point is not on the curve');
    return pt;
  }
  if (bytes.length === 33 && (bytes[0] === 2 || bytes[0] === 3)) {
    const x = bytesToBigInt(bytes.subarray(1));
    if (x >= SM2_P) throw new RangeError('SM2 point x out of range');
    // p ≡ 3 (mod 4), so a square root is c^((p+1)/4).
    const c = mod(x * x * x + SM2_A * x + SM2_B, SM2_P);
    let y = modPow(c, (SM2_P + 1n) / 4n, SM2_P);
    if (mod(y * y, SM2_P) !== c) throw new RangeError('SM2 point is not on the curve');
    if (Number(y & 1n) !== (bytes[0]! & 1)) y = SM2_P - y;
    return { x, y };
  }
  throw new RangeError('unsupported SM2 point encoding');
}

function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  while (exp > 0n) {
    if (exp & 1n) result = (result * b) % m;
    b = (b * b) % m;
    exp >>= 1n;
  }
  return result;
}
