import { sign, verify, type KeyObject } from 'node:crypto';
import { checkpointMessage as domainMessage, GENESIS_HASH, keyIdOf, recordHash, type AuditRecord, type Checkpoint } from '@emsoc/common/audit';

// The hash-chain rules (record shape, canonical JSON, hashing, chaining) are the platform's shared ones;
// the RA adds its checkpoint signing and the offline verification below.
export { canonicalJson, chainRecord, GENESIS_HASH, keyIdOf, recordHash, type AuditDraft, type AuditRecord, type Checkpoint } from '@emsoc/common/audit';

const checkpointMessage = (c: Pick<Checkpoint, 'seq' | 'hash' | 'at'>): Buffer => domainMessage('emsoc-ra-audit-checkpoint', c);

export function signCheckpoint(key: KeyObject, seq: number, hash: string, at: string): Checkpoint {
  const signature = sign('sha256', checkpointMessage({ seq, hash, at }), key).toString('base64');
  return { seq, hash, at, keyId: keyIdOf(key), signature };
}

export function checkpointValid(pub: KeyObject, c: Checkpoint): boolean {
  if (c.keyId !== keyIdOf(pub)) return false;
  try {
    return verify('sha256', checkpointMessage(c), pub, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

export interface VerifyProblem {
  seq: number;
  problem: string;
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  checkpoints: number;
  lastSeq: number;
  headHash: string;
  problems: VerifyProblem[];
}

/**
 * Walks records in stored order: sequence numbers must be contiguous from 1 (deletion), each hash must
 * match its content (modification) and link to the previous one (reordering, insertion); every
 * checkpoint must be validly signed and agree with the record at its sequence (rewriting the whole
 * chain after the fact); and the chain may not end before the last checkpoint (truncation).
 */
export async function verifyChain(
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  checkpoints: Checkpoint[],
  pub: KeyObject,
  maxProblems = 100,
): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const bySeq = new Map(checkpoints.map((c) => [c.seq, c]));
  let prev = { seq: 0, hash: GENESIS_HASH };
  let count = 0;
  const add = (seq: number, problem: string) => {
    if (problems.length < maxProblems) problems.push({ seq, problem });
  };
  for await (const r of records) {
    count++;
    if (r.seq !== prev.seq + 1) add(r.seq, r.seq > prev.seq + 1 ? `records ${prev.seq + 1}..${r.seq - 1} missing` : `out of order after ${prev.seq}`);
    if (r.prevHash !== prev.hash) add(r.seq, 'previous-hash link broken');
    const { hash, ...rest } = r;
    if (recordHash(rest) !== hash) add(r.seq, 'content does not match its hash (modified)');
    const cp = bySeq.get(r.seq);
    if (cp && cp.hash !== r.hash) add(r.seq, 'differs from the signed checkpoint');
    prev = { seq: r.seq, hash: r.hash };
  }
  for (const c of checkpoints) {
    if (!checkpointValid(pub, c)) add(c.seq, 'checkpoint signature invalid');
    if (c.seq > prev.seq) add(c.seq, `chain ends at ${prev.seq} before checkpoint ${c.seq} (truncated)`);
  }
  return { ok: problems.length === 0, records: count, checkpoints: checkpoints.length, lastSeq: prev.seq, headHash: prev.hash, problems };
}
