/** The embedded engine: one SQLite file in WAL mode, shared by several processes. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  DATASETS, type AggregateRequest, type Aggregation, type AggregationResult, type BulkResult, type Dataset, type EcsDocument,
  type EventStore, type HealthStatus, type RetentionResult, type SearchRequest, type SearchResponse, type SortSpec, type StoredDocument, type SerializedDocument,
} from '../contract.js';
import { parseQuery, toSql, termSql, jsonPath, type SqlFragment } from '../query/index.js';
import type { SqlContext } from '../query/to-sql.js';
import { fieldType, hotColumn, isHot, type FieldType } from '../schema/fields.js';
import { DocumentError, prepareDocument, prepareSerialized, serializedDocument } from '../schema/document.js';
import { formatIp, parseCidr, parseIp } from '../schema/ip.js';
import { textForIndex } from '../schema/text.js';
import { checkAggs, checkCursor, checkDataset, pageSize, resolveSort, RequestError, MAX_BUCKETS } from '../request.js';
import { registerFunctions } from './functions.js';
import { COMMON_DDL, coveredByTimeScan, ddl, ftsName, HOT_COLUMNS, idKeyMigration, tableName, timeScanIndex, unkeyedIdIndex } from './schema.js';
import { idKey } from './id-key.js';
import { TextIndexer } from './text-index.js';
import type { TermValue } from '../query/values.js';

export interface SqliteStoreOptions {
  path: string;
  /** How long a writer waits for another process's lock before failing (retryable). */
  busyTimeoutMs?: number;
  readonly?: boolean;
  /** SQLite page cache of this connection in MiB (default 64: the index pages of a busy day stay in memory). */
  cacheMiB?: number;
  /** Tests only: a weak id key forces the collisions a 52-bit key makes too rare to meet. Never on a real file. */
  idKeyForTests?: (id: string) => number;
}

/** Rows per write transaction: bounds how long the file's write lock is held. */
const TX_ROWS = 5_000;
/** Unindexed rows bulk() tolerates before it indexes text itself: bounds the tail that searches scan. */
const MAX_TEXT_BACKLOG = 50_000;
const DELETE_BATCH = 5_000;
const J_KEYWORD = `(CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(j.value AS TEXT) END)`;

/** Rows per multi-row INSERT: one statement step instead of 64 (16 columns × 64 = 1,024 bound values). */
const ROWS_PER_INSERT = 64;

interface Writer {
  /** Multi-row `INSERT OR IGNORE` statements by row count, prepared on first use. */
  insert: (rows: number) => Database.Statement;
  text: TextIndexer;
  maxRid: Database.Statement;
  ridsIn: Database.Statement;
  /** The rid of an id stored under its key (idk, id), or without one (id); see id-key.ts. */
  keyedRid: Database.Statement;
  unkeyedRid: Database.Statement;
  anyUnkeyed: Database.Statement;
  update: Database.Statement;
  ftsReplace: Database.Statement;
  ftsDelete: Database.Statement;
}

/** A validated document as the columns of its row. */
interface PreparedRow { id: string; values: unknown[]; message: string | undefined }

export class SqliteEventStore implements EventStore {
  readonly db: Database.Database;
  private writers = new Map<Dataset, Writer>();
  private stmtCache = new Map<string, Database.Statement>();
  private indexers = new Map<Dataset, TextIndexer>();
  private textTimer: NodeJS.Timeout | undefined;
  /** Background text indexing failures (e.g. the file was locked); the next run retries. */
  textIndexErrors = 0;

  private readonly idKey: (id: string) => number;

  constructor(private readonly opts: SqliteStoreOptions) {
    this.idKey = opts.idKeyForTests ?? idKey;
    if (opts.path !== ':memory:') mkdirSync(path.dirname(path.resolve(opts.path)), { recursive: true });
    this.db = new Database(opts.path, { readonly: opts.readonly ?? false });
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5_000))}`);
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma(`cache_size = -${Math.max(1, Math.floor(opts.cacheMiB ?? 64)) * 1024}`);
      this.db.pragma('temp_store = MEMORY');
    }
    registerFunctions(this.db);
  }

  async init(): Promise<void> {
    const columns = (d: Dataset) => (this.db.pragma(`table_info(${tableName(d)})`) as { name: string }[]).map((c) => c.name);
    const tx = this.db.transaction(() => {
      for (const s of [...COMMON_DDL, ...DATASETS.flatMap((d) => [...idKeyMigration(d, columns(d)), ...ddl(d)])]) this.db.exec(s);
    });
    tx.immediate();
  }

  private writer(d: Dataset): Writer {
    let w = this.writers.get(d);
    if (!w) {
      const t = tableName(d);
      const cols = ['rid', 'idk', 'id', 'ts', ...HOT_COLUMNS.map(hotColumn), 'doc'];
      const tuple = `(${cols.map(() => '?').join(', ')})`;
      const many = (sql: (n: number) => string) => {
        const cache = new Map<number, Database.Statement>();
        return (n: number) => {
          let st = cache.get(n);
          if (!st) cache.set(n, (st = this.db.prepare(sql(n))));
          return st;
        };
      };
      w = {
        // rids are assigned by the writer (max + 1 ...) inside the write transaction, so the rows a statement
        // inserted are known without RETURNING; an id that already exists is ignored and then updated.
        insert: many((n) => `INSERT OR IGNORE INTO ${t} (${cols.join(', ')}) VALUES ${Array(n).fill(tuple).join(', ')}`),
        text: this.indexer(d),
        maxRid: this.db.prepare(`SELECT max(rid) FROM ${t}`).pluck(),
        ridsIn: this.db.prepare(`SELECT rid FROM ${t} WHERE rid BETWEEN ? AND ?`).pluck(),
        keyedRid: this.db.prepare(`SELECT rid FROM ${t} WHERE idk = ? AND id = ?`).pluck(),
        unkeyedRid: this.db.prepare(`SELECT rid FROM ${t} INDEXED BY ${unkeyedIdIndex(d)} WHERE idk IS NULL AND id = ?`).pluck(),
        anyUnkeyed: this.db.prepare(`SELECT EXISTS (SELECT 1 FROM ${t} INDEXED BY ${unkeyedIdIndex(d)} WHERE idk IS NULL)`).pluck(),
        // Every column is derived from `doc`, so a replay of the identical document (a resend after a lost
        // acknowledgement, the common case) touches neither the row, its indexes nor the text index.
        update: this.db.prepare(`UPDATE ${t} SET ${cols.slice(3).map((c) => `${c} = ?`).join(', ')} WHERE rid = ? AND doc IS NOT ? RETURNING rid`).pluck(),
        // An update keeps the row's rid, so the text index entry is replaced (or dropped) under the same rowid.
        ftsReplace: this.db.prepare(`INSERT OR REPLACE INTO ${ftsName(d)} (rowid, message) VALUES (?, ?)`),
        ftsDelete: this.db.prepare(`DELETE FROM ${ftsName(d)} WHERE rowid = ?`),
      };
      this.writers.set(d, w);
    }
    return w;
  }

  async bulk(dataset: Dataset, docs: StoredDocument[]): Promise<BulkResult> {
    return this.write(dataset, docs, (item) => {
      const { doc, ts, hot } = prepareDocument(item.doc);
      return { ts, hot, json: serializedDocument(doc), message: doc.message };
    });
  }

  /** The text is stored as given (parsed once for the checks); see `prepareSerialized`. */
  async bulkJson(dataset: Dataset, docs: SerializedDocument[]): Promise<BulkResult> {
    return this.write(dataset, docs, (item) => {
      const { doc, ts, hot, json } = prepareSerialized(item.json);
      return { ts, hot, json, message: doc.message };
    });
  }

  private async write<T extends { id: string }>(dataset: Dataset, docs: T[], prepare: (item: T) => { ts: number; hot: unknown[]; json: string; message: unknown }): Promise<BulkResult> {
    const w = this.writer(checkDataset(dataset));
    const failed: BulkResult['failed'] = [];
    const rows: PreparedRow[] = [];
    for (const item of docs) {
      try {
        if (typeof item?.id !== 'string' || item.id.length === 0 || item.id.length > 512) throw new DocumentError('id must be a string of 1..512 characters');
        const { ts, hot, json, message } = prepare(item);
        const values: unknown[] = [0, this.idKey(item.id), item.id, ts];
        for (let i = 0; i < hot.length; i++) values.push(sqlValue(HOT_TYPES[i]!, hot[i]));
        values.push(json);
        rows.push({ id: item.id, values, message: typeof message === 'string' ? message : undefined });
      } catch (e) {
        failed.push({ id: String(item?.id), ok: false, retryable: false, error: `mapping conflict: ${(e as Error).message}` });
      }
    }
    let written = 0;
    const writeChunk = this.db.transaction((chunk: PreparedRow[]) => writeRows(w, chunk));
    for (let i = 0; i < rows.length; i += TX_ROWS) {
      const chunk = rows.slice(i, i + TX_ROWS);
      try {
        writeChunk.immediate(chunk);
        written += chunk.length;
      } catch (e) {
        const busy = /SQLITE_BUSY|SQLITE_LOCKED|database is locked/i.test(String((e as { code?: string }).code ?? (e as Error).message));
        for (const r of chunk) failed.push({ id: r.id, ok: false, retryable: busy, error: (e as Error).message });
      }
    }
    if (written > 0) this.afterWrite(w.text);
    return { written, failed };
  }

  private indexer(d: Dataset): TextIndexer {
    let x = this.indexers.get(d);
    if (!x) this.indexers.set(d, (x = new TextIndexer(this.db, d)));
    return x;
  }

  /** Text indexing after the write: inline when the backlog is too long, otherwise soon in the background. */
  private afterWrite(text: TextIndexer): void {
    try {
      while (text.backlog() > MAX_TEXT_BACKLOG) text.step();
    } catch {
      this.textIndexErrors++; // the rows are written; searches scan the longer tail until indexing succeeds
    }
    if (!this.textTimer) this.textTimer = setTimeout(() => this.indexInBackground(), 0).unref();
  }

  /** One indexing transaction per turn of the event loop, until every dataset's tail is indexed. */
  private indexInBackground(): void {
    this.textTimer = undefined;
    if (!this.db.open) return;
    let more = false;
    for (const x of this.indexers.values()) {
      try {
        if (x.backlog() > 0) more = x.step() > 0 || more;
      } catch {
        this.textIndexErrors++; // busy or locked: searches still scan the tail; retried on the next write or refresh
      }
    }
    if (more) this.textTimer = setTimeout(() => this.indexInBackground(), 0).unref();
  }

  /** Indexes all text written so far (refresh() does this; searches are correct without it, only slower). */
  catchUpTextIndex(dataset?: Dataset): void {
    for (const d of dataset ? [checkDataset(dataset)] : DATASETS) this.indexer(d).catchUp();
  }

  /** WHERE clause for dataset + time range + analyst query. */
  private where(req: { query?: string; range?: SearchRequest['range'] }, d: Dataset): SqlFragment & { timeScan: boolean } {
    const parts: SqlFragment[] = [];
    if (req.range) {
      const from = req.range.from.getTime();
      const to = req.range.to.getTime();
      if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RequestError('range needs valid dates');
      parts.push({ sql: 'd.ts >= ? AND d.ts < ?', params: [from, to] });
    }
    const ast = req.query?.trim() ? parseQuery(req.query) : undefined;
    if (ast) parts.push(toSql(ast, this.sqlContext(d, req.query!)));
    const timeScan = req.range !== undefined && ast !== undefined && coveredByTimeScan(ast);
    if (parts.length === 0) return { sql: '1', params: [], timeScan };
    return { sql: parts.map((p) => `(${p.sql})`).join(' AND '), params: parts.flatMap((p) => p.params), timeScan };
  }

  private indexes: Set<string> | undefined;
  /** A file created by an older version (opened without init, e.g. read-only) may lack newer indexes. */
  private hasIndex(name: string): boolean {
    this.indexes ??= new Set(this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index'`).pluck().all() as string[]);
    if (!this.indexes.has(name)) this.indexes = undefined; // look again next time: another process may run init
    return this.indexes?.has(name) ?? false;
  }

  private sqlContext(d: Dataset, src: string): SqlContext {
    return { src, ftsTable: ftsName(d), textIndexedUpTo: this.textWatermark(d), idMatch: (id) => this.idMatch(d, id) };
  }

  private keyed = new Set<Dataset>();
  /** A file from before the id key (opened without init, e.g. read-only) matches ids on the text alone. */
  private hasIdKey(d: Dataset): boolean {
    if (this.keyed.has(d)) return true;
    const yes = (this.db.pragma(`table_info(${tableName(d)})`) as { name: string }[]).some((c) => c.name === 'idk');
    if (yes) this.keyed.add(d);
    return yes;
  }

  /** Rows whose id is `id`: through its key, or among the few ids stored without one (see id-key.ts). */
  private idMatch(d: Dataset, id: string): SqlFragment {
    if (!this.hasIdKey(d)) return { sql: '(d.id = ?)', params: [id] };
    return { sql: '((d.idk = ? AND d.id = ?) OR (d.idk IS NULL AND d.id = ?))', params: [this.idKey(id), id, id] };
  }

  private textWatermark(d: Dataset): number | undefined {
    try {
      return this.indexer(d).indexedUpTo();
    } catch (e) {
      // A file from before deferred indexing, opened without init (read-only): its text index is complete.
      if (/no such table/.test((e as Error).message)) return undefined;
      throw e;
    }
  }

  private prepare(sql: string): Database.Statement {
    let s = this.stmtCache.get(sql);
    if (!s) {
      if (this.stmtCache.size > 500) this.stmtCache.clear();
      s = this.db.prepare(sql);
      this.stmtCache.set(sql, s);
    }
    return s;
  }

  async search(req: SearchRequest): Promise<SearchResponse> {
    const d = checkDataset(req.dataset);
    const sort = resolveSort(req.sort);
    const size = pageSize(req.size);
    const after = checkCursor(req.searchAfter, sort);
    const where = this.where(req, d);
    const total = (this.prepare(`SELECT count(*) FROM ${tableName(d)} d WHERE ${where.sql}`).pluck().get(...where.params) as number);
    const exprs = sort.map((s) => sortExpr(s.field));
    const select = exprs.map((e, i) => `${e.sql} AS s${i}`).join(', ');
    const params: unknown[] = [...exprs.flatMap((e) => e.params), ...where.params];
    // Two steps: sort only row ids and sort keys, then read the documents of the page.
    // The planner walks the plain `ts` index for a time-ordered page and reads each row to test the filter;
    // when the covering index can test it, walking that one reads only the rows of the page.
    const hint = where.timeScan && sort[0]!.field === '@timestamp' && this.hasIndex(timeScanIndex(d)) ? ` INDEXED BY ${timeScanIndex(d)}` : '';
    let sql = `SELECT d.rid, ${select} FROM ${tableName(d)} d${hint} WHERE ${where.sql}`;
    if (after) {
      const k = keyset(sort, exprs, after);
      sql += ` AND (${k.sql})`;
      params.push(...k.params);
    }
    sql += ` ORDER BY ${sort.map((s, i) => (exprs[i]!.nullable ? `s${i} IS NULL, ` : '') + `s${i} ${s.order.toUpperCase()}`).join(', ')} LIMIT ?`;
    params.push(size);
    const rows = this.prepare(sql).all(...params) as Record<string, unknown>[];
    const docs = new Map<number, { id: string; doc: string }>();
    if (rows.length) {
      const fetched = this.prepare(`SELECT rid, id, doc FROM ${tableName(d)} WHERE rid IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(rows.map((r) => r.rid))) as { rid: number; id: string; doc: string }[];
      for (const f of fetched) docs.set(f.rid, f);
    }
    const hits = rows.map((r) => {
      const f = docs.get(r.rid as number)!;
      return { id: f.id, doc: JSON.parse(f.doc) as EcsDocument, sort: sort.map((s, i) => sortOut(s.field, r[`s${i}`])) };
    });
    return { total, hits, nextCursor: hits.length === size && size > 0 ? hits[hits.length - 1]!.sort : undefined };
  }

  async count(req: Omit<SearchRequest, 'sort' | 'size' | 'searchAfter'>): Promise<number> {
    const d = checkDataset(req.dataset);
    const where = this.where(req, d);
    return this.prepare(`SELECT count(*) FROM ${tableName(d)} d WHERE ${where.sql}`).pluck().get(...where.params) as number;
  }

  async aggregate(req: AggregateRequest): Promise<Record<string, AggregationResult>> {
    const d = checkDataset(req.dataset);
    checkAggs(req.aggs);
    const range = req.range ? { from: req.range.from.getTime(), to: req.range.to.getTime() } : undefined;
    return this.aggs(d, req.aggs, this.where(req, d), range);
  }

  /** `range`: the request's time range (epoch ms), when it has one; sub-aggregations go without. */
  private aggs(d: Dataset, aggs: Record<string, Aggregation>, where: SqlFragment, range?: { from: number; to: number }): Record<string, AggregationResult> {
    const out: Record<string, AggregationResult> = {};
    for (const [name, a] of Object.entries(aggs)) out[name] = this.agg(d, a, where, range);
    return out;
  }

  private agg(d: Dataset, a: Aggregation, where: SqlFragment, range?: { from: number; to: number }): AggregationResult {
    const v = valueSource(a.field);
    const from = `FROM ${tableName(d)} d${v.join} WHERE ${where.sql} AND ${v.notNull}`;
    const params = [...v.joinParams, ...where.params];
    const docCount = v.join ? 'COUNT(DISTINCT d.rid)' : 'COUNT(*)';
    switch (a.type) {
      case 'cardinality':
        return { value: this.prepare(`SELECT COUNT(DISTINCT ${v.expr}) ${from}`).pluck().get(...params) as number };
      case 'sum':
        return { value: this.prepare(`SELECT TOTAL(${v.expr}) ${from}`).pluck().get(...params) as number };
      case 'avg': case 'min': case 'max':
        return { value: (this.prepare(`SELECT ${a.type.toUpperCase()}(${v.expr}) ${from}`).pluck().get(...params) as number | null) ?? null };
      case 'date_histogram': {
        const key = `((${v.expr}) - ((${v.expr}) % ${a.intervalMs}))`; // intervalMs is a validated integer
        const rows = a.field === '@timestamp' && range && (range.to - range.from) / a.intervalMs <= MAX_BUCKETS
          ? this.timeBuckets(d, a.intervalMs, range, where)
          : this.prepare(`SELECT ${key} AS k, ${docCount} AS c ${from} GROUP BY k ORDER BY k ASC LIMIT ${MAX_BUCKETS + 1}`).all(...params) as { k: number; c: number }[];
        if (rows.length > MAX_BUCKETS) throw new RequestError(`date_histogram would return more than ${MAX_BUCKETS} buckets`);
        return {
          buckets: rows.map((r) => ({
            key: r.k, count: r.c,
            ...(a.aggs ? { aggs: this.aggs(d, a.aggs, and(where, rangeOn(a.field, r.k, r.k + a.intervalMs))) } : {}),
          })),
        };
      }
      case 'terms': {
        const rows = (this.prepare(`SELECT ${v.expr} AS k, ${docCount} AS c ${from} GROUP BY k ORDER BY c DESC, k ASC LIMIT ?`).all(...params, a.size) as { k: string | number | Buffer; c: number }[])
          .map((r) => ({ k: Buffer.isBuffer(r.k) ? formatIp(r.k) : r.k, c: r.c }));
        return {
          buckets: rows.map((r) => ({
            key: r.k, count: r.c,
            ...(a.aggs ? { aggs: this.aggs(d, a.aggs, and(where, termSql(a.field, keyTerm(a.field, r.k), this.sqlContext(d, '')))) } : {}),
          })),
        };
      }
    }
  }

  /**
   * Histogram over `ts` within a time range, as one count per bucket (each a range on the `ts` indexes, in one
   * statement and one snapshot): rows are visited once in index order, where GROUP BY would sort every row.
   */
  private timeBuckets(d: Dataset, intervalMs: number, range: { from: number; to: number }, where: SqlFragment): { k: number; c: number }[] {
    const first = range.from - (((range.from % intervalMs) + intervalMs) % intervalMs);
    const sql = `WITH RECURSIVE b(k) AS (SELECT ? UNION ALL SELECT k + ${intervalMs} FROM b WHERE k + ${intervalMs} < ?)
      SELECT k, (SELECT count(*) FROM ${tableName(d)} d WHERE d.ts >= max(b.k, ?) AND d.ts < min(b.k + ${intervalMs}, ?) AND (${where.sql})) AS c FROM b`;
    const rows = this.prepare(sql).all(first, range.to, range.from, range.to, ...where.params) as { k: number; c: number }[];
    return rows.filter((r) => r.c > 0);
  }

  async get(dataset: Dataset, id: string): Promise<EcsDocument | undefined> {
    const d = checkDataset(dataset);
    const m = this.idMatch(d, String(id));
    const doc = this.prepare(`SELECT doc FROM ${tableName(d)} d WHERE ${m.sql}`).pluck().get(...m.params) as string | undefined;
    return doc === undefined ? undefined : (JSON.parse(doc) as EcsDocument);
  }

  async deleteBefore(dataset: Dataset, cutoff: Date): Promise<RetentionResult> {
    const d = checkDataset(dataset);
    const ms = cutoff.getTime();
    if (!Number.isFinite(ms)) throw new RequestError('cutoff must be a valid date');
    const t = tableName(d);
    const pick = this.db.prepare(`DELETE FROM ${t} WHERE rid IN (SELECT rid FROM ${t} WHERE ts < ? LIMIT ${DELETE_BATCH}) RETURNING rid`).pluck();
    const ftsDelete = this.db.prepare(`DELETE FROM ${ftsName(d)} WHERE rowid = ?`);
    const text = this.indexer(d);
    const batch = this.db.transaction(() => {
      const rids = pick.all(ms) as number[];
      const indexed = text.indexedUpTo(); // rows above it have no text index entry yet
      for (const rid of rids) if (rid <= indexed) ftsDelete.run(rid);
      return rids.length;
    });
    let removed = 0;
    for (;;) {
      const n = batch.immediate();
      removed += n;
      if (n < DELETE_BATCH) break;
      await new Promise((r) => setImmediate(r)); // let other connections take the lock between batches
    }
    return { dataset: d, removedBefore: cutoff, removed };
  }

  /** Writes are visible at once; refresh indexes the text written so far, so free-text searches stop scanning. */
  async refresh(dataset?: Dataset): Promise<void> {
    if (!this.opts.readonly) this.catchUpTextIndex(dataset);
  }

  async health(): Promise<HealthStatus> {
    const version = this.db.prepare('SELECT sqlite_version()').pluck().get() as string;
    try {
      const mode = this.db.pragma('journal_mode', { simple: true }) as string;
      const tables = this.db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'ds\\_%' ESCAPE '\\'`).pluck().get() as number;
      const ok = tables > 0;
      return { engine: 'sqlite', version, status: ok ? 'green' : 'red', detail: ok ? `journal_mode=${mode}` : 'not initialised (call init)' };
    } catch (e) {
      return { engine: 'sqlite', version, status: 'red', detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.textTimer);
    this.textTimer = undefined;
    if (this.db.open) this.db.close();
  }
}

const HOT_TYPES = HOT_COLUMNS.map(fieldType);

function sqlValue(type: FieldType, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'keyword': return typeof v === 'string' ? v : String(v);
    case 'boolean': return v ? 1 : 0;
    default: return v;
  }
}

/**
 * Runs inside the write transaction. New ids go in as multi-row inserts under fresh rids (max + 1 ...);
 * an id already stored is ignored by the insert (its key is taken) and updated instead, keeping its rid (and
 * its text index entry is replaced when it has one). An id whose key another id holds is stored without a
 * key (see id-key.ts). New rows are text-indexed later, by the TextIndexer.
 */
function writeRows(w: Writer, rows: PreparedRow[]): void {
  // Above both the last row and the text watermark, so that a new row is never taken for an indexed one.
  const indexed = w.text.indexedUpTo();
  let next = Math.max((w.maxRid.get() as number | null) ?? 0, indexed) + 1;
  const replays: { row: PreparedRow; rid: number }[] = [];
  let fresh = rows;
  // An id stored without a key must be found there, not inserted again under its key (which may be free by
  // now). Such rows are rare (two ids sharing 52 bits), so this is one probe of an almost empty index.
  if (w.anyUnkeyed.get()) {
    fresh = [];
    for (const r of rows) {
      const rid = w.unkeyedRid.get(r.id) as number | undefined;
      if (rid === undefined) fresh.push(r);
      else replays.push({ row: r, rid });
    }
  }
  const ignored: PreparedRow[] = [];
  for (let i = 0; i < fresh.length; i += ROWS_PER_INSERT) {
    const group = fresh.slice(i, i + ROWS_PER_INSERT);
    const first = next;
    const params: unknown[] = [];
    for (const r of group) { r.values[0] = next++; for (const v of r.values) params.push(v); }
    const inserted = w.insert(group.length).run(params).changes;
    if (inserted < group.length) {
      const stored = new Set(w.ridsIn.all(first, next - 1) as number[]);
      for (const r of group) if (!stored.has(r.values[0] as number)) ignored.push(r);
    }
  }
  for (const r of ignored) {
    const rid = (w.keyedRid.get(r.values[1], r.id) ?? w.unkeyedRid.get(r.id)) as number | undefined;
    if (rid !== undefined) { replays.push({ row: r, rid }); continue; }
    r.values[0] = next++; // another id holds this key
    r.values[1] = null;
    w.insert(1).run(r.values);
  }
  for (const { row: r, rid } of replays) {
    const doc = r.values[r.values.length - 1];
    if (w.update.get(...r.values.slice(3), rid, doc) === undefined || rid > indexed) continue; // same document already stored, or its text not indexed yet
    if (r.message) w.ftsReplace.run(rid, textForIndex(r.message));
    else w.ftsDelete.run(rid);
  }
}

/** Expression yielding a field's values for aggregation: a hot column, or each element of the JSON value. */
function valueSource(field: string): { expr: string; join: string; joinParams: unknown[]; notNull: string } {
  const type = fieldType(field);
  if (isHot(field)) {
    const col = `d.${hotColumn(field)}`;
    return { expr: col, join: '', joinParams: [], notNull: `${col} IS NOT NULL` };
  }
  // IPs group and order as 16-byte keys (address order); keys are formatted after the LIMIT.
  const expr = type === 'ip' ? 'emsoc_ip(j.value)' : type === 'date' ? 'emsoc_date_ms(j.value)'
    : type === 'long' || type === 'double' ? `(CASE WHEN j.type IN ('integer','real') THEN j.value END)` : J_KEYWORD;
  return { expr, join: ', json_each(d.doc, ?) j', joinParams: [jsonPath(field)], notNull: `j.type NOT IN ('object','array','null') AND ${expr} IS NOT NULL` };
}

function sortExpr(field: string): { sql: string; params: unknown[]; nullable: boolean } {
  if (field === '_id') return { sql: 'd.id', params: [], nullable: false };
  if (field === '@timestamp') return { sql: 'd.ts', params: [], nullable: false };
  if (isHot(field)) return { sql: `d.${hotColumn(field)}`, params: [], nullable: true };
  const type = fieldType(field);
  const raw = 'json_extract(d.doc, ?)';
  const sql = type === 'ip' ? `emsoc_ip(${raw})` : type === 'date' ? `emsoc_date_ms(${raw})` : raw;
  return { sql, params: [jsonPath(field)], nullable: true };
}

function sortOut(field: string, v: unknown): unknown {
  if (Buffer.isBuffer(v)) return formatIp(v);
  if (v === undefined) return null;
  if (fieldType(field) === 'boolean' && typeof v === 'number') return v;
  return v;
}

function sortIn(field: string, v: unknown): unknown {
  if (fieldType(field) === 'ip' && field !== '_id' && typeof v === 'string') {
    const k = parseIp(v);
    if (!k) throw new RequestError('searchAfter holds an invalid IP');
    return k;
  }
  return v;
}

/** Rows strictly after the cursor in the sort order; missing values sort last in either direction. */
function keyset(sort: SortSpec[], exprs: { sql: string; params: unknown[] }[], after: unknown[]): SqlFragment {
  const ors: string[] = [];
  const params: unknown[] = [];
  const eqs: SqlFragment[] = [];
  sort.forEach((s, i) => {
    const e = exprs[i]!;
    const v = sortIn(s.field, after[i]);
    const cmp = s.order === 'asc' ? '>' : '<';
    const gt: SqlFragment = v === null ? { sql: '0', params: [] } : { sql: `(${e.sql} ${cmp} ? OR ${e.sql} IS NULL)`, params: [...e.params, v, ...e.params] };
    ors.push([...eqs.map((q) => q.sql), gt.sql].join(' AND '));
    params.push(...eqs.flatMap((q) => q.params), ...gt.params);
    eqs.push(v === null ? { sql: `${e.sql} IS NULL`, params: [...e.params] } : { sql: `${e.sql} = ?`, params: [...e.params, v] });
  });
  return { sql: ors.map((o) => `(${o})`).join(' OR '), params };
}

function and(a: SqlFragment, b: SqlFragment): SqlFragment {
  return { sql: `(${a.sql}) AND (${b.sql})`, params: [...a.params, ...b.params] };
}

function rangeOn(field: string, from: number, to: number): SqlFragment {
  if (field === '@timestamp') return { sql: 'd.ts >= ? AND d.ts < ?', params: [from, to] };
  return { sql: `EXISTS (SELECT 1 FROM json_each(d.doc, ?) j WHERE emsoc_date_ms(j.value) >= ? AND emsoc_date_ms(j.value) < ?)`, params: [jsonPath(field), from, to] };
}

/** The term condition that selects one terms-aggregation bucket. */
export function keyTerm(field: string, key: string | number): TermValue {
  switch (fieldType(field)) {
    case 'ip': return { t: 'ip', ...parseCidr(String(key))!, text: String(key) };
    case 'long': case 'double': return { t: 'number', value: Number(key) };
    case 'date': return { t: 'date', value: Number(key) };
    case 'boolean': return { t: 'bool', value: key === 'true' };
    default: return { t: 'keyword', value: String(key) };
  }
}
