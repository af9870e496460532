/**
 * Engine-only tests (not part of `npm test`): the contract suite against a real Elasticsearch/OpenSearch
 * node, a field-by-field comparison with SQLite on the same fixture, and an outage test.
 *
 *   SOC_TEST_ENGINE_URL=http://127.0.0.1:9200 npm run test:engine -w @emsoc/event-store
 *
 * Outage test (only with SOC_TEST_ENGINE_OUTAGE=1): stops and restarts the node on the same data with
 * SOC_TEST_ENGINE_STOP / SOC_TEST_ENGINE_START (shell commands), defaulting to tests/engine/stop.sh --keep-data and tests/engine/start.sh --reuse-data (same ENGINE_PORT/ENGINE_PID_FILE
 * environment as the start that launched the node).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SearchEngineEventStore } from '../src/search-engine/store.js';
import { SqliteEventStore } from '../src/sqlite/store.js';
import { BulkWriter } from '../src/bulk/writer.js';
import { DATASETS, type EventStore, type SearchRequest } from '../src/contract.js';
import { contractSuite, searchAll, assertAggsEqual } from './contract/suite.js';
import { fixtureDocs, toStored } from './contract/fixtures.js';
import { AGGS, QUERY_CASES, RANGE } from './contract/cases.js';

const URL_ = process.env.SOC_TEST_ENGINE_URL;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function engineStore(prefix: string): SearchEngineEventStore {
  const auth = process.env.SOC_TEST_ENGINE_USER ? { username: process.env.SOC_TEST_ENGINE_USER, password: process.env.SOC_TEST_ENGINE_PASSWORD ?? '' } : undefined;
  return new SearchEngineEventStore({
    urls: URL_!.split(','), auth, indexPrefix: prefix, requestTimeoutMs: 10_000,
    tls: process.env.SOC_TEST_ENGINE_CA ? { caFile: process.env.SOC_TEST_ENGINE_CA } : undefined,
    index: { shards: 1, replicas: 0, refreshInterval: '1s' },
  });
}

async function dropPrefix(s: SearchEngineEventStore): Promise<void> {
  // Elasticsearch 8+ refuses wildcard deletes (action.destructive_requires_name): delete by name.
  const idx = await s.http.request('GET', `/_cat/indices/${s.prefix}-*?format=json&h=index`).catch(() => ({ body: [] }));
  for (const { index } of idx.body as { index: string }[]) await s.http.request('DELETE', `/${index}`, undefined, [404]).catch(() => undefined);
  for (const d of DATASETS) await s.http.request('DELETE', `/_index_template/${s.prefix}-${d}`, undefined, [404]).catch(() => undefined);
  await s.close();
}

const uniquePrefix = (tag: string) => `emsoctest-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

if (!URL_) {
  describe('engine integration', () => {
    it('needs a search engine', (t) => t.skip('SOC_TEST_ENGINE_URL is not set (e.g. http://127.0.0.1:9200 after tests/engine/start.sh)'));
  });
} else {
  contractSuite(`search engine at ${URL_}`, async () => {
    const store = engineStore(uniquePrefix('c'));
    return { store, cleanup: () => dropPrefix(store) };
  });

  describe('SQLite and the search engine agree on the same data', () => {
    let es: SearchEngineEventStore;
    let lite: SqliteEventStore;
    before(async () => {
      es = engineStore(uniquePrefix('x'));
      lite = new SqliteEventStore({ path: ':memory:' });
      const docs = fixtureDocs().map(toStored);
      for (const s of [es, lite] as EventStore[]) {
        await s.init();
        assert.deepEqual((await s.bulk('events', docs)).failed, []);
        await s.refresh('events');
      }
    });
    after(async () => { await dropPrefix(es); await lite.close(); });

    const compareSearch = async (req: Omit<SearchRequest, 'searchAfter'>) => {
      const [a, b] = await Promise.all([searchAll(es, req), searchAll(lite, req)]);
      assert.equal(a.total, b.total, `total for ${JSON.stringify(req)}`);
      assert.deepEqual(a.hits, b.hits, `hits and sort values for ${JSON.stringify(req)}`);
    };

    it('hit sets, order, sort values and totals', async () => {
      for (const [query] of QUERY_CASES) await compareSearch({ dataset: 'events', query, size: 50 });
      await compareSearch({ dataset: 'events', range: RANGE, size: 4 });
      await compareSearch({ dataset: 'events', size: 13, sort: [{ field: 'destination.port', order: 'desc' }, { field: 'source.ip', order: 'asc' }] });
      await compareSearch({ dataset: 'events', size: 11, sort: [{ field: 'labels.site', order: 'asc' }, { field: '@timestamp', order: 'asc' }] });
    });

    it('bucket keys, counts and metric values', async () => {
      const [a, b] = await Promise.all([es.aggregate({ dataset: 'events', aggs: AGGS }), lite.aggregate({ dataset: 'events', aggs: AGGS })]);
      assertAggsEqual(a, b);
      const q = { dataset: 'events' as const, query: 'NOT tags:web', range: RANGE, aggs: { h: AGGS.per6h!, u: AGGS.users! } };
      assertAggsEqual(await es.aggregate(q), await lite.aggregate(q));
    });

    it('get and deleteBefore agree', async () => {
      assert.deepEqual(await es.get('events', 'evt-0042'), await lite.get('events', 'evt-0042'));
      const cutoff = new Date(RANGE.to);
      const [a, b] = await Promise.all([es.deleteBefore('events', cutoff), lite.deleteBefore('events', cutoff)]);
      assert.deepEqual(a, b);
      await es.refresh('events');
      assert.equal(await es.count({ dataset: 'events' }), await lite.count({ dataset: 'events' }));
    });
  });

  describe('engine outage through BulkWriter', () => {
    // Opt-in, because it stops the node: the commands must address the node under test. With the
    // tests/engine scripts, ENGINE_PORT is taken from SOC_TEST_ENGINE_URL and ENGINE_PID_FILE is passed through.
    const optIn = process.env.SOC_TEST_ENGINE_OUTAGE === '1';
    const script = (name: string) => path.join(repoRoot, 'tests/engine', name);
    const stopCmd = process.env.SOC_TEST_ENGINE_STOP ?? (existsSync(script('stop.sh')) ? `${script('stop.sh')} --keep-data` : undefined);
    const startCmd = process.env.SOC_TEST_ENGINE_START ?? (existsSync(script('start.sh')) ? `${script('start.sh')} --reuse-data` : undefined);
    const env = { ...process.env, ENGINE_PORT: process.env.ENGINE_PORT ?? new URL(URL_.split(',')[0]!).port };

    it('delivers every event exactly once across a stop and restart', { timeout: 600_000 }, async (t) => {
      if (!optIn) return t.skip('set SOC_TEST_ENGINE_OUTAGE=1 to let this test stop and restart the engine');
      if (!stopCmd || !startCmd) return t.skip('no engine stop/start commands (SOC_TEST_ENGINE_STOP/START or tests/engine/*.sh)');
      const store = engineStore(uniquePrefix('o'));
      await store.init();
      const N = 3_000;
      const writer = new BulkWriter(store, { maxBatchDocs: 100, flushIntervalMs: 50, maxQueueDocs: 500, retryInitialDelayMs: 100, retryMaxDelayMs: 2_000 });
      let sent = 0;
      const producer = (async () => {
        for (let i = 0; i < N; i++) {
          await writer.write('events', { id: `o-${i}`, doc: { '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), message: `steady ${i}`, event: { action: 'outage' } } });
          sent++;
          if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
        }
      })();
      while (sent < N / 3) await new Promise((r) => setTimeout(r, 20));
      execSync(stopCmd, { stdio: 'inherit', timeout: 120_000, env });
      const sentAtStop = sent;
      await new Promise((r) => setTimeout(r, 3_000));
      assert.ok(sent - sentAtStop <= 600, `writer kept accepting while the engine was down (${sent - sentAtStop}, ${JSON.stringify(writer.stats)})`);
      assert.ok(writer.stats.retried > 0, 'retries while down');
      execSync(startCmd, { stdio: 'inherit', timeout: 300_000, env });
      await producer;
      await writer.close();
      await store.refresh('events');
      assert.equal(await store.count({ dataset: 'events' }), N);
      const agg = await store.aggregate({ dataset: 'events', aggs: { ids: { type: 'cardinality', field: 'event.action' } } });
      assert.deepEqual(agg, { ids: { value: 1 } });
      const all = await searchAll(store, { dataset: 'events', size: 1_000 });
      assert.equal(new Set(all.hits.map((h) => h.id)).size, N);
      assert.equal(writer.stats.written, N);
      assert.equal(writer.stats.deadlettered + writer.stats.lost, 0);
      await dropPrefix(store);
    });
  });
}
