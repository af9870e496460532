/**
 * The contract test suite, parameterised by engine. `sqlite.test.ts` runs it on every `npm test`;
 * `../engine.integration.ts` runs it against a real Elasticsearch/OpenSearch node.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QuerySyntaxError, type EventStore, type SearchRequest } from '../../src/contract.js';
import { fixtureDocs, toStored, BASE, type FixtureDoc } from './fixtures.js';
import { AGGS, QUERY_CASES, RANGE, expectedAggs } from './cases.js';

export interface StoreHandle {
  store: EventStore;
  cleanup(): Promise<void>;
}

const H = 3_600_000;

/** Every hit of a search, following cursors page by page. */
export async function searchAll(store: EventStore, req: Omit<SearchRequest, 'searchAfter'>) {
  const hits: { id: string; sort: unknown[] }[] = [];
  let cursor: unknown[] | undefined;
  let total = -1;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await store.search({ ...req, searchAfter: cursor });
    total = page.total;
    hits.push(...page.hits.map((h) => ({ id: h.id, sort: h.sort })));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return { total, hits };
}

export function contractSuite(label: string, open: () => Promise<StoreHandle>): void {
  describe(`EventStore contract: ${label}`, () => {
    let h: StoreHandle;
    let store: EventStore;
    const fixture = fixtureDocs();

    before(async () => {
      h = await open();
      store = h.store;
      await store.init();
      await store.init(); // idempotent
      const res = await store.bulk('events', fixture.map(toStored));
      assert.deepEqual(res.failed, []);
      assert.equal(res.written, fixture.length);
      await store.refresh('events');
    });
    after(async () => h?.cleanup());

    it('counts and gets what was written', async () => {
      assert.equal(await store.count({ dataset: 'events' }), fixture.length);
      const doc = await store.get('events', 'evt-0003');
      assert.equal(doc?.['@timestamp'], new Date(fixture[3]!.ts).toISOString());
      assert.deepEqual((doc as any).labels, { site: 'dmz' }); // dotted key normalised
      assert.equal(await store.get('events', 'no-such-id'), undefined);
      assert.equal(await store.count({ dataset: 'flows' }), 0);
    });

    it('replaces by id instead of duplicating', async () => {
      const incident = { id: 'inc-1', doc: { '@timestamp': new Date(BASE).toISOString(), message: 'opened', incident: { status: 'open' } } };
      await store.bulk('incidents', [incident]);
      await store.bulk('incidents', [{ ...incident, doc: { ...incident.doc, message: 'closed now', incident: { status: 'closed' } } }]);
      await store.refresh('incidents');
      assert.equal(await store.count({ dataset: 'incidents' }), 1);
      assert.equal(((await store.get('incidents', 'inc-1')) as any).incident.status, 'closed');
      assert.equal(await store.count({ dataset: 'incidents', query: 'opened' }), 0);
      assert.equal(await store.count({ dataset: 'incidents', query: 'closed' }), 1);
      // a replayed event batch does not duplicate either
      await store.bulk('events', fixture.slice(0, 10).map(toStored));
      await store.refresh('events');
      assert.equal(await store.count({ dataset: 'events' }), fixture.length);
    });

    it('rejects ill-typed documents per item, not per batch, and never as retryable', async () => {
      const good = toStored(fixture[0]!);
      const res = await store.bulk('flows', [
        { id: 'f-ok', doc: good.doc },
        { id: 'f-bad-ip', doc: { '@timestamp': good.doc['@timestamp'], source: { ip: 'not-an-ip' } } },
        { id: 'f-bad-port', doc: { '@timestamp': good.doc['@timestamp'], destination: { port: 'eighty' } } },
        { id: 'f-bad-ts', doc: { '@timestamp': 'yesterday' } },
        { id: 'f-multi', doc: { '@timestamp': good.doc['@timestamp'], source: { ip: ['10.0.0.1', '10.0.0.2'] } } },
      ]);
      assert.equal(res.written, 1);
      assert.deepEqual(res.failed.map((f) => [f.id, f.retryable]), [['f-bad-ip', false], ['f-bad-port', false], ['f-bad-ts', false], ['f-multi', false]]);
      assert.match(res.failed[0]!.error!, /source\.ip/);
    });

    it('stores JSON text (bulkJson) as bulk stores the parsed document: same checks, same results', async () => {
      assert.equal(typeof store.bulkJson, 'function');
      const sample = fixture.slice(0, 12).map(toStored);
      const ts = sample[0]!.doc['@timestamp'];
      const items = [
        ...sample.map((s) => ({ id: s.id, json: JSON.stringify(s.doc) })),
        { id: 'a-bad-ip', json: JSON.stringify({ '@timestamp': ts, source: { ip: 'not-an-ip' } }) },
        { id: 'a-bad-port', json: JSON.stringify({ '@timestamp': ts, destination: { port: 'eighty' } }) },
        { id: 'a-multi', json: JSON.stringify({ '@timestamp': ts, source: { ip: ['10.0.0.1', '10.0.0.2'] } }) },
        { id: 'a-not-json', json: '{"@timestamp": "2026-03-01T00:00:00Z", ' },
        { id: 'a-array', json: '[1, 2]' },
        // normalised like bulk(): dotted keys expanded, the reserved id field dropped
        { id: 'a-dotted', json: JSON.stringify({ '@timestamp': ts, 'user.name': 'dotted-user', emsoc_id: 'x' }) },
      ];
      const res = await store.bulkJson!('audit', items);
      assert.deepEqual(res.failed.map((f) => [f.id, f.retryable]), [['a-bad-ip', false], ['a-bad-port', false], ['a-multi', false], ['a-not-json', false], ['a-array', false]]);
      assert.equal(res.written, sample.length + 1);
      assert.match(res.failed[0]!.error!, /mapping conflict: .*source\.ip/);
      await store.refresh('audit');
      for (const s of sample) assert.deepEqual(await store.get('audit', s.id), await store.get('events', s.id));
      assert.deepEqual(await store.get('audit', 'a-dotted'), { '@timestamp': ts, user: { name: 'dotted-user' } });
      assert.equal(await store.count({ dataset: 'audit', query: 'user.name:dotted-user' }), 1);
      // hot columns and free text come from the text exactly as from the object
      for (const q of ['source.ip:10.0.0.0/8', 'destination.port >= 1024', 'failed', 'event.outcome:failure']) {
        const ids = new Set(sample.map((s) => s.id));
        const want = (await searchAll(store, { dataset: 'events', query: q, size: 50 })).hits.map((h) => h.id).filter((id) => ids.has(id)).sort();
        assert.deepEqual((await searchAll(store, { dataset: 'audit', query: q, size: 50 })).hits.map((h) => h.id).sort(), want, q);
      }
      // a replay of the same text does not duplicate
      await store.bulkJson!('audit', items.slice(0, 3));
      await store.refresh('audit');
      assert.equal(await store.count({ dataset: 'audit' }), sample.length + 1);
    });

    for (const [query, pred] of QUERY_CASES) {
      it(`query ${JSON.stringify(query)} returns exactly the matching documents`, async () => {
        const want = fixture.filter(pred).map((f) => f.id).sort();
        const got = await searchAll(store, { dataset: 'events', query, size: 25 });
        assert.equal(got.total, want.length);
        assert.deepEqual(got.hits.map((x) => x.id).sort(), want);
        assert.equal(await store.count({ dataset: 'events', query }), want.length);
      });
    }

    it('restricts to the time range [from, to)', async () => {
      const want = fixture.filter((f) => f.ts >= RANGE.from.getTime() && f.ts < RANGE.to.getTime() && f.user !== 'root');
      const got = await searchAll(store, { dataset: 'events', range: RANGE, query: 'NOT user.name:root', size: 5 });
      assert.equal(got.total, want.length);
      assert.deepEqual(got.hits.map((x) => x.id).sort(), want.map((f) => f.id).sort());
    });

    it('pages with search_after in @timestamp desc, id asc order (ties included)', async () => {
      const want = [...fixture].sort((a, b) => b.ts - a.ts || (a.id < b.id ? -1 : 1));
      const got = await searchAll(store, { dataset: 'events', size: 7 });
      assert.deepEqual(got.hits.map((x) => x.id), want.map((f) => f.id));
      assert.deepEqual(got.hits[0]!.sort, [want[0]!.ts, want[0]!.id]);
    });

    it('pages with a custom multi-field sort', async () => {
      const want = [...fixture].sort((a, b) => a.port - b.port || a.user.localeCompare(b.user) || (a.id < b.id ? -1 : 1));
      const got = await searchAll(store, { dataset: 'events', size: 9, sort: [{ field: 'destination.port', order: 'asc' }, { field: 'user.name', order: 'asc' }] });
      assert.deepEqual(got.hits.map((x) => x.id), want.map((f) => f.id));
      assert.deepEqual(got.hits[5]!.sort, [want[5]!.port, want[5]!.user, want[5]!.id]);
    });

    it('aggregates: histogram keys in epoch millis, terms by count desc then key asc, metrics, one nested level', async () => {
      const got = await store.aggregate({ dataset: 'events', aggs: AGGS });
      assertAggsEqual(got, expectedAggs(fixture));
      const ranged = await store.aggregate({ dataset: 'events', range: RANGE, query: 'tags:web', aggs: { users: AGGS.users!, bytesAvg: AGGS.bytesAvg! } });
      const sub = fixture.filter((f) => f.ts >= RANGE.from.getTime() && f.ts < RANGE.to.getTime() && f.tags.includes('web'));
      const exp = expectedAggs(sub);
      assertAggsEqual(ranged, { users: exp.users, bytesAvg: exp.bytesAvg });
      const none = await store.aggregate({ dataset: 'events', query: 'user.name:nobody', aggs: { s: AGGS.bytesSum!, a: AGGS.bytesAvg!, u: AGGS.users! } });
      assert.deepEqual(none, { s: { value: 0 }, a: { value: null }, u: { buckets: [] } });
    });

    it('reports query syntax errors with a 1-based column', async () => {
      await assert.rejects(store.search({ dataset: 'events', query: 'user.name:alice AND (' }), (e: unknown) =>
        e instanceof QuerySyntaxError && e.column === 22 && e.expected.length > 0);
      await assert.rejects(store.count({ dataset: 'events', query: 'source.ip:999.1.1.1' }), (e: unknown) => e instanceof QuerySyntaxError && e.column === 11);
      await assert.rejects(store.search({ dataset: 'nope' as any }), /unknown dataset/);
      await assert.rejects(store.aggregate({ dataset: 'events', aggs: { x: { type: 'terms', field: 'message', size: 3 } } }), /text field/);
    });

    it('reports health', async () => {
      const hs = await store.health();
      assert.ok(['green', 'yellow'].includes(hs.status), JSON.stringify(hs));
      assert.ok(hs.version.length > 0);
    });

    it('deletes documents older than a cutoff and reports how many', async () => {
      const cutoff = new Date(BASE + 30 * H + 30 * 60_000);
      const expected = fixture.filter((f) => f.ts < cutoff.getTime()).length;
      const res = await store.deleteBefore('events', cutoff);
      assert.deepEqual(res, { dataset: 'events', removedBefore: cutoff, removed: expected });
      await store.refresh('events');
      assert.equal(await store.count({ dataset: 'events' }), fixture.length - expected);
      assert.equal(await store.count({ dataset: 'events', range: { from: new Date(0), to: cutoff } }), 0);
      assert.equal((await store.deleteBefore('events', cutoff)).removed, 0);
    });
  });
}

/** Exact comparison except averages, which both engines compute in floating point. */
export function assertAggsEqual(got: Record<string, unknown>, want: Record<string, unknown>): void {
  assert.deepEqual(roundAvgs(got), roundAvgs(want));
}

function roundAvgs(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isInteger(v)) return Math.round(v * 1e6) / 1e6;
  if (Array.isArray(v)) return v.map(roundAvgs);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roundAvgs(x)]));
  return v;
}

export type { FixtureDoc };
