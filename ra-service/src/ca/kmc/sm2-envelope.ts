/**
 * Delivery of a KMC-generated private key to its subject: SM2 public-key encryption (GB/T 32918.4,
 * GM/T 0003.4) to the subject's *signing* public key, output as the GM/T 0009 SM2Cipher
 * SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING (C3), cipherText OCTET STRING (C2) } — the format
 * `openssl pkeyutl -decrypt -inkey <signing key>` reads, so the subject needs nothing but OpenSSL.
 *
 * The secret scalar k only ever goes through OpenSSL's SM2 ECDH (constant time). ECDH yields x(k·P)
 * alone; y is recovered from public data: of the two curve points with that x, the right one is the
 * one whose sum with C1 = k·G has the x-coordinate x(k·(P + G)), again from ECDH.
 */
import { createECDH, createHash, randomBytes } from 'node:crypto';
import { octetString, sequence, unsignedInteger } from '@emsoc/pki';
import { addPoints, bigIntToBytes, bytesToBigInt, decodePoint, encodePoint, SM2_N, type AffinePoint } from '@emsoc/pki/sm2/curve';
import { importSm2PublicKey } from '@emsoc/pki';

const G: AffinePoint = decodePoint(gPoint());

function gPoint(): Uint8Array {
  const e = createECDH('SM2');
  e.setPrivateKey(bigIntToBytes(1n));
  return new Uint8Array(e.getPublicKey());
}

/** GB/T 32918.4 KDF with SM3. */
function kdf(z: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let ct = 1, off = 0; off < length; ct++, off += 32) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(ct);
    createHash('sm3').update(z).update(c).digest().copy(out, off);
  }
  return out;
}

function randomK(): bigint {
  for (;;) {
    const k = bytesToBigInt(randomBytes(32));
    if (k >= 1n && k < SM2_N) return k;
  }
}

/** k·P as a full point, with k handled only by OpenSSL. */
function multiply(k: bigint, p: AffinePoint, c1: AffinePoint): AffinePoint {
  const e = createECDH('SM2');
  e.setPrivateKey(bigIntToBytes(k));
  const xBytes = new Uint8Array(e.computeSecret(encodePoint(p)));
  const q = addPoints(p, G);
  if (!q) throw new Error('degenerate recipient key');
  const xSum = bytesToBigInt(new Uint8Array(e.computeSecret(encodePoint(q))));
  for (const prefix of [2, 3]) {
    const cand = decodePoint(Uint8Array.of(prefix, ...xBytes));
    const s = addPoints(cand, c1);
    if (s && s.x === xSum) return cand;
  }
  throw new Error('cannot recover k·P');
}

/** Encrypts `message` for the SM2 public key in `recipientSpki` (DER SubjectPublicKeyInfo). */
export function sm2Encrypt(recipientSpki: Uint8Array, message: Uint8Array): Uint8Array {
  const pb = decodePoint(importSm2PublicKey(recipientSpki));
  for (;;) {
    const k = randomK();
    const e = createECDH('SM2');
    e.setPrivateKey(bigIntToBytes(k));
    const c1 = decodePoint(new Uint8Array(e.getPublicKey()));
    const p2 = multiply(k, pb, c1);
    const x2 = bigIntToBytes(p2.x);
    const y2 = bigIntToBytes(p2.y);
    const t = kdf(Buffer.concat([x2, y2]), message.length);
    if (t.every((b) => b === 0)) continue; // GB/T 32918.4 A5: retry with a new k
    const c2 = Buffer.from(message.map((b, i) => b ^ t[i]!));
    const c3 = createHash('sm3').update(x2).update(message).update(y2).digest();
    return sequence(unsignedInteger(bigIntToBytes(c1.x)), unsignedInteger(bigIntToBytes(c1.y)), octetString(c3), octetString(c2));
  }
}
