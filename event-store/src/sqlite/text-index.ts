/**
 * Deferred free-text indexing. Tokenising `message` into FTS5 inside the row's write transaction cost about
 * as much as the row itself; instead rows are written first and an incremental indexer adds them to the
 * FTS table afterwards, in large batches, in the same process (background after each bulk, in full on
 * refresh, synchronously when the backlog grows past a bound). A per-dataset watermark records the highest
 * rid whose text is indexed; it is advanced in the same transaction as the FTS inserts, so a crash between
 * the row write and the indexing only leaves a longer tail. Searches cover the tail by scanning it
 * (see `textIndexedUpTo` in query/to-sql), so a document is findable by free text as soon as bulk() returns.
 */
import type Database from 'better-sqlite3';
import type { Dataset } from '../contract.js';
import { textForIndex } from '../schema/text.js';
import { ftsName, tableName, TEXT_PROGRESS } from './schema.js';

/** Rows per indexing transaction: bounds how long the indexer holds the write lock. */
const INDEX_BATCH = 10_000;
const ROWS_PER_FTS_INSERT = 128;

export class TextIndexer {
  private readonly progress: Database.Statement;
  private readonly setProgress: Database.Statement;
  private readonly tail: Database.Statement;
  private readonly maxRid: Database.Statement;
  private readonly inserts = new Map<number, Database.Statement>();
  private readonly batch: Database.Transaction<(limit: number) => number>;

  constructor(private readonly db: Database.Database, private readonly dataset: Dataset) {
    const t = tableName(dataset);
    this.progress = db.prepare(`SELECT rid FROM ${TEXT_PROGRESS} WHERE dataset = ?`).pluck();
    this.setProgress = db.prepare(`INSERT INTO ${TEXT_PROGRESS} (dataset, rid) VALUES (?, ?) ON CONFLICT(dataset) DO UPDATE SET rid = excluded.rid`);
    // Only string messages are indexed, as before the indexing was deferred.
    this.tail = db.prepare(`SELECT rid, CASE json_type(doc, '$.message') WHEN 'text' THEN json_extract(doc, '$.message') END AS m FROM ${t} WHERE rid > ? ORDER BY rid LIMIT ?`).raw();
    this.maxRid = db.prepare(`SELECT max(rid) FROM ${t}`).pluck();
    this.batch = db.transaction((limit: number) => this.indexBatch(limit));
  }

  /** Highest rid whose message is in the text index (rows above it are matched by scanning). */
  indexedUpTo(): number {
    return (this.progress.get(this.dataset) as number | undefined) ?? 0;
  }

  /** Rows written but not yet text-indexed. */
  backlog(): number {
    return Math.max(0, ((this.maxRid.get() as number | null) ?? 0) - this.indexedUpTo());
  }

  /** Indexes up to `limit` rows of the tail in one transaction; returns how many rows it looked at. */
  step(limit = INDEX_BATCH): number {
    return this.batch.immediate(limit);
  }

  /** Indexes the whole tail (in transactions of INDEX_BATCH rows). */
  catchUp(): void {
    while (this.step() === INDEX_BATCH);
  }

  private indexBatch(limit: number): number {
    const from = this.indexedUpTo();
    const rows = this.tail.all(from, limit) as [number, string | null][];
    if (rows.length === 0) return 0;
    const texts = rows.filter((r) => r[1] !== null);
    for (let i = 0; i < texts.length; i += ROWS_PER_FTS_INSERT) {
      const group = texts.slice(i, i + ROWS_PER_FTS_INSERT);
      const params: unknown[] = [];
      for (const [rid, m] of group) params.push(rid, textForIndex(m!));
      this.insert(group.length).run(...params);
    }
    this.setProgress.run(this.dataset, rows[rows.length - 1]![0]);
    return rows.length;
  }

  private insert(n: number): Database.Statement {
    let st = this.inserts.get(n);
    if (!st) this.inserts.set(n, (st = this.db.prepare(`INSERT INTO ${ftsName(this.dataset)} (rowid, message) VALUES ${Array(n).fill('(?, ?)').join(', ')}`)));
    return st;
  }
}
