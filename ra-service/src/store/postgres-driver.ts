import pg from 'pg';
import { GroupCommit, type SqlDriver, type SqlExecutor, type WriteSession } from './driver.js';

// int8 (counts, sequence numbers) as JS numbers: values stay far below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** `?` → `$1…$n` (the repository's SQL never contains a literal question mark). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function bind(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p) : p === undefined ? null : p));
}

function executor(c: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async all<R>(sql: string, params: readonly unknown[] = []) {
      return (await c.query({ text: numbered(sql), values: bind(params) })).rows as R[];
    },
    async get<R>(sql: string, params: readonly unknown[] = []) {
      return (await c.query({ text: numbered(sql), values: bind(params) })).rows[0] as R | undefined;
    },
    async run(sql: string, params: readonly unknown[] = []) {
      return (await c.query({ text: numbered(sql), values: bind(params) })).rowCount ?? 0;
    },
  };
}

/**
 * A node-postgres pool; writes are serialised in-process (group commit: the transactions queued while a
 * batch is in flight share the next BEGIN … COMMIT, one WAL flush for all) and across processes by an
 * advisory lock.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly reads: SqlExecutor;
  readonly writer: GroupCommit;

  constructor(url: string, opts: { max?: number } = {}) {
    this.pool = new pg.Pool({ connectionString: url, max: opts.max ?? 8, types });
    this.pool.on('error', () => undefined); // idle client errors surface on the next query instead
    this.reads = executor(this.pool);
    this.writer = new GroupCommit(async () => this.session(await this.pool.connect()));
  }

  private session(client: pg.PoolClient): WriteSession {
    const q = (sql: string) => async () => void (await client.query(sql));
    let broken = false;
    // A failed rollback leaves the connection in an unknown state: remember it so it is discarded.
    const undo = (sql: string) => async () => {
      try {
        await client.query(sql);
      } catch (e) {
        broken = true;
        throw e;
      }
    };
    return {
      q: executor(client),
      begin: async () => {
        await client.query('BEGIN');
        // One writer across every RA process sharing this database (the audit chain is linear).
        await client.query('SELECT pg_advisory_xact_lock(727172)');
      },
      savepoint: q('SAVEPOINT tx'),
      release: q('RELEASE SAVEPOINT tx'),
      rollbackToSavepoint: undo('ROLLBACK TO SAVEPOINT tx'),
      commit: q('COMMIT'),
      rollback: undo('ROLLBACK'),
      // A connection whose state is unknown is discarded instead of going back to the pool.
      end: () => client.release(broken || undefined),
    };
  }

  all<R>(sql: string, params?: readonly unknown[]) {
    return this.reads.all<R>(sql, params);
  }
  get<R>(sql: string, params?: readonly unknown[]) {
    return this.reads.get<R>(sql, params);
  }
  run(sql: string, params?: readonly unknown[]) {
    return this.reads.run(sql, params);
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  transaction<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    return this.writer.run(fn);
  }

  async close(): Promise<void> {
    await this.writer.idle();
    await this.pool.end();
  }
}
