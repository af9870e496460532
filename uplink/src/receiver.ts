/**
 * The receiving tier: POST /api/v1/uplink/reports. Each signed message is checked in this order, and the
 * first failure refuses it with a reason code (and is audited):
 *   unsigned / bad_jws → untrusted_certificate → bad_signature (tampered) → schema_invalid →
 *   unit_mismatch → unregistered_unit / certificate_not_registered → certificate_revoked /
 *   certificate_status_unknown → duplicate (id already accepted) / replay (sequence not above the last) →
 *   accepted: stored in the `reports` dataset, audited, remembered for deduplication.
 * `retryable` tells the sender whether keeping the message makes sense (fixable registration or status
 * problems) or not (tampering, revocation, replay).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { X509Certificate } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { counter } from '@emsoc/common/metrics';
import type { EventStore, StoredDocument } from '@emsoc/event-store/contract';
import type { UplinkAudit } from './audit.js';
import { canonicalBytes } from './canonical-json.js';
import type { CertificateStatusCheck } from './cert-status.js';
import { JwsError, parseDetachedJws, verifyDetached } from './jws.js';
import type { UplinkMessage } from './message.js';
import { schemas } from './schemas.js';
import type { ItemResult } from './sender.js';
import { ChainVerifier, TrustError, type VerifiedSigner } from './trust.js';
import { reportDocument } from './report-document.js';

const outcomes = counter('emsoc_uplink_received_total', 'Uplink messages received, by outcome code', ['code']);

export interface RegisteredUnit {
  id: string;
  name?: string;
  /** SHA-256 of the DER certificate, hex; when given, only these certificates may sign for the unit. */
  fingerprints?: string[];
}

export interface ReceiverOptions {
  dataDir: string;
  store: EventStore;
  audit: UplinkAudit;
  logger: Logger;
  trustAnchors: () => X509Certificate[];
  units: () => RegisteredUnit[];
  certificateStatus: CertificateStatusCheck;
  now?: () => number;
}

export interface PeerInfo {
  ip: string | null;
  /** Subject CN of the verified TLS client certificate, if any. */
  tlsUnit?: string;
}

class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const HTTP_STATUS: Record<string, number> = {
  malformed: 400,
  unsigned: 400,
  bad_jws: 400,
  schema_invalid: 400,
  bad_signature: 403,
  untrusted_certificate: 403,
  unit_mismatch: 403,
  unregistered_unit: 403,
  certificate_not_registered: 403,
  certificate_revoked: 403,
  certificate_status_unknown: 403,
  duplicate: 409,
  replay: 409,
  store_unavailable: 503,
};

/** A single message's answer carries its outcome in the HTTP status too (a batch answers 200 with per-item results). */
function httpStatusOf(r: ItemResult): number {
  if (r.status === 'accepted') return 201;
  return HTTP_STATUS[r.code ?? ''] ?? 400;
}

const str = (v: unknown, max = 200) => (typeof v === 'string' ? v.slice(0, max) : undefined);

export class ReportReceiver {
  private readonly db: Database.Database;
  private readonly chains: ChainVerifier;
  private readonly now: () => number;

  constructor(private readonly o: ReceiverOptions) {
    const dir = path.join(o.dataDir, 'uplink');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.db = new Database(path.join(dir, 'receiver.db'));
    this.db.pragma('journal_mode = WAL');
    // NORMAL (not FULL): this table only deduplicates. Losing its last commit in a power cut makes a resend
    // look new, and the resend overwrites the same document id in the store: still stored once.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS received (id TEXT PRIMARY KEY, unit TEXT NOT NULL, seq INTEGER NOT NULL, schema TEXT NOT NULL, received_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS units (unit TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, last_at TEXT NOT NULL, fingerprint TEXT NOT NULL);
    `);
    this.now = o.now ?? Date.now;
    this.chains = new ChainVerifier(o.trustAnchors, this.now);
    this.sql = {
      seen: this.db.prepare('SELECT seq, received_at FROM received WHERE id = ?'),
      lastSeq: this.db.prepare('SELECT last_seq FROM units WHERE unit = ?').pluck(),
      insert: this.db.prepare('INSERT OR IGNORE INTO received (id, unit, seq, schema, received_at) VALUES (?, ?, ?, ?, ?)'),
      upsertUnit: this.db.prepare(
        'INSERT INTO units (unit, last_seq, last_at, fingerprint) VALUES (?, ?, ?, ?) ON CONFLICT(unit) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq), last_at = excluded.last_at, fingerprint = excluded.fingerprint',
      ),
    };
  }

  private readonly sql: Record<'seen' | 'lastSeq' | 'insert' | 'upsertUnit', Database.Statement>;

  /** Handles a request body (one signed message or `{reports: [...]}`); answers per item, in order. */
  async receive(body: unknown, peer: PeerInfo): Promise<{ status: number; results: ItemResult[]; error?: string }> {
    const items = this.items(body);
    if ('error' in items) {
      this.refusedAudit(undefined, undefined, peer, new Refusal(items.code, items.error, false));
      await this.o.audit.flush();
      return { status: 400, results: [], error: items.error };
    }
    const results: ItemResult[] = [];
    const accepted: StoredDocument[] = [];
    const pendingState: { id: string; unit: string; seq: number; schema: string; fingerprint: string }[] = [];
    let blocked = false;
    for (const item of items.list) {
      if (blocked) {
        results.push({ id: str((item as { message?: { id?: unknown } })?.message?.id) ?? '', status: 'skipped', retryable: true, reason: 'an earlier message of the batch must be retried first' });
        continue;
      }
      const r = await this.check(item, peer, pendingState);
      if ('refusal' in r) {
        results.push(r.result);
        this.refusedAudit(r.message, r.signer, peer, r.refusal);
        outcomes.inc({ code: r.refusal.code });
        if (r.refusal.retryable) blocked = true;
        continue;
      }
      accepted.push(reportDocument(r.message, r.signer, item as object, new Date(this.now())));
      pendingState.push({ id: r.message.id, unit: r.message.unit.id, seq: r.message.seq, schema: r.message.schema, fingerprint: r.signer.fingerprint });
      results.push({ id: r.message.id, seq: r.message.seq, status: 'accepted' });
    }
    if (accepted.length) {
      // Store first, then remember: a crash in between makes the sender resend, and the same
      // document id overwrites (never duplicates) in the store.
      const res = await this.o.store.bulk('reports', accepted);
      const failed = new Set(res.failed.map((f) => f.id));
      let cut = pendingState.findIndex((p) => failed.has(p.id));
      if (cut < 0) cut = pendingState.length;
      this.remember(pendingState.slice(0, cut));
      await this.o.store.refresh('reports');
      const stored = pendingState.slice(0, cut);
      for (let i = cut; i < pendingState.length; i++) {
        const p = pendingState[i]!;
        const result = results.find((x) => x.id === p.id && x.status === 'accepted')!;
        // The first unstored item is refused (retry); those after it are skipped to keep the order.
        if (i === cut) Object.assign(result, { status: 'refused', code: 'store_unavailable', reason: 'the report store refused the write; retry', retryable: true });
        else Object.assign(result, { status: 'skipped', retryable: true, reason: 'an earlier message of the batch must be retried first' });
        outcomes.inc({ code: 'store_unavailable' });
      }
      // One audit record per request and unit, naming every accepted message (one hash-chain append, one
      // fsync, instead of one per message: catch-up batches stay fast).
      for (const unitId of new Set(stored.map((p) => p.unit))) {
        const mine = stored.filter((p) => p.unit === unitId);
        outcomes.inc({ code: 'accepted' }, mine.length);
        this.o.audit.record({
          eventType: 'uplink.report.accepted',
          objectType: mine.length === 1 ? 'report' : 'report-batch',
          objectId: mine[0]!.id,
          outcome: 'success',
          actor: { id: unitId, name: unitId, roles: ['reporting-unit'], sourceIp: peer.ip },
          details: { unit: unitId, certificate: mine[0]!.fingerprint, reports: mine.map((p) => ({ id: p.id, seq: p.seq, schema: p.schema })) },
        });
      }
    }
    await this.o.audit.flush();
    return { status: items.list.length === 1 && !('reports' in (body as object)) ? httpStatusOf(results[0]!) : 200, results };
  }

  private items(body: unknown): { list: unknown[] } | { error: string; code: string } {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return { error: 'body must be a signed message or {reports: [...]}', code: 'malformed' };
    const list = 'reports' in body ? (body as { reports: unknown }).reports : [body];
    if (!Array.isArray(list) || list.length === 0 || list.length > 500) return { error: 'reports must be an array of 1 to 500 signed messages', code: 'malformed' };
    return { list };
  }

  private async check(
    item: unknown,
    peer: PeerInfo,
    batchState: { id: string; unit: string; seq: number }[],
  ): Promise<{ message: UplinkMessage; signer: VerifiedSigner } | { refusal: Refusal; result: ItemResult; message?: unknown; signer?: VerifiedSigner }> {
    const it = item as { message?: unknown; signature?: unknown } | null;
    const message = it && typeof it === 'object' ? it.message : undefined;
    const id = str((message as { id?: unknown } | undefined)?.id) ?? '';
    const refuse = (code: string, reason: string, retryable: boolean, signer?: VerifiedSigner) => ({
      refusal: new Refusal(code, reason, retryable),
      result: { id, status: 'refused' as const, code, reason, retryable },
      message,
      ...(signer ? { signer } : {}),
    });
    if (!it || typeof it !== 'object' || message === null || typeof message !== 'object' || Array.isArray(message)) return refuse('malformed', 'item must be {message, signature}', false);
    if (it.signature === undefined || it.signature === null || it.signature === '') return refuse('unsigned', 'message is not signed', false);
    const shape = schemas().envelope(it);
    if (shape.length) return refuse('malformed', `envelope: ${shape.map((i) => `${i.path} ${i.message}`).join('; ')}`, false);
    let jws;
    try {
      jws = parseDetachedJws(it.signature);
    } catch (e) {
      return refuse('bad_jws', (e as JwsError).message, false);
    }
    let signer: VerifiedSigner;
    try {
      signer = this.chains.verify(jws.chain);
    } catch (e) {
      if (e instanceof TrustError) return refuse('untrusted_certificate', e.message, true);
      throw e;
    }
    let payload: Buffer;
    try {
      payload = canonicalBytes(message);
    } catch (e) {
      return refuse('malformed', `message cannot be canonicalised: ${(e as Error).message}`, false, signer);
    }
    if (!verifyDetached(jws, payload, signer.leaf.publicKey)) return refuse('bad_signature', 'signature does not match the message (altered in transit or signed by another key)', false, signer);
    const issues = schemas().message(message);
    if (issues.length) return refuse('schema_invalid', issues.map((i) => `${i.path} ${i.message}`).join('; '), false, signer);
    const m = message as UplinkMessage;
    if (m.unit.id !== signer.unitId) return refuse('unit_mismatch', `message names unit ${m.unit.id} but is signed by ${signer.unitId}`, false, signer);
    if (peer.tlsUnit !== undefined && peer.tlsUnit !== signer.unitId) {
      // A relay is not part of this protocol: the TLS client and the signer are the same unit.
      return refuse('unit_mismatch', `TLS client ${peer.tlsUnit} may not deliver reports signed by ${signer.unitId}`, false, signer);
    }
    const unit = this.o.units().find((u) => u.id === signer.unitId);
    if (!unit) return refuse('unregistered_unit', `unit ${signer.unitId} is not registered at this tier`, true, signer);
    if (unit.fingerprints?.length && !unit.fingerprints.map((f) => f.replace(/:/g, '').toLowerCase()).includes(signer.fingerprint)) {
      return refuse('certificate_not_registered', `certificate ${signer.fingerprint} is not registered for unit ${unit.id}`, true, signer);
    }
    const status = await this.o.certificateStatus(signer.leaf.raw);
    if (status === 'revoked') return refuse('certificate_revoked', `certificate of unit ${unit.id} is revoked`, false, signer);
    if (status !== 'good') return refuse('certificate_status_unknown', `revocation status of the certificate of unit ${unit.id} cannot be established`, true, signer);
    const seen = this.sql.seen.get(m.id) as { seq: number; received_at: string } | undefined;
    if (seen || batchState.some((b) => b.id === m.id)) {
      return { refusal: new Refusal('duplicate', 'message id already accepted', false), result: { id: m.id, seq: m.seq, status: 'duplicate', code: 'duplicate', reason: `message ${m.id} was already accepted${seen ? ` at ${seen.received_at}` : ''}` }, message, signer };
    }
    const inBatch = batchState.filter((b) => b.unit === m.unit.id).map((b) => b.seq);
    const last = Math.max((this.sql.lastSeq.get(m.unit.id) as number | undefined) ?? 0, ...inBatch);
    if (m.seq <= last) return refuse('replay', `sequence ${m.seq} is not above the last accepted ${last} of unit ${m.unit.id}`, false, signer);
    return { message: m, signer };
  }

  private remember(list: { id: string; unit: string; seq: number; schema: string; fingerprint: string }[]): void {
    if (!list.length) return;
    const at = new Date(this.now()).toISOString();
    this.db.transaction(() => {
      for (const p of list) {
        this.sql.insert.run(p.id, p.unit, p.seq, p.schema, at);
        this.sql.upsertUnit.run(p.unit, p.seq, at, p.fingerprint);
      }
    })();
  }

  private refusedAudit(message: unknown, signer: VerifiedSigner | undefined, peer: PeerInfo, r: Refusal): void {
    const m = (message ?? {}) as { id?: unknown; seq?: unknown; unit?: { id?: unknown }; schema?: unknown };
    const claimed = str(m.unit?.id, 64);
    const who = signer?.unitId ?? peer.tlsUnit ?? claimed ?? 'unknown';
    this.o.logger.warn({ code: r.code, reason: r.message, unit: who, id: str(m.id) }, 'uplink message refused');
    this.o.audit.record({
      eventType: r.code === 'duplicate' ? 'uplink.report.duplicate' : 'uplink.report.refused',
      objectType: 'report',
      objectId: str(m.id) ?? 'unknown',
      outcome: 'failure',
      actor: { id: who, name: who, roles: ['reporting-unit'], sourceIp: peer.ip },
      details: {
        code: r.code,
        reason: r.message,
        retryable: r.retryable,
        ...(claimed ? { claimedUnit: claimed } : {}),
        ...(typeof m.seq === 'number' ? { seq: m.seq } : {}),
        ...(typeof m.schema === 'string' ? { schema: m.schema.slice(0, 64) } : {}),
        ...(signer ? { certificate: signer.fingerprint } : {}),
      },
    });
  }

  /** Audits a request refused before any message was looked at (e.g. no client certificate). */
  async refuseConnection(peer: PeerInfo, code: string, reason: string): Promise<void> {
    outcomes.inc({ code });
    this.refusedAudit(undefined, undefined, peer, new Refusal(code, reason, true));
    await this.o.audit.flush();
  }

  /** Per-unit reception state (last sequence, when, which certificate). */
  unitsState(): { unit: string; lastSeq: number; lastAt: string; fingerprint: string }[] {
    return (this.db.prepare('SELECT unit, last_seq AS lastSeq, last_at AS lastAt, fingerprint FROM units ORDER BY unit').all() as { unit: string; lastSeq: number; lastAt: string; fingerprint: string }[]);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

