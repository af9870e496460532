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
import { ftsName, tableName, TEXT_PROGRESS } from './schema.js';

/** Rows per indexing transaction: bounds how long the indexer holds the write lock. */
const INDEX_BATCH = 10_000;

export class TextIndexer {
  private readonly progress: Database.Statement;
  private readonly setProgress: Database.Statement;
  private readonly batchEnd: Database.Statement;
  private readonly copy: Database.Statement;
  private readonly maxRid: Database.Statement;
  private readonly batch: Database.Transaction<(limit: number) => number>;

  constructor(private readonly db: Database.Database, private readonly dataset: Dataset) {
    const t = tableName(dataset);
    this.progress = db.prepare(`SELECT rid FROM ${TEXT_PROGRESS} WHERE dataset = ?`).pluck();
    this.setProgress = db.prepare(`INSERT INTO ${TEXT_PROGRESS} (dataset, rid) VALUES (?, ?) ON CONFLICT(dataset) DO UPDATE SET rid = excluded.rid`);
    this.batchEnd = db.prepare(`SELECT max(rid), count(*) FROM (SELECT rid FROM ${t} WHERE rid > ? ORDER BY rid LIMIT ?)`).raw();
    // Only string messages are indexed, as before the indexing was deferred.
    this.copy = db.prepare(`INSERT INTO ${ftsName(dataset)} (rowid, message) SELECT rid, emsoc_text_for_index(json_extract(doc, '$.message')) FROM ${t} WHERE rid > ? AND rid <= ? AND json_type(doc, '$.message') = 'text'`);
    this.maxRid = db.prepare(`SELECT max(rid) FROM ${t}`).pluck();
    this.batch = db.transaction((limit: number) => this.indexBatch(limit));
  }

  /** Highest rid whose message is in the text index (rows above it are matched by scanning). */
  indexedUpTo(): number {
    return (this.progress.get(this.dataset) as number | undefined) ?? 0;
  }

  /** The rid span written but not yet text-indexed (an upper bound on its rows: ignored inserts leave gaps). */
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
    const [last, rows] = this.batchEnd.get(this.indexedUpTo(), limit) as [number | null, number];
    if (last === null) return 0;
    // One statement: no row crosses into JS except its message, for the Han split (see schema/text).
    this.copy.run(this.indexedUpTo(), last);
    this.setProgress.run(this.dataset, last);
    return rows;
  }
}
