/**
 * The durable outbox: every message is written (signed) here before anyone tries to send it, and stays
 * until the superior unit acknowledges it. SQLite in WAL mode with synchronous=FULL, so a SIGKILL (or a
 * power cut) after `enqueue` returns loses nothing. Sequence numbers are assigned here, per unit,
 * strictly increasing; delivery is in sequence order (head-of-line), so the upper tier sees them in order.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { buildMessage, signMessage, type Period, type SignedMessage } from './message.js';
import type { MessageSchema } from './schemas.js';
import type { UnitIdentity } from './unit-identity.js';

export type OutboxState = 'pending' | 'acked' | 'rejected';

export interface OutboxRow {
  seq: number;
  id: string;
  schema: string;
  createdAt: string;
  periodFrom: string;
  periodTo: string;
  state: OutboxState;
  attempts: number;
  nextAttemptMs: number;
  lastError: string | null;
  ackedAt: string | null;
  label: string | null;
}

interface Row {
  seq: number;
  id: string;
  schema: string;
  created_at: string;
  period_from: string;
  period_to: string;
  envelope: string;
  state: OutboxState;
  attempts: number;
  next_attempt_ms: number;
  last_error: string | null;
  acked_at: string | null;
  label: string | null;
}

const toRow = (r: Row): OutboxRow => ({
  seq: r.seq,
  id: r.id,
  schema: r.schema,
  createdAt: r.created_at,
  periodFrom: r.period_from,
  periodTo: r.period_to,
  state: r.state,
  attempts: r.attempts,
  nextAttemptMs: r.next_attempt_ms,
  lastError: r.last_error,
  ackedAt: r.acked_at,
  label: r.label,
});

export function outboxPath(dataDir: string): string {
  return path.join(dataDir, 'uplink', 'outbox.db');
}

export class Outbox {
  readonly db: Database.Database;
  private readonly listeners: (() => void)[] = [];

  constructor(file: string, opts: { readonly?: boolean } = {}) {
    if (!opts.readonly) fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.db = new Database(file, opts.readonly ? { readonly: true, fileMustExist: true } : {});
    this.db.pragma('busy_timeout = 5000');
    if (opts.readonly) return;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, schema TEXT NOT NULL, created_at TEXT NOT NULL,
        period_from TEXT NOT NULL, period_to TEXT NOT NULL, envelope TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT, acked_at TEXT, label TEXT);
      CREATE INDEX IF NOT EXISTS messages_state ON messages(state, seq);
      CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  /** Builds, validates, signs and stores the next message in one transaction; returns it. */
  enqueue(identity: UnitIdentity, schema: MessageSchema, period: Period, body: Record<string, unknown>, label?: string, now = new Date()): SignedMessage {
    const tx = this.db.transaction(() => {
      const last = (this.db.prepare('SELECT max(seq) FROM messages').pluck().get() as number | null) ?? Number(this.get('seq.floor') ?? 0);
      const signed = signMessage(buildMessage(identity, schema, last + 1, period, body, now), identity);
      this.db
        .prepare('INSERT INTO messages (seq, id, schema, created_at, period_from, period_to, envelope, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(signed.message.seq, signed.message.id, schema, signed.message.createdAt, period.from, period.to, JSON.stringify(signed), label ?? null);
      return signed;
    });
    const signed = tx.immediate();
    for (const l of this.listeners) l();
    return signed;
  }

  onEnqueue(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * The head of the queue: the lowest pending messages in sequence order, if the head is due.
   * Returns `{ waitMs }` when the head is backing off.
   */
  due(limit: number, nowMs = Date.now()): { batch: { seq: number; envelope: SignedMessage }[] } | { waitMs: number } | undefined {
    const rows = this.db.prepare("SELECT seq, envelope, next_attempt_ms FROM messages WHERE state = 'pending' ORDER BY seq LIMIT ?").all(limit) as Pick<Row, 'seq' | 'envelope' | 'next_attempt_ms'>[];
    if (rows.length === 0) return undefined;
    if (rows[0]!.next_attempt_ms > nowMs) return { waitMs: rows[0]!.next_attempt_ms - nowMs };
    return { batch: rows.map((r) => ({ seq: r.seq, envelope: JSON.parse(r.envelope) as SignedMessage })) };
  }

  ack(seq: number, now = new Date()): void {
    this.db.prepare("UPDATE messages SET state = 'acked', acked_at = ?, last_error = NULL, attempts = attempts + 1 WHERE seq = ? AND state = 'pending'").run(now.toISOString(), seq);
  }

  /** The superior unit refused the message for good (it will never accept it): keep it, visibly, and move on. */
  reject(seq: number, reason: string): void {
    this.db.prepare("UPDATE messages SET state = 'rejected', last_error = ?, attempts = attempts + 1 WHERE seq = ? AND state = 'pending'").run(reason.slice(0, 1000), seq);
  }

  /** A failed attempt at the head: try again after `delayFor(attempts so far)` ms. Returns the attempts. */
  retryLater(seq: number, error: string, delayFor: (attempts: number) => number, nowMs = Date.now()): number {
    const tx = this.db.transaction(() => {
      const attempts = ((this.db.prepare('SELECT attempts FROM messages WHERE seq = ?').pluck().get(seq) as number | undefined) ?? 0) + 1;
      this.db.prepare('UPDATE messages SET attempts = ?, last_error = ?, next_attempt_ms = ? WHERE seq = ?').run(attempts, error.slice(0, 1000), nowMs + delayFor(attempts), seq);
      return attempts;
    });
    return tx.immediate();
  }

  list(opts: { state?: OutboxState; limit?: number; beforeSeq?: number } = {}): OutboxRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.state) {
      where.push('state = ?');
      params.push(opts.state);
    }
    if (opts.beforeSeq !== undefined) {
      where.push('seq < ?');
      params.push(opts.beforeSeq);
    }
    const limit = Math.max(1, Math.min(opts.limit ?? 100, 1000));
    const sql = `SELECT * FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...params) as Row[]).map(toRow);
  }

  envelope(seq: number): SignedMessage | undefined {
    const e = this.db.prepare('SELECT envelope FROM messages WHERE seq = ?').pluck().get(seq) as string | undefined;
    return e ? (JSON.parse(e) as SignedMessage) : undefined;
  }

  counts(): Record<OutboxState, number> & { oldestPendingAt: string | null } {
    const out = { pending: 0, acked: 0, rejected: 0, oldestPendingAt: null as string | null };
    for (const r of this.db.prepare('SELECT state, count(*) AS n FROM messages GROUP BY state').all() as { state: OutboxState; n: number }[]) out[r.state] = r.n;
    out.oldestPendingAt = (this.db.prepare("SELECT created_at FROM messages WHERE state = 'pending' ORDER BY seq LIMIT 1").pluck().get() as string | undefined) ?? null;
    return out;
  }

  get(name: string): string | undefined {
    return this.db.prepare('SELECT value FROM kv WHERE name = ?').pluck().get(name) as string | undefined;
  }

  set(name: string, value: string): void {
    this.db.prepare('INSERT INTO kv (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
