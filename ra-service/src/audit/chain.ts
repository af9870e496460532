import { sign, verify, type KeyObject } from 'node:crypto';
import { checkpointMessage as domainMessage, keyIdOf, verifyRecords, type AuditRecord, type Checkpoint, type CheckpointSigner, type VerifyReport } from '@emsoc/common/audit';

// The hash-chain rules (record shape, canonical JSON, hashing, chaining) are the platform's shared ones;
// the RA adds its checkpoint signing and the offline verification below.
export { canonicalJson, chainRecord, GENESIS_HASH, keyIdOf, recordHash, type AuditDraft, type AuditRecord, type Checkpoint, type VerifyProblem, type VerifyReport } from '@emsoc/common/audit';

const RA_CHECKPOINT_DOMAIN = 'emsoc-ra-audit-checkpoint';

const checkpointMessage = (c: Pick<Checkpoint, 'seq' | 'hash' | 'at'>): Buffer => domainMessage(RA_CHECKPOINT_DOMAIN, c);

export function signCheckpoint(key: KeyObject, seq: number, hash: string, at: string): Checkpoint {
  const signature = sign('sha256', checkpointMessage({ seq, hash, at }), key).toString('base64');
  return { seq, hash, at, keyId: keyIdOf(key), signature };
}

/** Verify-only view of the RA's audit public key, in the shape the shared verifier takes. */
function publicKeyVerifier(pub: KeyObject): Pick<CheckpointSigner, 'verify'> {
  const keyId = keyIdOf(pub);
  return {
    verify: (message, signature, id) => {
      if (id !== keyId) return false;
      try {
        return verify('sha256', message, pub, Buffer.from(signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

export function checkpointValid(pub: KeyObject, c: Checkpoint): boolean {
  return publicKeyVerifier(pub).verify(checkpointMessage(c), c.signature, c.keyId);
}

/** Detects modification, deletion, reordering and truncation with the platform's shared verifier. */
export function verifyChain(
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  checkpoints: Checkpoint[],
  pub: KeyObject,
  maxProblems = 100,
): Promise<VerifyReport> {
  return verifyRecords(records, checkpoints, publicKeyVerifier(pub), RA_CHECKPOINT_DOMAIN, maxProblems);
}
