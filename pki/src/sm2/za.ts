/** The SM2 signer identity hash ZA and message representative e (GM/T 0003.2 §5.5, §6.1). */
import { createHash } from 'node:crypto';
import { SM2_A, SM2_B, SM2_GX, SM2_GY, bigIntToBytes } from './curve.js';

/** GM/T 0009 default user ID, also OpenSSL's usual `distid`. */
export const SM2_DEFAULT_USER_ID = new TextEncoder().encode('1234567812345678');

const CURVE_PART = Buffer.concat([bigIntToBytes(SM2_A), bigIntToBytes(SM2_B), bigIntToBytes(SM2_GX), bigIntToBytes(SM2_GY)]);

export function toUserId(id: Uint8Array | string | undefined): Uint8Array {
  if (id === undefined) return SM2_DEFAULT_USER_ID;
  return typeof id === 'string' ? new TextEncoder().encode(id) : id;
}

/** ZA = SM3(ENTL || ID || a || b || xG || yG || xA || yA); `publicKey` is the 65-byte 04||x||y point. */
export function computeZa(publicKey: Uint8Array, userId: Uint8Array = SM2_DEFAULT_USER_ID): Uint8Array {
  if (publicKey.length !== 65 || publicKey[0] !== 4) throw new RangeError('ZA needs an uncompressed SM2 public key');
  const bits = userId.length * 8;
  // ENTL is a 16-bit big-endian bit length.
  if (bits > 0xffff) throw new RangeError('SM2 user ID longer than 8191 bytes');
  const h = createHash('sm3');
  h.update(Uint8Array.of(bits >> 8, bits & 0xff));
  h.update(userId);
  h.update(CURVE_PART);
  h.update(publicKey.subarray(1));
  return new Uint8Array(h.digest());
}

/** e = SM3(ZA || M). */
export function messageDigest(za: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sm3').update(za).update(message).digest());
}
