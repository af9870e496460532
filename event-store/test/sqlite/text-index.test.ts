import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteEventStore } from '../../src/sqlite/store.js';
import { TextIndexer } from '../../src/sqlite/text-index.js';

const ev = (i: number, message: string) => ({ id: `t-${i}`, doc: { '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), message, user: { name: `u${i % 3}` } } });
const ftsRows = (s: SqliteEventStore) => s.db.prepare(`SELECT count(*) FROM ds_events_fts WHERE ds_events_fts MATCH '"certificate"'`).pluck().get();

describe('deferred text indexing (sqlite)', () => {
  it('finds text written by bulk() at once, and the indexer catches up to the same answers', async () => {
    const store = new SqliteEventStore({ path: ':memory:' });
    await store.init();
    const text = new TextIndexer(store.db, 'events');
    await store.bulk('events', [ev(1, 'certificate upload failed'), ev(2, 'session opened'), ev(3, 'Certificate revoked 证书')]);
    assert.equal(text.backlog(), 3, 'bulk() leaves the text index to the indexer');
    const ask = async () => [
      await store.count({ dataset: 'events', query: 'certificate' }),
      await store.count({ dataset: 'events', query: '"certificate upload"' }),
      await store.count({ dataset: 'events', query: 'certif* AND user.name:u0' }),
      await store.count({ dataset: 'events', query: '证 AND NOT session' }),
      (await store.search({ dataset: 'events', query: 'certificate AND revoked' })).hits.map((h) => h.id).join(),
    ];
    const beforeIndexing = await ask();
    assert.deepEqual(beforeIndexing, [2, 1, 1, 1, 't-3']);
    await store.refresh('events');
    assert.equal(text.backlog(), 0);
    assert.equal(ftsRows(store), 2);
    assert.deepEqual(await ask(), beforeIndexing);
    // Half indexed: the index answers for the old rows, the scan for the new ones.
    await store.bulk('events', [ev(4, 'certificate expired')]);
    assert.equal(text.backlog(), 1);
    assert.equal(await store.count({ dataset: 'events', query: 'certificate' }), 3);
    await store.close();
  });

  it('indexes in the background after a bulk write', async () => {
    const store = new SqliteEventStore({ path: ':memory:' });
    await store.init();
    await store.bulk('events', Array.from({ length: 50 }, (_, i) => ev(i, `certificate number ${i}`)));
    const text = new TextIndexer(store.db, 'events');
    for (let i = 0; i < 100 && text.backlog() > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(text.backlog(), 0);
    assert.equal(ftsRows(store), 50);
    await store.close();
  });

  it('ends consistent after a crash between the row write and the text indexing, and a replay', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'emsoc-text-'));
    try {
      const file = path.join(dir, 'e.db');
      const docs = [ev(1, 'certificate upload'), ev(2, 'password changed'), ev(3, 'certificate renewed')];
      const first = new SqliteEventStore({ path: file });
      await first.init();
      await first.bulk('events', docs);
      await first.close(); // before the background indexer ran: rows stored, text not indexed
      const second = new SqliteEventStore({ path: file });
      await second.init();
      assert.equal(new TextIndexer(second.db, 'events').backlog(), 3);
      assert.equal(await second.count({ dataset: 'events', query: 'certificate' }), 2);
      // The collector replays the same batch (it never got the acknowledgement), with one changed document.
      await second.bulk('events', [...docs.slice(0, 2), ev(3, 'password expired')]);
      await second.refresh();
      assert.equal(await second.count({ dataset: 'events' }), 3);
      assert.equal(await second.count({ dataset: 'events', query: 'certificate' }), 1);
      assert.equal(await second.count({ dataset: 'events', query: 'password' }), 2);
      assert.equal(ftsRows(second), 1);
      // A change to an indexed row replaces its text entry at once.
      await second.bulk('events', [ev(1, 'session closed')]);
      assert.equal(await second.count({ dataset: 'events', query: 'certificate' }), 0);
      assert.equal(await second.count({ dataset: 'events', query: 'session' }), 1);
      // A new row after retention removed the newest one never reuses an indexed rid.
      await second.deleteBefore('events', new Date(Date.UTC(2027, 0, 1)));
      await second.bulk('events', [ev(9, 'certificate again')]);
      assert.equal(await second.count({ dataset: 'events', query: 'certificate' }), 1);
      await second.refresh();
      assert.equal(await second.count({ dataset: 'events', query: 'certificate' }), 1);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('retention removes rows whose text is not indexed yet', async () => {
    const store = new SqliteEventStore({ path: ':memory:' });
    await store.init();
    await store.bulk('events', [ev(1, 'certificate a'), ev(2, 'certificate b')]);
    await store.refresh();
    await store.bulk('events', [ev(3, 'certificate c')]);
    const r = await store.deleteBefore('events', new Date(Date.UTC(2027, 0, 1)));
    assert.equal(r.removed, 3);
    assert.equal(await store.count({ dataset: 'events', query: 'certificate' }), 0);
    await store.refresh();
    assert.equal(ftsRows(store), 0);
    await store.close();
  });
});
