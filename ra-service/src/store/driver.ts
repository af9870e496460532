import { counter } from '@emsoc/common';

const txTotal = counter('emsoc_ra_db_transactions_total', 'RA write transactions run (each in its own savepoint of a group commit)');
const commitTotal = counter('emsoc_ra_db_commits_total', 'RA database COMMITs (transactions / commits = mean group-commit batch size)');

/** The few SQL operations the repository needs, written once with `?` placeholders for both engines. */
export interface SqlExecutor {
  all<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  get<R>(sql: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  exec(script: string): Promise<void>;
  /**
   * Serialised read-write transaction (the audit chain needs one writer at a time). Resolves only
   * after its COMMIT; a rejection means nothing of it was stored.
   */
  transaction<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T>;
  /** The group committer behind `transaction` (its counters show how well commits are shared). */
  readonly writer: GroupCommit;
  close(): Promise<void>;
}

/** One writer connection's transaction control, as the group committer drives it. */
export interface WriteSession {
  readonly q: SqlExecutor;
  begin(): Promise<void>;
  savepoint(): Promise<void>;
  release(): Promise<void>;
  rollbackToSavepoint(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Hands the connection back (pool); called once per batch. */
  end(): void;
}

interface Pending {
  fn: (q: SqlExecutor) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface GroupCommitStats {
  transactions: number;
  commits: number;
  /** Batches whose shared COMMIT failed and whose members were retried one by one. */
  splitBatches: number;
}

/**
 * Group commit: transactions that queue up while the writer is busy (or within one event-loop turn)
 * share one BEGIN … COMMIT — one WAL append / fsync instead of one per request — each inside its own
 * SAVEPOINT so a failing one rolls back alone. Every caller resolves only after the shared COMMIT.
 * If that COMMIT fails (e.g. a deferred constraint), the batch is rolled back and its members are
 * re-run one transaction each, so only the transaction that cannot commit is refused.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private scheduled = false;
  readonly stats: GroupCommitStats = { transactions: 0, commits: 0, splitBatches: 0 };

  constructor(
    private readonly open: () => Promise<WriteSession> | WriteSession,
    private readonly maxBatch = 256,
  ) {}

  run<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject } as Pending);
      this.schedule();
    });
  }

  /** Resolves once everything queued so far is settled. */
  async idle(): Promise<void> {
    while (this.draining || this.scheduled || this.queue.length) await (this.draining ?? new Promise((r) => setImmediate(r)));
  }

  private schedule(): void {
    if (this.scheduled || this.draining) return; // a running drain picks new arrivals up as its next batch
    this.scheduled = true;
    // Wait for the rest of this event-loop turn so concurrent requests join the same batch.
    setImmediate(() => {
      this.scheduled = false;
      this.draining = this.drain().finally(() => {
        this.draining = undefined;
        if (this.queue.length) this.schedule();
      });
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      const outcomes = await this.runBatch(batch);
      if (outcomes !== 'commit-failed') {
        settle(batch, outcomes);
        continue;
      }
      // The shared COMMIT failed, so nothing of the batch is stored: each member gets its own transaction.
      this.stats.splitBatches++;
      for (const p of batch) settle([p], (await this.runBatch([p])) as Outcome[]);
    }
  }

  /** Runs a batch in one transaction. 'commit-failed' only for batches of two or more. */
  private async runBatch(batch: Pending[]): Promise<Outcome[] | 'commit-failed'> {
    const allFail = (error: unknown): Outcome[] => batch.map(() => ({ ok: false, error }));
    let s: WriteSession;
    try {
      s = await this.open();
    } catch (error) {
      return allFail(error);
    }
    try {
      try {
        await s.begin();
      } catch (error) {
        await s.rollback().catch(() => undefined);
        return allFail(error);
      }
      const outcomes: Outcome[] = [];
      // A lone transaction needs no savepoint: if it fails, the whole (its own) transaction rolls back.
      const solo = batch.length === 1;
      for (const p of batch) {
        this.stats.transactions++;
        txTotal.inc();
        try {
          if (!solo) await s.savepoint();
          try {
            outcomes.push({ ok: true, value: await p.fn(s.q) });
          } catch (error) {
            outcomes.push({ ok: false, error });
            if (!solo) await s.rollbackToSavepoint();
          }
          if (!solo) await s.release();
        } catch (error) {
          // Transaction control itself failed: the session is unusable and nothing will be committed.
          await s.rollback().catch(() => undefined);
          return allFail(error);
        }
      }
      if (!outcomes.some((o) => o.ok)) {
        await s.rollback().catch(() => undefined);
        return outcomes;
      }
      try {
        await s.commit();
        this.stats.commits++;
        commitTotal.inc();
        return outcomes;
      } catch (error) {
        await s.rollback().catch(() => undefined);
        return batch.length > 1 ? 'commit-failed' : allFail(error);
      }
    } finally {
      s.end();
    }
  }
}

function settle(batch: Pending[], outcomes: Outcome[]): void {
  batch.forEach((p, i) => {
    const o = outcomes[i]!;
    if (o.ok) p.resolve(o.value);
    else p.reject(o.error);
  });
}
