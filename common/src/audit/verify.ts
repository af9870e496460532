import { GENESIS_HASH, recordHash, type AuditRecord } from './chain.js';
import { checkpointMessage, type Checkpoint, type CheckpointSigner } from './checkpoint.js';

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
  /** First sequence number where the chain is broken. */
  brokenAt?: number;
  problems: VerifyProblem[];
}

/**
 * Walks records in stored order: sequence numbers must be contiguous from 1 (deletion), each hash must
 * match its content (modification) and link to the previous one (reordering, insertion); every
 * checkpoint must be validly signed and agree with the record at its sequence (rewriting the whole chain
 * after the fact); and the chain may not end before the last checkpoint (truncation).
 */
export async function verifyRecords(
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  checkpoints: readonly Checkpoint[],
  signer: Pick<CheckpointSigner, 'verify'>,
  domain: string,
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
    if (!signer.verify(checkpointMessage(domain, c), c.signature, c.keyId)) add(c.seq, 'checkpoint signature invalid');
    if (c.seq > prev.seq) add(c.seq, `chain ends at ${prev.seq} before checkpoint ${c.seq} (truncated)`);
  }
  const brokenAt = problems.length ? Math.min(...problems.map((p) => p.seq)) : undefined;
  return {
    ok: problems.length === 0,
    records: count,
    checkpoints: checkpoints.length,
    lastSeq: prev.seq,
    headHash: prev.hash,
    ...(brokenAt !== undefined ? { brokenAt } : {}),
    problems,
  };
}
