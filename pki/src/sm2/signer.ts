/** SM2-with-SM3 as the platform's `Signer` / `SignatureVerifier` (GM/T 0003, 0009, 0015). */
import { algorithmIdentifier, DerDecodeError, readInteger, readSingle, sequence, SeqReader, unsignedInteger } from '../der/index.js';
import type { Signer, SignatureVerifier } from '../signer.js';
import { bigIntToBytes, OID_SM2_WITH_SM3 } from './curve.js';
import { exportSm2PublicKeyDer, importSm2PublicKey, type Sm2KeyPair } from './keys.js';
import { prepareSigningKey, signDigest, verifyDigest, type Sm2RawSignature } from './sign.js';
import { computeZa, messageDigest, toUserId } from './za.js';

/** GM/T 0015 writes the SM2-with-SM3 AlgorithmIdentifier without parameters, as OpenSSL does. */
export const SM2_WITH_SM3_ALGORITHM = algorithmIdentifier(OID_SM2_WITH_SM3);

export function encodeSm2Signature(sig: Sm2RawSignature): Uint8Array {
  return sequence(unsignedInteger(bigIntToBytes(sig.r)), unsignedInteger(bigIntToBytes(sig.s)));
}

/** DER SEQUENCE { r INTEGER, s INTEGER } → (r, s); null when malformed. */
export function decodeSm2Signature(der: Uint8Array): Sm2RawSignature | null {
  try {
    const rd = new SeqReader(readSingle(der, 0x30));
    const r = readInteger(rd.next(0x02));
    const s = readInteger(rd.next(0x02));
    rd.end();
    return { r, s };
  } catch (e) {
    if (e instanceof DerDecodeError) return null;
    throw e;
  }
}

export interface Sm2Options {
  /** Signer identity for ZA; default "1234567812345678" (GM/T 0009). */
  userId?: Uint8Array | string;
}

export class Sm2Signer implements Signer {
  readonly algorithmIdentifier = SM2_WITH_SM3_ALGORITHM;
  readonly publicKeyInfo: Uint8Array;
  private readonly key;
  /** ZA depends only on the key and ID, so it is hashed once. */
  private readonly za: Uint8Array;

  constructor(keyPair: Sm2KeyPair, options: Sm2Options = {}) {
    this.key = prepareSigningKey(keyPair.privateKey);
    this.publicKeyInfo = exportSm2PublicKeyDer(keyPair.publicKey);
    this.za = computeZa(keyPair.publicKey, toUserId(options.userId));
  }

  sign(data: Uint8Array): Uint8Array {
    return encodeSm2Signature(signDigest(this.key, messageDigest(this.za, data)));
  }
}

export class Sm2Verifier implements SignatureVerifier {
  readonly algorithms = [OID_SM2_WITH_SM3] as const;
  private readonly userId: Uint8Array;

  constructor(options: Sm2Options = {}) {
    this.userId = toUserId(options.userId);
  }

  /** False for any malformed key, signature or foreign algorithm; never throws on bad input. */
  verify(input: { algorithmOid: string; publicKeyInfo: Uint8Array; data: Uint8Array; signature: Uint8Array }): boolean {
    if (input.algorithmOid !== OID_SM2_WITH_SM3) return false;
    const sig = decodeSm2Signature(input.signature);
    if (!sig) return false;
    let publicKey: Uint8Array;
    try {
      publicKey = importSm2PublicKey(input.publicKeyInfo);
    } catch {
      return false;
    }
    return verifyDigest(publicKey, messageDigest(computeZa(publicKey, this.userId), input.data), sig);
  }
}

export const sm2Verifier: SignatureVerifier = new Sm2Verifier();
