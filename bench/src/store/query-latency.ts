/**
 * Query latency p50/p95 at SOC_BENCH_EVENTS (default 1,000,000) synthetic events over 7 days:
 * term + 24 h time range, free text, and a 24 h terms aggregation. SQLite always (target p95 ≤ 100 ms for
 * term + time range); the search engine too when SOC_BENCH_ENGINE_URL (or SOC_TEST_ENGINE_URL) is set.
 *   node --import tsx bench/src/store/query-latency.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteEventStore, SearchEngineEventStore, type EventStore } from '@emsoc/event-store';
import { syntheticEvent, BENCH_START } from './synthetic.js';
import { emit, engineUrl, intArg, percentile, round } from './util.js';

const N = intArg('SOC_BENCH_EVENTS', 1_000_000);
const RUNS = intArg('SOC_BENCH_RUNS', 50);
const DAY = 86_400_000;
const BATCH = 5_000;

async function load(store: EventStore): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, N - i) }, (_, k) => syntheticEvent(i + k, 7 * DAY, N));
    const r = await store.bulk('events', batch);
    if (r.failed.length) throw new Error(r.failed[0]!.error);
  }
  await store.refresh('events');
  return N / ((performance.now() - t0) / 1000);
}

/** Deterministic pseudo-random windows and users, the same for both engines. */
function* cases(seed: number): Generator<{ from: Date; to: Date; user: string }> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const start = BENCH_START + (x % (6 * 24)) * 3_600_000;
    yield { from: new Date(start), to: new Date(start + DAY), user: `user${x % 500}` };
  }
}

async function measure(label: string, engine: string, store: EventStore) {
  const kinds: [string, (c: { from: Date; to: Date; user: string }) => Promise<unknown>][] = [
    ['term_time_range', (c) => store.search({ dataset: 'events', query: `user.name:${c.user}`, range: { from: c.from, to: c.to }, size: 100 })],
    ['free_text', (c) => store.search({ dataset: 'events', query: `"certificate upload" AND ${c.user}`, size: 100 })],
    ['terms_agg_24h', (c) => store.aggregate({ dataset: 'events', range: { from: c.from, to: c.to }, aggs: { top: { type: 'terms', field: 'source.ip', size: 10 } } })],
  ];
  for (const [name, run] of kinds) {
    const gen = cases(42);
    for (let w = 0; w < 3; w++) await run(gen.next().value!); // warm-up
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const c = gen.next().value!;
      const t0 = performance.now();
      await run(c);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const extra = { events: N, runs: RUNS, p50_ms: round(percentile(times, 50)), ...(name === 'term_time_range' && engine === 'sqlite' ? { target_p95_ms: 100 } : {}) };
    emit(`store.${engine}.query.${name}.p95`, round(percentile(times, 95)), 'ms', null, null, extra);
  }
  void label;
}

// SOC_BENCH_ONLY=sqlite|engine runs one side (e.g. to load both in parallel on separate machines).
const only = process.env.SOC_BENCH_ONLY;
if (only !== 'engine') {
  const dir = mkdtempSync(path.join(tmpdir(), 'emsoc-bench-q-'));
  const lite = new SqliteEventStore({ path: path.join(dir, 'q.db') });
  await lite.init();
  emit('store.sqlite.load_rate', round(await load(lite), 0), 'events/s', null, null, { events: N });
  await measure('sqlite', 'sqlite', lite);
  await lite.close();
  rmSync(dir, { recursive: true, force: true });
}

const url = only === 'sqlite' ? undefined : engineUrl();
if (!url) {
  emit('store.engine.query', null, 'ms', null, null, { skipped: 'no engine URL (set SOC_BENCH_ENGINE_URL or SOC_TEST_ENGINE_URL)' });
} else {
  const es = new SearchEngineEventStore({ urls: [url], indexPrefix: `emsocbench-q-${Date.now().toString(36)}`, index: { replicas: 0, refreshInterval: '30s' } });
  await es.init();
  emit('store.engine.load_rate', round(await load(es), 0), 'events/s', null, null, { events: N, engine: `${es.engine} ${es.version}` });
  await measure('engine', 'engine', es);
  const idx = await es.http.request('GET', `/_cat/indices/${es.prefix}-*?format=json&h=index`);
  for (const { index } of idx.body as { index: string }[]) await es.http.request('DELETE', `/${index}`);
  for (const d of ['events', 'flows', 'alerts', 'incidents', 'audit', 'reports', 'deadletter']) await es.http.request('DELETE', `/_index_template/${es.prefix}-${d}`, undefined, [404]);
  await es.close();
}
