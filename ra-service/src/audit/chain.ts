import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Actor } from '../model.js';

/** What a caller hands the repository; sequence, time and hashes are assigned when it is appended. */
export interface AuditDraft {
  /** e.g. request.submitted, request.approved, certificate.issued, certificate.revoked, access.denied */
  eventType: string;
  objectType: 'request' | 'certificate' | 'subject' | 'audit' | 'crl' | 'access';
  objectId: string;
  outcome: 'success' | 'failure';
  actor: Actor;
  details?: Record<string, unknown>;
}

/** One stored record: the MLPS 2.0 fields (time, actor, role, source, event, object, outcome) plus the chain. */
export interface AuditRecord {
  seq: number;
  at: string;
  actorId: string;
  actorName: string;
  actorRoles: string;
  sourceIp: string | null;
  eventType: string;
  objectType: string;
  objectId: string;
  outcome: 'success' | 'failure';
  /** Canonical JSON exactly as hashed. */
  details: string;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with sorted keys so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash covers every field and the previous hash, so editing, deleting or reordering breaks the chain. */
export function recordHash(r: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256')
    .update(
      canonicalJson([r.seq, r.at, r.actorId, r.actorName, r.actorRoles, r.sourceIp, r.eventType, r.objectType, r.objectId, r.outcome, r.details, r.prevHash]),
    )
    .digest('hex');
}

export function chainRecord(prev: { seq: number; hash: string }, draft: AuditDraft, at: string): AuditRecord {
  const base = {
    seq: prev.seq + 1,
    at,
    actorId: draft.actor.id,
    actorName: draft.actor.name,
    actorRoles: draft.actor.roles.join(','),
    sourceIp: draft.actor.sourceIp,
    eventType: draft.eventType,
    objectType: draft.objectType,
    objectId: draft.objectId,
    outcome: draft.outcome,
    details: canonicalJson(draft.details ?? {}),
    prevHash: prev.hash,
  };
  return { ...base, hash: recordHash(base) };
}

export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  signature: string;
}

function checkpointMessage(c: Pick<Checkpoint, 'seq' | 'hash' | 'at'>): Buffer {
  return Buffer.from(`emsoc-ra-audit-checkpoint\n${c.seq}\n${c.hash}\n${c.at}`);
}

export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

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
