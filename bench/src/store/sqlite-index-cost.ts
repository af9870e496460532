/**
 * Ingest cost of each SQLite secondary index: the same validated rows are inserted (64-row statements,
 * ~5,000 rows per transaction, as the engine writes) into a fresh file with the full index set and with one
 * index left out, so the difference is that index's share. JS-side preparation is done before the clock.
 * The machine is shared: variants are interleaved over SOC_BENCH_ROUNDS rounds and the median is reported.
 *   node --import tsx bench/src/store/sqlite-index-cost.ts     (SOC_BENCH_EVENTS=64000, SOC_BENCH_ROUNDS=5)
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { prepareDocument } from '@emsoc/event-store/schema/document';
import { hotColumn, fieldType } from '@emsoc/event-store/schema/fields';
import { COMMON_DDL, ddl, HOT_COLUMNS, tableName } from '@emsoc/event-store/sqlite/schema';
import { registerFunctions } from '@emsoc/event-store/sqlite/functions';
import { idKey } from '@emsoc/event-store/sqlite/id-key';
import { syntheticEvent } from './synthetic.js';
import { cpuSeconds, emit, intArg, median, removeDatabase, round, scratchDir } from './util.js';

const N = intArg('SOC_BENCH_EVENTS', 64_000);
const ROUNDS = Math.max(1, intArg('SOC_BENCH_ROUNDS', 5));
const ROWS = 64;
const TX = 78 * ROWS; // ~5,000 rows per transaction, whole statements
const dir = scratchDir('emsoc-bench-idx-');
const t = tableName('events');

const rows = Array.from({ length: N }, (_, i) => {
  const s = syntheticEvent(i, 7 * 86_400_000, N);
  const { ts, hot } = prepareDocument(s.doc);
  const hv = hot.map((v, k) => (v === undefined ? null : fieldType(HOT_COLUMNS[k]!) === 'keyword' ? String(v) : v));
  return [i + 1, idKey(s.id), s.id, ts, ...hv, JSON.stringify(s.doc)];
});

/** Rows per CPU second of inserting all rows into a fresh file without the index `drop`. */
function run(drop: string | undefined): number {
  const file = path.join(dir, `${drop ?? 'all'}.db`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  registerFunctions(db);
  for (const s of [...COMMON_DDL, ...ddl('events')]) db.exec(s);
  if (drop) db.exec(`DROP INDEX ${drop}`);
  const cols = ['rid', 'idk', 'id', 'ts', ...HOT_COLUMNS.map(hotColumn), 'doc'];
  const tuple = `(${cols.map(() => '?').join(', ')})`;
  const insert = db.prepare(`INSERT OR IGNORE INTO ${t} (${cols.join(', ')}) VALUES ${Array(ROWS).fill(tuple).join(', ')}`);
  const tx = db.transaction((chunk: unknown[][]) => { for (let i = 0; i < chunk.length; i += ROWS) insert.run(...chunk.slice(i, i + ROWS).flat()); });
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i += TX) tx.immediate(rows.slice(i, i + TX));
  const cpu = cpuSeconds(c0);
  db.close();
  removeDatabase(file);
  return N / cpu;
}

if (N % ROWS !== 0) throw new Error(`SOC_BENCH_EVENTS must be a multiple of ${ROWS}`);
const indexes = ['_idk', '_ts', '_ts_hot', ...['source.ip', 'destination.ip', 'host.hostname', 'user.name'].map((f) => `_${hotColumn(f)}`)];
const variants: (string | undefined)[] = [undefined, ...indexes.map((x) => `${t}${x}`)];
const results = new Map<string | undefined, number[]>(variants.map((v) => [v, []]));
for (let r = 0; r < ROUNDS; r++) for (const v of variants) results.get(v)!.push(run(v));
const all = median(results.get(undefined)!);
for (const v of variants) {
  const m = median(results.get(v)!);
  emit(`store.sqlite.insert_rows_cpu.${v ? 'without_' + v.slice(t.length + 1) : 'all_indexes'}`, round(m, 0), 'rows/cpu-s', null, null, {
    events: N, rounds: ROUNDS, without: v ?? null, runs: results.get(v)!.map((x) => round(x, 0)),
    ...(v ? { index_share_us_per_row: round(1e6 / all - 1e6 / m, 1) } : { us_per_row: round(1e6 / all, 1) }),
  });
}
