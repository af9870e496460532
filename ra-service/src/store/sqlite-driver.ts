import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Mutex, type SqlDriver, type SqlExecutor } from './driver.js';

interface Pending {
  fn: (q: SqlExecutor) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** better-sqlite3 with WAL, a statement cache (prepare once, run many) and serialised transactions. */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly mutex = new Mutex();
  private readonly queue: Pending[] = [];
  private scheduled = false;

  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a process crash; only power loss can drop the latest commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private static bind(params: readonly unknown[]): unknown[] {
    return params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p) : p === undefined ? null : p));
  }

  async all<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.stmt(sql).all(...SqliteDriver.bind(params)) as R[];
  }

  async get<R>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    return this.stmt(sql).get(...SqliteDriver.bind(params)) as R | undefined;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.stmt(sql).run(...SqliteDriver.bind(params)).changes;
  }

  async exec(script: string): Promise<void> {
    this.db.exec(script);
  }

  /**
   * Group commit: transactions that arrive in the same event-loop turn share one BEGIN … COMMIT, each in
   * its own SAVEPOINT so a failing one rolls back alone. Callers resolve only after the shared COMMIT.
   */
  transaction<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject } as Pending);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.mutex.run(() => this.drain()));
      }
    });
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, 256);
      const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        for (const p of batch) p.reject(error);
        continue;
      }
      for (const p of batch) {
        this.db.exec('SAVEPOINT tx');
        try {
          const value = await p.fn(this);
          this.db.exec('RELEASE tx');
          outcomes.push({ ok: true, value });
        } catch (error) {
          this.db.exec('ROLLBACK TO tx');
          this.db.exec('RELEASE tx');
          outcomes.push({ ok: false, error });
        }
      }
      try {
        this.db.exec('COMMIT');
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        for (const p of batch) p.reject(error);
        continue;
      }
      batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      });
    }
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => this.db.close());
  }
}
