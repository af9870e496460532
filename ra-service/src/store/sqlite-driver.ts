import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { GroupCommit, type SqlDriver, type SqlExecutor, type WriteSession } from './driver.js';

/** better-sqlite3 with WAL, a statement cache (prepare once, run many) and serialised transactions. */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  readonly writer: GroupCommit;

  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a process crash; only power loss can drop the latest commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // One connection: reads and the batch's writes share it. Transaction control is prepared once.
    const control = (sql: string) => {
      const st = this.db.prepare(sql);
      return async () => void st.run();
    };
    const session: WriteSession = {
      q: this,
      begin: control('BEGIN IMMEDIATE'),
      savepoint: control('SAVEPOINT tx'),
      release: control('RELEASE tx'),
      rollbackToSavepoint: control('ROLLBACK TO tx'),
      commit: control('COMMIT'),
      rollback: async () => {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      },
      end: () => undefined,
    };
    this.writer = new GroupCommit(() => session);
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

  /** Group commit (see GroupCommit): concurrent transactions share one BEGIN IMMEDIATE … COMMIT. */
  transaction<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    return this.writer.run(fn);
  }

  async close(): Promise<void> {
    await this.writer.idle();
    this.db.close();
  }
}
