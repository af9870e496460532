/**
 * Bulk ingest into Elasticsearch/OpenSearch through the adapter vs a plain `_bulk` loader (peer) that
 * sends the same documents as pre-serialised NDJSON with undici, same batch size and concurrency, in the
 * same run (target: adapter ≥ 80% of the peer).
 *   SOC_BENCH_ENGINE_URL=http://127.0.0.1:9200 node --import tsx bench/src/store/engine-ingest.ts
 */
import { request } from 'undici';
import { SearchEngineEventStore } from '@emsoc/event-store';
import { syntheticEvent } from './synthetic.js';
import { cpuSeconds, emit, engineUrl, intArg, round, rssSampler } from './util.js';

const url = engineUrl();
if (!url) {
  emit('store.engine.bulk_ingest', null, 'events/s', 'plain _bulk loader (undici)', null, { skipped: 'no engine URL (set SOC_BENCH_ENGINE_URL or SOC_TEST_ENGINE_URL)' });
  process.exit(0);
}
const N = intArg('SOC_BENCH_EVENTS', 100_000);
const BATCH = intArg('SOC_BENCH_BATCH', 2_000);
const CONCURRENCY = intArg('SOC_BENCH_CONCURRENCY', 2);
const run = Date.now().toString(36);
const mk = (tag: string) => new SearchEngineEventStore({ urls: [url], indexPrefix: `emsocbench-${tag}-${run}`, index: { replicas: 0, refreshInterval: '30s' } });
const adapter = mk('a');
const peerStore = mk('p');
await adapter.init();
await peerStore.init(); // same templates for the peer's indices
const docs = Array.from({ length: N }, (_, i) => syntheticEvent(i, 7 * 86_400_000, N));

// The peer's request bodies are built before its clock starts: it only measures sending.
const peerBodies: string[] = [];
for (let i = 0; i < N; i += BATCH) {
  peerBodies.push(docs.slice(i, i + BATCH).map((d) => {
    const ts = Date.parse(d.doc['@timestamp']);
    return JSON.stringify({ index: { _index: peerStore.indexFor('events', ts), _id: d.id } }) + '\n' + JSON.stringify({ ...d.doc, emsoc_id: d.id });
  }).join('\n') + '\n');
}

async function pool<T>(items: T[], worker: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < items.length) await worker(items[next++]!); }));
}

// Adapter and peer alternate in rounds so that both see the same engine state (index creation, merges,
// the machine's other load); each side's clock runs only during its own rounds.
const rss = rssSampler();
const batches = Array.from({ length: Math.ceil(N / BATCH) }, (_, b) => docs.slice(b * BATCH, (b + 1) * BATCH));
const ROUND = CONCURRENCY * 2;
let adapterMs = 0;
let peerMs = 0;
// CPU of this (client) process per side: on a shared machine the wall-clock ratio mostly measures the
// engine and the neighbours; the client CPU per event is what the adapter itself adds.
let adapterCpu = 0;
let peerCpu = 0;
for (let r = 0; r < batches.length; r += ROUND) {
  let c0 = process.cpuUsage();
  let t0 = performance.now();
  await pool(batches.slice(r, r + ROUND), async (b) => {
    const res = await adapter.bulk('events', b);
    if (res.failed.length) throw new Error(`adapter: ${res.failed[0]!.error}`);
  });
  adapterMs += performance.now() - t0;
  adapterCpu += cpuSeconds(c0);
  c0 = process.cpuUsage();
  t0 = performance.now();
  await pool(peerBodies.slice(r, r + ROUND), async (body) => {
    const res = await request(new URL('/_bulk', url), { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
    const json = (await res.body.json()) as { errors: boolean };
    if (res.statusCode !== 200 || json.errors) throw new Error(`peer: status ${res.statusCode}`);
  });
  peerMs += performance.now() - t0;
  peerCpu += cpuSeconds(c0);
}
const adapterRate = N / (adapterMs / 1000);
const peerRate = N / (peerMs / 1000);
const adapterRss = rss.peakMb();

emit('store.engine.bulk_ingest', round(adapterRate, 0), 'events/s', 'plain _bulk loader (undici, pre-serialised NDJSON)', round(peerRate, 0),
  { events: N, batch: BATCH, concurrency: CONCURRENCY, ratio: round(adapterRate / peerRate, 3), target_ratio: 0.8, engine: `${adapter.engine} ${adapter.version}` });
emit('store.engine.bulk_ingest_client_cpu', round((adapterCpu / N) * 1e6, 1), 'µs/event', 'plain _bulk loader (its NDJSON built before the clock)', round((peerCpu / N) * 1e6, 1),
  { events: N, note: 'CPU of the client process per event: validation + serialisation + HTTP for the adapter, HTTP only for the peer' });
emit('store.engine.writer_peak_rss', adapterRss, 'MiB', null, null, { note: `includes ${N} pre-generated events and the peer's NDJSON` });
rss.stop();

for (const s of [adapter, peerStore]) {
  const idx = await s.http.request('GET', `/_cat/indices/${s.prefix}-*?format=json&h=index`);
  for (const { index } of idx.body as { index: string }[]) await s.http.request('DELETE', `/${index}`);
  for (const d of ['events', 'flows', 'alerts', 'incidents', 'audit', 'reports', 'deadletter']) await s.http.request('DELETE', `/_index_template/${s.prefix}-${d}`, undefined, [404]);
  await s.close();
}
