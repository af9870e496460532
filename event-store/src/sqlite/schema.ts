/**
 * SQLite layout, generated from the field model. One table per dataset (not per day): the `(ts)` and
 * `(hot column, ts)` indexes give the same pruning a daily partition would, searches and cursors never
 * have to UNION across tables, and retention deletes by a `ts` index range in small batches so that the
 * write lock is never held for long (other processes share the file).
 */
import type { Dataset } from '../contract.js';
import { FIELDS, HOT_VALUE_FIELDS, hotColumn, isHot } from '../schema/fields.js';
import type { Node } from '../query/ast.js';

/**
 * Hot fields that also get a `(column, ts)` index: high-cardinality fields analysts pivot on. Every index
 * costs ingest rate; low-cardinality hot fields (event.action, outcome...) are filtered on the typed column
 * after the `ts` range narrows the rows, which is nearly as fast.
 */
export const INDEXED_FIELDS = ['source.ip', 'destination.ip', 'host.hostname', 'user.name'];

const SQL_TYPE = { keyword: 'TEXT', text: 'TEXT', ip: 'BLOB', date: 'INTEGER', long: 'INTEGER', double: 'REAL', boolean: 'INTEGER' } as const;

export const tableName = (d: Dataset) => `ds_${d}`;
export const ftsName = (d: Dataset) => `ds_${d}_fts`;
export const HOT_COLUMNS = HOT_VALUE_FIELDS;
/** Per dataset, the highest rid whose message is in the FTS index (see text-index.ts). */
export const TEXT_PROGRESS = 'emsoc_text_progress';

/** Tables shared by all datasets; created before the per-dataset ones. */
export const COMMON_DDL = [`CREATE TABLE IF NOT EXISTS ${TEXT_PROGRESS} (dataset TEXT PRIMARY KEY, rid INTEGER NOT NULL)`];

/**
 * Hot columns carried by the `(ts, ...)` covering index: the low-cardinality ones analysts filter on within a
 * time range (outcome, action, port...). A count, a histogram or a page of `event.outcome:failure AND
 * destination.port:22` over a day then reads only this index, not the 1 KB rows. The fields with their own
 * `(column, ts)` index are left out: their own index answers them better.
 */
export const TIME_SCAN_COLUMNS = HOT_COLUMNS.filter((f) => !INDEXED_FIELDS.includes(f)).map(hotColumn);
export const timeScanIndex = (d: Dataset) => `${tableName(d)}_ts_hot`;

/** True when every condition of the query can be evaluated on the `(ts, ...)` covering index. */
export function coveredByTimeScan(node: Node): boolean {
  switch (node.kind) {
    case 'all': return true;
    case 'and': case 'or': return node.children.every(coveredByTimeScan);
    case 'not': return coveredByTimeScan(node.child);
    default: return node.field !== undefined && (node.field === '@timestamp' || TIME_SCAN_COLUMNS.includes(isHot(node.field) ? hotColumn(node.field) : ''));
  }
}

/** Index over the ids stored without a key (two ids with one key, see id-key.ts): partial, so nearly empty. */
export const unkeyedIdIndex = (d: Dataset) => `${tableName(d)}_id_unkeyed`;

/**
 * `id` is unique through `idk` (an integer key of the id, see id-key.ts) rather than a UNIQUE index on the text.
 * Files written before that have `id TEXT NOT NULL UNIQUE` and no `idk`: `idKeyMigration` adds the column
 * (their old index stays, and is merely slower).
 */
export function ddl(d: Dataset): string[] {
  const t = tableName(d);
  const cols = HOT_COLUMNS.map((f) => `${hotColumn(f)} ${SQL_TYPE[FIELDS[f]!.type]}`);
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (rid INTEGER PRIMARY KEY, idk INTEGER, id TEXT NOT NULL, ts INTEGER NOT NULL, ${cols.join(', ')}, doc TEXT NOT NULL)`,
    ...idKeyIndexes(d),
    `CREATE INDEX IF NOT EXISTS ${t}_ts ON ${t}(ts)`,
    `CREATE INDEX IF NOT EXISTS ${timeScanIndex(d)} ON ${t}(ts, ${TIME_SCAN_COLUMNS.join(', ')})`,
    ...INDEXED_FIELDS.map((f) => `CREATE INDEX IF NOT EXISTS ${t}_${hotColumn(f)} ON ${t}(${hotColumn(f)}, ts)`),
    // Contentless: the text lives in `doc`; FTS keeps only the index (Han characters pre-split, see schema/text).
    `CREATE VIRTUAL TABLE IF NOT EXISTS ${ftsName(d)} USING fts5(message, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`,
    // A file written before the indexing was deferred has every row indexed: start its watermark at the end.
    `INSERT OR IGNORE INTO ${TEXT_PROGRESS} (dataset, rid) SELECT '${d}', coalesce(max(rid), 0) FROM ${t}`,
  ];
}

function idKeyIndexes(d: Dataset): string[] {
  const t = tableName(d);
  return [
    `CREATE UNIQUE INDEX IF NOT EXISTS ${t}_idk ON ${t}(idk)`,
    `CREATE INDEX IF NOT EXISTS ${unkeyedIdIndex(d)} ON ${t}(id) WHERE idk IS NULL`,
  ];
}

/**
 * For a table created before `idk` existed (run before `ddl`'s index statements): adds and fills the key.
 * `UPDATE OR IGNORE` leaves the second of two ids sharing a key unkeyed, which is how new writes store it too.
 * Needs the `emsoc_id_key` SQL function (sqlite/functions).
 */
export function idKeyMigration(d: Dataset, columns: string[]): string[] {
  if (columns.length === 0 || columns.includes('idk')) return [];
  const t = tableName(d);
  return [`ALTER TABLE ${t} ADD COLUMN idk INTEGER`, ...idKeyIndexes(d), `UPDATE OR IGNORE ${t} SET idk = emsoc_id_key(id)`];
}
