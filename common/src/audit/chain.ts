import { createHash } from 'node:crypto';

/**
 * The hash-chain rules shared by every audit trail of the platform (console, RA). They are the RA's
 * original rules (ra-service/src/audit/chain.ts) unchanged, so the RA can move onto this module without
 * re-hashing its history: same canonical JSON, same field order in the hash, same genesis value.
 */

/** Who did it, as an audit record names them (MLPS 2.0: actor, role, source address). */
export interface AuditActor {
  id: string;
  name: string;
  roles: readonly string[];
  sourceIp: string | null;
}

/** What a caller appends; sequence, time and hashes are assigned by the trail. */
export interface AuditDraft {
  /** e.g. session.login, search.executed, incident.updated, rule.disabled */
  eventType: string;
  objectType: string;
  objectId: string;
  outcome: 'success' | 'failure';
  actor: AuditActor;
  details?: Record<string, unknown>;
}

/** One stored record: time, actor, role, source address, event type, object, outcome, plus the chain. */
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
