import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { BulkResult, Dataset, StoredDocument } from '../../src/contract.js';
import { SqliteEventStore } from '../../src/sqlite/store.js';
import { BulkWriter, WriterClosedError } from '../../src/bulk/writer.js';

/** A real SQLite store whose transport can be taken down or made to shed load, like an engine under stress. */
class FlakyStore extends SqliteEventStore {
  down = false;
  /** Item ids answered with 429 on their first attempt. */
  shedOnce = new Set<string>();
  calls = 0;
  override async bulk(d: Dataset, docs: StoredDocument[]): Promise<BulkResult> {
    this.calls++;
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9200'), { retryable: true });
    const shed = docs.filter((x) => this.shedOnce.delete(x.id));
    const res = await super.bulk(d, docs.filter((x) => !shed.includes(x)));
    return { written: res.written, failed: [...res.failed, ...shed.map((x) => ({ id: x.id, ok: false, retryable: true, error: '429 es_rejected_execution_exception' }))] };
  }
}

const ev = (i: number): StoredDocument => ({ id: `e${i}`, doc: { '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), message: `event ${i}`, source: { port: i % 65536 } } });
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('BulkWriter', () => {
  let store: FlakyStore;
  beforeEach(async () => { store = new FlakyStore({ path: ':memory:' }); await store.init(); });
  afterEach(() => store.close());

  it('batches by count and flushes partial batches on time', async () => {
    const w = new BulkWriter(store, { maxBatchDocs: 100, flushIntervalMs: 400 });
    const t0 = Date.now();
    for (let i = 0; i < 250; i++) await w.write('events', ev(i));
    await tick(20);
    if (Date.now() - t0 < 350) assert.equal(await store.count({ dataset: 'events' }), 200); // two full batches went at once
    await tick(500);
    assert.equal(await store.count({ dataset: 'events' }), 250); // the partial one after the interval
    assert.equal(w.stats.written, 250);
    assert.equal(w.stats.queued, 0);
    assert.ok(w.stats.bytes > 250 * 50);
    await w.close();
  });

  it('batches by bytes', async () => {
    const w = new BulkWriter(store, { maxBatchDocs: 10_000, maxBatchBytes: 2_000, flushIntervalMs: 10_000 });
    for (let i = 0; i < 100; i++) await w.write('events', ev(i));
    await w.flush();
    assert.ok(store.calls >= 4, `calls ${store.calls}`);
    assert.equal(await store.count({ dataset: 'events' }), 100);
  });

  it('turns an outage into backpressure and delivers every event exactly once afterwards', async () => {
    const w = new BulkWriter(store, { maxBatchDocs: 20, maxQueueDocs: 50, flushIntervalMs: 5, retryInitialDelayMs: 5, retryMaxDelayMs: 40 });
    store.down = true;
    let accepted = 0;
    const producer = (async () => { for (let i = 0; i < 300; i++) { await w.write('events', ev(i)); accepted++; } })();
    await tick(150);
    assert.ok(accepted <= 50, `accepted ${accepted} while down`);
    assert.ok(w.stats.queued <= 50);
    assert.ok(w.stats.retried > 0);
    assert.ok(w.stats.blockedWrites >= 1);
    store.down = false;
    await producer;
    await w.close();
    assert.equal(accepted, 300);
    const all = await store.search({ dataset: 'events', size: 1000 });
    assert.equal(all.total, 300);
    assert.equal(new Set(all.hits.map((h) => h.id)).size, 300);
    assert.equal(w.stats.written, 300);
    assert.equal(w.stats.deadlettered, 0);
  });

  it('retries only the items that were shed', async () => {
    const w = new BulkWriter(store, { maxBatchDocs: 50, retryInitialDelayMs: 1 });
    for (let i = 0; i < 50; i += 7) store.shedOnce.add(`e${i}`);
    for (let i = 0; i < 50; i++) await w.write('events', ev(i));
    await w.flush();
    assert.equal(w.stats.retried, 8);
    assert.equal(await store.count({ dataset: 'events' }), 50);
  });

  it('dead-letters permanent rejections, keeps them searchable, and writes the rest', async () => {
    const events: string[] = [];
    const w = new BulkWriter(store, { onEvent: (e) => events.push(e.type) });
    await w.write('flows', ev(1));
    await w.write('flows', { id: 'bad', doc: { '@timestamp': '2026-01-01T00:00:00Z', destination: { port: 'http' } } });
    await w.close();
    assert.equal(await store.count({ dataset: 'flows' }), 1);
    assert.equal(w.stats.deadlettered, 1);
    assert.deepEqual(events, ['deadletter']);
    const dl = await store.search({ dataset: 'deadletter', query: 'deadletter.dataset:flows AND destination' });
    assert.equal(dl.total, 1);
    assert.equal(dl.hits[0]!.id, 'flows:bad');
    assert.match(String((dl.hits[0]!.doc as any).event.original), /"port":"http"/);
  });

  it('refuses writes after close', async () => {
    const w = new BulkWriter(store);
    await w.close();
    await assert.rejects(w.write('events', ev(1)), WriterClosedError);
  });
});
