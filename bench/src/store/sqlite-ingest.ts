/**
 * Bulk ingest of synthetic 1 KB ECS events into the embedded SQLite engine (target ≥ 100,000 events/s).
 *   node --import tsx bench/src/store/sqlite-ingest.ts     (SOC_BENCH_EVENTS=200000 by default)
 * The `*_sha256_id` lines repeat bulk() and bulkJson() with the ids the collector writes (64-character SHA-256
 * hex, so random order) instead of `bench-<i>`; SOC_BENCH_SHA256=0 leaves them out.
 */
import path from 'node:path';
import { SqliteEventStore, BulkWriter } from '@emsoc/event-store';
import { syntheticEvent } from './synthetic.js';
import { cpuSeconds, emit, intArg, round, rssSampler, scratchDir, sha256Hex } from './util.js';

const N = intArg('SOC_BENCH_EVENTS', 200_000);
const BATCH = 5_000;
const dir = scratchDir('emsoc-bench-');
const store = new SqliteEventStore({ path: path.join(dir, 'bench.db') });
await store.init();
const docs = Array.from({ length: N }, (_, i) => syntheticEvent(i, 7 * 86_400_000, N));
const rss = rssSampler();

let t0 = performance.now();
let c0 = process.cpuUsage();
for (let i = 0; i < N; i += BATCH) {
  const r = await store.bulk('events', docs.slice(i, i + BATCH));
  if (r.failed.length) throw new Error(`failed: ${r.failed[0]!.error}`);
}
let secs = (performance.now() - t0) / 1000;
const bulkCpu = cpuSeconds(c0);
emit('store.sqlite.bulk_ingest', round(N / secs, 0), 'events/s', null, null, { events: N, target: 100_000 });
emit('store.sqlite.bulk_ingest_cpu', round(N / bulkCpu, 0), 'events/cpu-s', null, null, { events: N, note: 'events per CPU second (user+system) of bulk(); free text over the rows not yet text-indexed is answered by a scan' });
// The free-text index is filled after the write transactions (deferred, same process): its cost, counted.
t0 = performance.now();
c0 = process.cpuUsage();
await store.refresh('events');
const indexCpu = cpuSeconds(c0);
secs += (performance.now() - t0) / 1000;
emit('store.sqlite.bulk_ingest_incl_text_index', round(N / secs, 0), 'events/s', null, null, { events: N, target: 100_000, note: 'bulk() plus catching up the deferred text index' });
emit('store.sqlite.bulk_ingest_incl_text_index_cpu', round(N / (bulkCpu + indexCpu), 0), 'events/cpu-s', null, null, { events: N, note: 'events per CPU second, text indexing included' });

// The text path (bulkJson): documents arrive as JSON text, as the collector's sink reads them from its spool.
// Fresh file, so it compares with the first figure. The texts are made before the clock starts (the spool holds them).
{
  const textStore = new SqliteEventStore({ path: path.join(dir, 'bench-json.db') });
  await textStore.init();
  const texts = docs.map((d) => ({ id: d.id, json: JSON.stringify(d.doc) }));
  t0 = performance.now();
  c0 = process.cpuUsage();
  for (let i = 0; i < N; i += BATCH) {
    const r = await textStore.bulkJson('events', texts.slice(i, i + BATCH));
    if (r.failed.length) throw new Error(`failed: ${r.failed[0]!.error}`);
  }
  const jsonSecs = (performance.now() - t0) / 1000;
  const jsonCpu = cpuSeconds(c0);
  emit('store.sqlite.bulk_json_ingest', round(N / jsonSecs, 0), 'events/s', null, null, { events: N, target: 100_000, note: 'bulkJson(): pre-serialised documents, parsed once for the checks, text stored as given' });
  emit('store.sqlite.bulk_json_ingest_cpu', round(N / jsonCpu, 0), 'events/cpu-s', null, null, { events: N, note: 'events per CPU second of bulkJson(); text indexing deferred as for bulk()' });
  await textStore.close();
}

// The collector's ids: SHA-256 hex, random order in any index over them. Fresh files again.
if (process.env.SOC_BENCH_SHA256 !== '0') {
  const shaDocs = docs.map((d) => ({ id: sha256Hex(d.id), doc: d.doc }));
  const shaTexts = docs.map((d) => ({ id: sha256Hex(d.id), json: JSON.stringify(d.doc) }));
  for (const [name, write] of [
    ['bulk_ingest', (s: SqliteEventStore, i: number) => s.bulk('events', shaDocs.slice(i, i + BATCH))],
    ['bulk_json_ingest', (s: SqliteEventStore, i: number) => s.bulkJson('events', shaTexts.slice(i, i + BATCH))],
  ] as const) {
    const s = new SqliteEventStore({ path: path.join(dir, `bench-${name}-sha.db`) });
    await s.init();
    t0 = performance.now();
    c0 = process.cpuUsage();
    for (let i = 0; i < N; i += BATCH) {
      const r = await write(s, i);
      if (r.failed.length) throw new Error(`failed: ${r.failed[0]!.error}`);
    }
    const cpu = cpuSeconds(c0);
    emit(`store.sqlite.${name}_sha256_id`, round(N / ((performance.now() - t0) / 1000), 0), 'events/s', null, null, { events: N, target: 100_000, note: '64-character SHA-256 hex ids (as the collector writes)' });
    emit(`store.sqlite.${name}_sha256_id_cpu`, round(N / cpu, 0), 'events/cpu-s', null, null, { events: N, note: 'events per CPU second, SHA-256 hex ids' });
    await s.close();
  }
}

// Same data again through the BulkWriter (replaces by id): the path the collector uses.
const writer = new BulkWriter(store, { maxBatchDocs: BATCH, maxQueueDocs: 4 * BATCH });
t0 = performance.now();
c0 = process.cpuUsage();
for (const d of docs) await writer.write('events', d);
await writer.close();
await store.refresh('events');
secs = (performance.now() - t0) / 1000;
emit('store.sqlite.bulkwriter_ingest', round(N / secs, 0), 'events/s', null, null, { events: N, note: 'overwrite by id (identical documents: rows and text index untouched)' });
emit('store.sqlite.bulkwriter_ingest_cpu', round(N / cpuSeconds(c0), 0), 'events/cpu-s', null, null, { events: N, note: 'events per CPU second (user+system)' });
emit('store.sqlite.writer_peak_rss', rss.peakMb(), 'MiB', null, null, { note: `includes ${N} pre-generated events held in memory` });
rss.stop();
await store.close();
