import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { chainRecord, GENESIS_HASH, type AuditDraft, type AuditRecord } from './chain.js';
import { checkpointMessage, type Checkpoint, type CheckpointSigner } from './checkpoint.js';
import { verifyRecords, type VerifyReport } from './verify.js';

export interface AuditTrailOptions {
  /** SQLite file (WAL; several processes may append, each append takes the write lock). */
  file: string;
  signer: CheckpointSigner;
  /** Domain string of the checkpoint signatures, e.g. `emsoc-console-audit-checkpoint`. */
  domain: string;
  /** Sign a checkpoint after this many new records (default 100) ... */
  checkpointEvery?: number;
  /** ... or this often when there is news (default 60 s; 0 disables the timer). */
  checkpointMs?: number;
  now?: () => Date;
}

export interface AuditQuery {
  afterSeq?: number;
  from?: Date;
  to?: Date;
  limit?: number;
  order?: 'asc' | 'desc';
}

interface RecordRow {
  seq: number;
  at: string;
  actor_id: string;
  actor_name: string;
  actor_roles: string;
  source_ip: string | null;
  event_type: string;
  object_type: string;
  object_id: string;
  outcome: 'success' | 'failure';
  details: string;
  prev_hash: string;
  hash: string;
}

const toRecord = (r: RecordRow): AuditRecord => ({
  seq: r.seq,
  at: r.at,
  actorId: r.actor_id,
  actorName: r.actor_name,
  actorRoles: r.actor_roles,
  sourceIp: r.source_ip,
  eventType: r.event_type,
  objectType: r.object_type,
  objectId: r.object_id,
  outcome: r.outcome,
  details: r.details,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/**
 * An append-only, hash-chained audit trail in SQLite with periodic signed checkpoints. The table has
 * triggers refusing UPDATE and DELETE (a guard against mistakes, not against someone holding the file:
 * `verify()` is what detects that — modification, deletion, reordering and truncation).
 */
export class SqliteAuditTrail {
  private readonly db: Database.Database;
  private readonly listeners: ((r: AuditRecord) => void)[] = [];
  private readonly timer: NodeJS.Timeout | undefined;
  private sinceCheckpoint = 0;
  private readonly now: () => Date;

  constructor(private readonly o: AuditTrailOptions) {
    fs.mkdirSync(path.dirname(o.file), { recursive: true, mode: 0o700 });
    this.now = o.now ?? (() => new Date());
    this.db = new Database(o.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS audit_records (
        seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor_id TEXT NOT NULL, actor_name TEXT NOT NULL,
        actor_roles TEXT NOT NULL, source_ip TEXT, event_type TEXT NOT NULL, object_type TEXT NOT NULL,
        object_id TEXT NOT NULL, outcome TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS audit_records_at ON audit_records(at);
      CREATE TABLE IF NOT EXISTS audit_checkpoints (
        seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, at TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS audit_cursors (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
      CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
      CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
    `);
    const every = o.checkpointMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => this.checkpointQuietly(), every);
      this.timer.unref();
    }
  }

  /** Appends one record (synchronously, in its own write transaction) and returns it. */
  append(draft: AuditDraft): AuditRecord {
    const tx = this.db.transaction(() => {
      const head = this.head();
      const rec = chainRecord(head, draft, this.now().toISOString());
      this.db
        .prepare(
          `INSERT INTO audit_records (seq, at, actor_id, actor_name, actor_roles, source_ip, event_type, object_type, object_id, outcome, details, prev_hash, hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(rec.seq, rec.at, rec.actorId, rec.actorName, rec.actorRoles, rec.sourceIp, rec.eventType, rec.objectType, rec.objectId, rec.outcome, rec.details, rec.prevHash, rec.hash);
      return rec;
    });
    const rec = tx.immediate();
    if (++this.sinceCheckpoint >= (this.o.checkpointEvery ?? 100)) this.checkpointQuietly();
    for (const l of this.listeners) l(rec);
    return rec;
  }

  onAppend(listener: (r: AuditRecord) => void): void {
    this.listeners.push(listener);
  }

  head(): { seq: number; hash: string } {
    const row = this.db.prepare('SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  list(q: AuditQuery = {}): AuditRecord[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.afterSeq !== undefined) {
      where.push(q.order === 'desc' ? 'seq < ?' : 'seq > ?');
      params.push(q.afterSeq);
    }
    if (q.from) {
      where.push('at >= ?');
      params.push(q.from.toISOString());
    }
    if (q.to) {
      where.push('at < ?');
      params.push(q.to.toISOString());
    }
    const limit = Math.max(1, Math.min(q.limit ?? 100, 10_000));
    const sql = `SELECT * FROM audit_records ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${q.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...params) as RecordRow[]).map(toRecord);
  }

  /** Every record in stored (rowid) order, streamed, for verification. */
  *all(): Generator<AuditRecord> {
    for (const row of this.db.prepare('SELECT * FROM audit_records ORDER BY rowid').iterate() as IterableIterator<RecordRow>) yield toRecord(row);
  }

  checkpoints(): Checkpoint[] {
    return (this.db.prepare('SELECT seq, hash, at, key_id AS keyId, signature FROM audit_checkpoints ORDER BY seq').all() as Checkpoint[]);
  }

  /** Signs the current head if it moved since the last checkpoint. */
  checkpoint(): Checkpoint | undefined {
    const tx = this.db.transaction(() => {
      const head = this.head();
      const last = this.db.prepare('SELECT max(seq) FROM audit_checkpoints').pluck().get() as number | null;
      if (head.seq === 0 || head.seq <= (last ?? 0)) return undefined;
      const at = this.now().toISOString();
      const cp: Checkpoint = { seq: head.seq, hash: head.hash, at, keyId: this.o.signer.keyId, signature: this.o.signer.sign(checkpointMessage(this.o.domain, { seq: head.seq, hash: head.hash, at })) };
      this.db.prepare('INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES (?, ?, ?, ?, ?)').run(cp.seq, cp.hash, cp.at, cp.keyId, cp.signature);
      return cp;
    });
    const cp = tx.immediate();
    this.sinceCheckpoint = 0;
    return cp;
  }

  private checkpointQuietly(): void {
    try {
      this.checkpoint();
    } catch {
      // Retried on the next append or tick; verify() reports a chain that outruns its checkpoints only as unsigned.
    }
  }

  verify(): Promise<VerifyReport> {
    return verifyRecords(this.all(), this.checkpoints(), this.o.signer, this.o.domain);
  }

  /** Durable named cursors (e.g. how far records were copied into the event store). */
  cursor(name: string): number {
    return (this.db.prepare('SELECT seq FROM audit_cursors WHERE name = ?').pluck().get(name) as number | undefined) ?? 0;
  }

  setCursor(name: string, seq: number): void {
    this.db.prepare('INSERT INTO audit_cursors (name, seq) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET seq = excluded.seq').run(name, seq);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (!this.db.open) return;
    this.checkpointQuietly();
    this.db.close();
  }
}
