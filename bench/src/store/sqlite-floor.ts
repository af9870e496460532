/**
 * Where the time of one SQLite ingest goes, per event, in µs of CPU (user + system of this process, the
 * machine being shared): the JS steps (JSON.parse of the 1 KB text, JSON.stringify, the field-model walk)
 * and SQLite's own floor, building up from a bare `(rid, doc)` table to the engine's full layout. Rows are
 * prepared before the clock; inserts are 64-row statements, ~5,000 rows per transaction, as the engine writes.
 * Ids: the bench's `bench-<i>` and 64-char SHA-256 hex (what the collector writes; random order).
 *   node --import tsx bench/src/store/sqlite-floor.ts     (SOC_BENCH_EVENTS=64000, SOC_BENCH_ROUNDS=3)
 * Knobs for trying layouts and settings (the defaults are the engine's): SOC_BENCH_LAYOUTS=<name,...> runs only
 * those layouts, SOC_BENCH_JS=0 skips the JS steps, SOC_BENCH_TX_ROWS (5,000), SOC_BENCH_PAGE_SIZE (4,096),
 * SOC_BENCH_WAL_AUTOCHECKPOINT (1,000 pages), SOC_BENCH_CACHE_MIB (64), SOC_BENCH_PREFILL (0): rows written into each file before the clock
 * starts (older timestamps, other ids), so that the measured rows go into indexes of a table that is not new.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { prepareDocument, prepareSerialized } from '@emsoc/event-store/schema/document';
import { hotColumn, fieldType } from '@emsoc/event-store/schema/fields';
import { COMMON_DDL, ddl, HOT_COLUMNS, TIME_SCAN_COLUMNS, tableName } from '@emsoc/event-store/sqlite/schema';
import { registerFunctions } from '@emsoc/event-store/sqlite/functions';
import { syntheticEvent } from './synthetic.js';
import { cpuSeconds, emit, intArg, median, removeDatabase, round, scratchDir, sha256Hex } from './util.js';

const N = intArg('SOC_BENCH_EVENTS', 64_000);
const ROUNDS = Math.max(1, intArg('SOC_BENCH_ROUNDS', 3));
const ROWS = 64;
const TX = Math.max(1, Math.round(intArg('SOC_BENCH_TX_ROWS', 5_000) / ROWS)) * ROWS;
const PAGE_SIZE = intArg('SOC_BENCH_PAGE_SIZE', 4_096);
const AUTOCHECKPOINT = intArg('SOC_BENCH_WAL_AUTOCHECKPOINT', 1_000);
const ONLY = process.env.SOC_BENCH_LAYOUTS?.split(',');
const CACHE_MIB = intArg('SOC_BENCH_CACHE_MIB', 64);
const PREFILL = Math.ceil(intArg('SOC_BENCH_PREFILL', 0) / ROWS) * ROWS;
const settings = { cache_mib: CACHE_MIB, tx_rows: TX, page_size: PAGE_SIZE, wal_autocheckpoint: AUTOCHECKPOINT, prefill: PREFILL };
if (N % ROWS !== 0) throw new Error(`SOC_BENCH_EVENTS must be a multiple of ${ROWS}`);
const dir = scratchDir('emsoc-bench-floor-');

const src = Array.from({ length: N }, (_, i) => syntheticEvent(i, 7 * 86_400_000, N));
const texts = src.map((s) => JSON.stringify(s.doc));
const shaIds = src.map((s) => sha256Hex(s.id));

/** µs of CPU per event of `step` over all events, median of ROUNDS. */
function perEvent(step: (i: number) => unknown): number {
  const runs: number[] = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) if (step(i) !== undefined) sink++;
    runs.push((cpuSeconds(c0) * 1e6) / N);
  }
  if (sink < 0) throw new Error('unreachable');
  return median(runs);
}

const js = process.env.SOC_BENCH_JS === '0' ? {} : {
  json_parse: perEvent((i) => JSON.parse(texts[i]!)),
  json_stringify: perEvent((i) => JSON.stringify(src[i]!.doc)),
  model_walk: perEvent((i) => prepareDocument(src[i]!.doc)),
  prepare_serialized: perEvent((i) => prepareSerialized(texts[i]!)),
};
for (const [k, v] of Object.entries(js)) emit(`store.sqlite.floor.js.${k}`, round(v, 2), 'µs/event', null, null, { events: N, rounds: ROUNDS });

const hot = src.map((s) => prepareDocument(s.doc).hot.map((v, k) => (v === undefined ? null : fieldType(HOT_COLUMNS[k]!) === 'keyword' ? String(v) : v)));
const ts = src.map((s) => Date.parse(s.doc['@timestamp']));
const t = tableName('events');
const HOT = HOT_COLUMNS.map(hotColumn);
const hotDecl = HOT.join(', ');

interface Layout { name: string; note: string; ddl: string[]; cols: string[]; row: (i: number) => unknown[] }
const bare = `CREATE TABLE ${t} (rid INTEGER PRIMARY KEY`;
const layouts: Layout[] = [
  { name: 'rid_doc', note: 'bare (rid, doc) table, no index', ddl: [`${bare}, doc TEXT NOT NULL)`], cols: ['rid', 'doc'], row: (i) => [i + 1 + PREFILL, texts[i]] },
  { name: 'hot_columns', note: '+ id, ts and the hot columns, no index', ddl: [`${bare}, id TEXT NOT NULL, ts INTEGER NOT NULL, ${hotDecl}, doc TEXT NOT NULL)`], cols: ['rid', 'id', 'ts', ...HOT, 'doc'], row: (i) => [i + 1 + PREFILL, src[i]!.id, ts[i], ...hot[i]!, texts[i]] },
];
for (const [idName, ids] of [['bench_id', src.map((s) => s.id)], ['sha256_id', shaIds]] as const) {
  layouts.push({ name: `${idName}_unique`, note: `+ UNIQUE(id TEXT), ${idName === 'bench_id' ? 'bench-<i> ids' : '64-char SHA-256 hex ids'}`, ddl: [`${bare}, id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, ${hotDecl}, doc TEXT NOT NULL)`], cols: ['rid', 'id', 'ts', ...HOT, 'doc'], row: (i) => [i + 1 + PREFILL, ids[i], ts[i], ...hot[i]!, texts[i]] });
  layouts.push({ name: `${idName}_key_unique`, note: `+ UNIQUE(id key INTEGER: 52 bits of the id's hash), ${idName}`, ddl: [`${bare}, idk INTEGER UNIQUE, id TEXT NOT NULL, ts INTEGER NOT NULL, ${hotDecl}, doc TEXT NOT NULL)`], cols: ['rid', 'idk', 'id', 'ts', ...HOT, 'doc'], row: (i) => [i + 1 + PREFILL, parseInt(createHash('sha1').update(ids[i]!).digest('hex').slice(0, 13), 16), ids[i], ts[i], ...hot[i]!, texts[i]] });
}
// The engine's DDL has the integer id key; without it, the layout as it was: UNIQUE id text, no key column or key indexes.
const engineDdl = (idk: boolean) => (idk ? ddl('events') : ddl('events').map((s) => s.replace('idk INTEGER, id TEXT NOT NULL', 'id TEXT NOT NULL UNIQUE')).filter((s) => !s.includes('idk')));
layouts.push({ name: 'ts_indexes', note: '+ (ts) and the covering (ts, low-cardinality hot) index, integer id key, SHA-256 ids', ddl: [`${bare}, idk INTEGER UNIQUE, id TEXT NOT NULL, ts INTEGER NOT NULL, ${hotDecl}, doc TEXT NOT NULL)`, `CREATE INDEX ${t}_ts ON ${t}(ts)`, `CREATE INDEX ${t}_ts_hot ON ${t}(ts, ${TIME_SCAN_COLUMNS.join(', ')})`], cols: ['rid', 'idk', 'id', 'ts', ...HOT, 'doc'], row: (i) => [i + 1 + PREFILL, parseInt(shaIds[i]!.slice(0, 13), 16), shaIds[i], ts[i], ...hot[i]!, texts[i]] });
layouts.push({ name: 'engine_layout_sha256_id', note: 'the engine schema as it was (UNIQUE id TEXT, 6 secondary indexes), SHA-256 ids', ddl: [...COMMON_DDL, ...engineDdl(false)], cols: ['rid', 'id', 'ts', ...HOT, 'doc'], row: (i) => [i + 1 + PREFILL, shaIds[i], ts[i], ...hot[i]!, texts[i]] });
layouts.push({ name: 'engine_layout_sha256_id_key', note: 'same with an integer id key instead of UNIQUE id TEXT', ddl: [...COMMON_DDL, ...engineDdl(true)], cols: ['rid', 'idk', 'id', 'ts', ...HOT, 'doc'], row: (i) => [i + 1 + PREFILL, parseInt(shaIds[i]!.slice(0, 13), 16), shaIds[i], ts[i], ...hot[i]!, texts[i]] });
if (ONLY) layouts.splice(0, layouts.length, ...layouts.filter((l) => ONLY.includes(l.name)));

function insertRun(l: Layout, prepared: unknown[][]): number {
  const file = path.join(dir, `${l.name}.db`);
  const db = new Database(file);
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT}`);
  db.pragma('synchronous = NORMAL');
  db.pragma(`cache_size = -${CACHE_MIB * 1024}`);
  registerFunctions(db);
  for (const s of l.ddl) db.exec(s);
  const tuple = `(${l.cols.map(() => '?').join(', ')})`;
  const insert = db.prepare(`INSERT OR IGNORE INTO ${t} (${l.cols.join(', ')}) VALUES ${Array(ROWS).fill(tuple).join(', ')}`);
  const tx = db.transaction((from: number) => { for (let i = from; i < Math.min(N, from + TX); i += ROWS) insert.run(prepared[i / ROWS]); });
  if (PREFILL > 0) prefill(db, l, insert);
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i += TX) tx.immediate(i);
  const us = cpuSeconds(c0) * 1e6;
  db.close();
  removeDatabase(file);
  return us / N;
}

/**
 * Rows before the measured ones: the same documents cycled, with their own ids (SHA-256 of `pre-<k>`, keyed
 * the same way as the layout's) and earlier timestamps, rids below the measured ones (shifted up by PREFILL).
 */
function prefill(db: Database.Database, l: Layout, insert: Database.Statement): void {
  const c = { rid: l.cols.indexOf('rid'), idk: l.cols.indexOf('idk'), id: l.cols.indexOf('id'), ts: l.cols.indexOf('ts') };
  const tx = db.transaction((from: number) => {
    for (let g = from; g < Math.min(PREFILL, from + TX); g += ROWS) {
      const params: unknown[] = [];
      for (let k = g; k < g + ROWS; k++) {
        const row = l.row(k % N);
        const id = sha256Hex(`pre-${k}`);
        row[c.rid] = k + 1;
        if (c.id >= 0) row[c.id] = id;
        if (c.idk >= 0) row[c.idk] = parseInt(id.slice(0, 13), 16);
        if (c.ts >= 0) row[c.ts] = (row[c.ts] as number) - 8 * 86_400_000;
        params.push(...row);
      }
      insert.run(params);
    }
  });
  for (let i = 0; i < PREFILL; i += TX) tx.immediate(i);
}

const results = new Map<string, number[]>(layouts.map((l) => [l.name, []]));
const params = new Map(layouts.map((l) => {
  const groups: unknown[][] = [];
  for (let i = 0; i < N; i += ROWS) { const g: unknown[] = []; for (let k = i; k < i + ROWS; k++) g.push(...l.row(k)); groups.push(g); }
  return [l.name, groups];
}));
for (let r = 0; r < ROUNDS; r++) for (const l of layouts) results.get(l.name)!.push(insertRun(l, params.get(l.name)!));
for (const l of layouts) {
  const us = median(results.get(l.name)!);
  emit(`store.sqlite.floor.insert.${l.name}`, round(1e6 / us, 0), 'rows/cpu-s', null, null, { events: N, rounds: ROUNDS, ...settings, us_per_row: round(us, 2), runs_us: results.get(l.name)!.map((x) => round(x, 2)), note: l.note });
}
