/** `Signer` implementations over Node KeyObjects: ECDSA P-256/P-384 and RSA PKCS#1 v1.5. */
import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { algorithmIdentifier } from './der/index.js';
import type { Signer } from './signer.js';
import { OID } from './x509/oids.js';

export class SignerError extends Error {
  override name = 'SignerError';
}

export interface KeySigner extends Signer {
  readonly keyType: 'ec' | 'rsa';
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly privateKey: KeyObject;
}

const ECDSA_OIDS = { sha256: OID.ecdsaWithSha256, sha384: OID.ecdsaWithSha384, sha512: OID.ecdsaWithSha512 };
const RSA_OIDS = { sha256: OID.sha256WithRSA, sha384: OID.sha384WithRSA, sha512: OID.sha512WithRSA };

/**
 * Signer for a private KeyObject. ECDSA picks the hash matching the curve (P-256 → SHA-256,
 * P-384 → SHA-384) and emits DER Ecdsa-Sig-Value; RSA uses PKCS#1 v1.5 with SHA-256 by default.
 */
export function createKeySigner(privateKey: KeyObject, options: { hash?: 'sha256' | 'sha384' | 'sha512' } = {}): KeySigner {
  if (privateKey.type !== 'private') throw new SignerError('a private key is required');
  const publicKeyInfo = new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
  const kt = privateKey.asymmetricKeyType;
  if (kt === 'ec') {
    const curve = privateKey.asymmetricKeyDetails?.namedCurve;
    const defaultHash = curve === 'prime256v1' ? 'sha256' : curve === 'secp384r1' ? 'sha384' : undefined;
    if (!defaultHash) throw new SignerError(`unsupported EC curve ${curve ?? '?'} (P-256 and P-384 only)`);
    const hash = options.hash ?? defaultHash;
    // RFC 5758: ecdsa-with-SHA* AlgorithmIdentifiers have absent parameters.
    const algId = algorithmIdentifier(ECDSA_OIDS[hash]);
    return {
      keyType: 'ec',
      hash,
      privateKey,
      algorithmIdentifier: algId,
      publicKeyInfo,
      sign: (data) => sign(hash, data, { key: privateKey, dsaEncoding: 'der' }),
    };
  }
  if (kt === 'rsa') {
    const hash = options.hash ?? 'sha256';
    // RFC 4055: sha*WithRSAEncryption parameters are an explicit NULL.
    const algId = algorithmIdentifier(RSA_OIDS[hash], null);
    return {
      keyType: 'rsa',
      hash,
      privateKey,
      algorithmIdentifier: algId,
      publicKeyInfo,
      sign: (data) => sign(hash, data, privateKey),
    };
  }
  throw new SignerError(`unsupported key type ${kt ?? '?'}`);
}
