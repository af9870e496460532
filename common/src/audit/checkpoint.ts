import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A signed statement "the chain had head <hash> at <seq>": rewriting history then needs the signing key too. */
export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  signature: string;
}

/**
 * Signs and verifies checkpoint messages. Injectable so a trail can use a file key (default), an HSM or
 * an SM2 signer; `keyId` identifies the verification key (SHA-256 of its SPKI for the file signer).
 */
export interface CheckpointSigner {
  readonly keyId: string;
  sign(message: Buffer): string;
  verify(message: Buffer, signature: string, keyId: string): boolean;
}

/**
 * The signed bytes. `domain` separates trails (the RA's is `emsoc-ra-audit-checkpoint`, which keeps its
 * existing checkpoints valid when it moves onto this module).
 */
export function checkpointMessage(domain: string, c: Pick<Checkpoint, 'seq' | 'hash' | 'at'>): Buffer {
  return Buffer.from(`${domain}\n${c.seq}\n${c.hash}\n${c.at}`);
}

export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** Signer over a Node key object (ECDSA P-256/P-384, Ed25519...). */
export function keySigner(privateKey: KeyObject): CheckpointSigner {
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  const digest = privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  return {
    keyId,
    sign: (message) => sign(digest, message, privateKey).toString('base64'),
    verify: (message, signature, id) => {
      if (id !== keyId) return false;
      try {
        return verify(digest, message, publicKey, Buffer.from(signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

/**
 * An ECDSA P-256 checkpoint key kept as `<dir>/<stem>-key.pem` (0600) and `<stem>-pub.pem`, created on
 * first use. The public half can be handed to auditors to check checkpoints offline.
 */
export function fileKeySigner(dir: string, stem = 'audit-signing'): CheckpointSigner {
  const keyFile = path.join(dir, `${stem}-key.pem`);
  const pubFile = path.join(dir, `${stem}-pub.pem`);
  if (!fs.existsSync(keyFile)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    try {
      fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600, flag: 'wx' });
      fs.writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }) as string, { mode: 0o644 });
    } catch (e) {
      // Another process created it first: use theirs.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return keySigner(createPrivateKey(fs.readFileSync(keyFile, 'utf8')));
}
