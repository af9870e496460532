/**
 * Key-management role (KMC) of the embedded CA for dual certificates (signing + encryption): it
 * generates the encryption key pair (SM2), archives the private key sealed with AES-256-GCM under
 * the KMC master key (`<dataDir>/kmc/master.key`, 32 random bytes, mode 0600; the certificate serial
 * is the associated data, so a sealed key cannot be swapped onto another certificate), and hands it
 * to the subject enveloped for their signing key. Recovery of an archived key is a `recover` request
 * with dual control and audit (src/workflow/key-recovery.ts).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportSm2PrivateKeyDer, exportSm2PublicKeyDer, generateSm2KeyPair } from '@emsoc/pki';
import { sm2Encrypt } from './sm2-envelope.js';

export class KmcError extends Error {
  override name = 'KmcError';
}

export interface EncryptionKey {
  /** DER SubjectPublicKeyInfo for the encryption certificate. */
  publicKeyInfo: Uint8Array;
  /** PKCS#8 of the private key (in memory only until sealed/enveloped). */
  privateKeyPkcs8: Uint8Array;
}

const SEAL_VERSION = 1;

export class Kmc {
  private constructor(private readonly master: Buffer) {}

  /** Loads the master key, creating it (mode 0600) on first use. */
  static open(dataDir: string): Kmc {
    const dir = path.join(dataDir, 'kmc');
    const file = path.join(dir, 'master.key');
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      try {
        writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      chmodSync(file, 0o600);
    }
    if (statSync(file).mode & 0o077) throw new KmcError(`${file} is accessible by group/others; chmod 600 it`);
    const master = readFileSync(file);
    if (master.length !== 32) throw new KmcError(`${file} must hold exactly 32 bytes`);
    return new Kmc(master);
  }

  generateEncryptionKey(): EncryptionKey {
    const pair = generateSm2KeyPair();
    return { publicKeyInfo: exportSm2PublicKeyDer(pair.publicKey), privateKeyPkcs8: exportSm2PrivateKeyDer(pair) };
  }

  /** version(1) || nonce(12) || tag(16) || AES-256-GCM(pkcs8), bound to the certificate serial. */
  seal(privateKeyPkcs8: Uint8Array, serial: string): Uint8Array {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.master, nonce);
    c.setAAD(Buffer.from(`emsoc-kmc:${serial.toLowerCase()}`));
    const body = Buffer.concat([c.update(privateKeyPkcs8), c.final()]);
    return new Uint8Array(Buffer.concat([Buffer.of(SEAL_VERSION), nonce, c.getAuthTag(), body]));
  }

  unseal(sealed: Uint8Array, serial: string): Uint8Array {
    const b = Buffer.from(sealed);
    if (b.length < 29 || b[0] !== SEAL_VERSION) throw new KmcError('not a sealed KMC key');
    const d = createDecipheriv('aes-256-gcm', this.master, b.subarray(1, 13));
    d.setAAD(Buffer.from(`emsoc-kmc:${serial.toLowerCase()}`));
    d.setAuthTag(b.subarray(13, 29));
    try {
      return new Uint8Array(Buffer.concat([d.update(b.subarray(29)), d.final()]));
    } catch {
      throw new KmcError('sealed key does not authenticate (wrong master key, wrong certificate, or tampered)');
    }
  }

  /** The private key enveloped for the subject's SM2 signing public key (GM/T 0009 SM2Cipher). */
  envelope(privateKeyPkcs8: Uint8Array, signingPublicKeyInfo: Uint8Array): Uint8Array {
    return sm2Encrypt(signingPublicKeyInfo, privateKeyPkcs8);
  }
}
