import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteEventStore } from '../../src/sqlite/store.js';
import { idKey } from '../../src/sqlite/id-key.js';

const doc = (message: string, user: string, hour = 0) => ({ '@timestamp': `2026-01-01T0${hour}:00:00Z`, message, user: { name: user } });
const userOf = (doc: unknown) => (doc as { user: { name: string } } | undefined)?.user.name;
const count = (store: SqliteEventStore, query?: string) => store.count({ dataset: 'events', ...(query ? { query } : {}) });

describe('sqlite id key', () => {
  it('is a deterministic non-negative safe integer', () => {
    for (const id of ['', 'a', 'bench-1', 'f'.repeat(64), '登录-1', 'x'.repeat(512)]) {
      const k = idKey(id);
      assert.ok(Number.isSafeInteger(k) && k >= 0, id);
      assert.equal(idKey(id), k);
    }
    assert.notEqual(idKey('bench-1'), idKey('bench-2'));
  });

  it('stores two ids that share a key once each, replays and replaces them, and finds both by id', async () => {
    // Every id gets key 7: each write after the first one meets a taken key.
    const store = new SqliteEventStore({ path: ':memory:', idKeyForTests: () => 7 });
    await store.init();
    const a = { id: 'a', doc: doc('login accepted', 'alice') };
    const b = { id: 'b', doc: doc('login denied', 'bob') };
    const c = { id: 'c', doc: doc('session opened', 'carol') };
    assert.deepEqual(await store.bulk('events', [a, b, b, c, { ...c }]), { written: 5, failed: [] });
    assert.equal(await count(store), 3);
    assert.deepEqual(await store.bulk('events', [c, b, a]), { written: 3, failed: [] });
    assert.equal(await count(store), 3);
    await store.bulk('events', [{ id: 'b', doc: doc('login accepted again', 'bob') }]);
    assert.equal(await count(store), 3);
    await store.refresh('events');
    assert.equal(await count(store, 'denied'), 0);
    assert.equal(await count(store, 'again AND user.name:bob'), 1);
    for (const [id, user] of [['a', 'alice'], ['b', 'bob'], ['c', 'carol']] as const) {
      assert.equal(userOf(await store.get('events', id)), user);
      assert.equal(await count(store, `_id:${id}`), 1);
    }
    assert.equal(await store.get('events', 'd'), undefined);
    assert.equal(await count(store, '_id:d'), 0);
    await store.close();
  });

  it('does not store an unkeyed id again under its key once the key is free', async () => {
    const store = new SqliteEventStore({ path: ':memory:', idKeyForTests: () => 7 });
    await store.init();
    await store.bulk('events', [{ id: 'a', doc: doc('first', 'alice', 1) }, { id: 'b', doc: doc('second', 'bob', 5) }]);
    // Retention removes `a`, which held the key; `b` (stored without a key) is replayed.
    assert.equal((await store.deleteBefore('events', new Date('2026-01-01T03:00:00Z'))).removed, 1);
    assert.deepEqual(await store.bulk('events', [{ id: 'b', doc: doc('second', 'bob', 5) }, { id: 'b', doc: doc('second, changed', 'bob', 5) }]), { written: 2, failed: [] });
    assert.equal(await count(store), 1);
    assert.equal(await count(store, 'changed'), 1);
    // A new id takes the free key.
    await store.bulk('events', [{ id: 'c', doc: doc('third', 'carol', 6) }]);
    assert.equal(await count(store), 2);
    assert.equal(await count(store, '_id:c OR _id:b'), 2);
    await store.close();
  });

  it('keys a file written before the id key at init, keeps its rows, and replays do not duplicate them', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'emsoc-idk-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'old.db');
    {
      // The layout as it was: UNIQUE id text, no key column. Written through the current store, then the key
      // column is removed again (a table rebuild, as SQLite cannot drop a column an index uses).
      const store = new SqliteEventStore({ path: file });
      await store.init();
      await store.bulk('events', [{ id: 'old-1', doc: doc('login accepted', 'alice') }, { id: 'old-2', doc: doc('login denied', 'bob') }]);
      await store.close();
      const db = new Database(file);
      const cols = (db.pragma('table_info(ds_events)') as { name: string }[]).map((c) => c.name).filter((c) => c !== 'idk');
      db.exec(`DROP INDEX ds_events_idk; DROP INDEX ds_events_id_unkeyed;
        CREATE TABLE ds_old AS SELECT ${cols.join(', ')} FROM ds_events; DROP TABLE ds_events;
        CREATE TABLE ds_events (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ${cols.slice(2).join(', ')});
        INSERT INTO ds_events SELECT * FROM ds_old; DROP TABLE ds_old;`);
      db.close();
    }
    const ro = new SqliteEventStore({ path: file, readonly: true });
    assert.equal(userOf(await ro.get('events', 'old-1')), 'alice');
    assert.equal(await count(ro, '_id:old-2'), 1);
    await ro.close();
    const store = new SqliteEventStore({ path: file });
    await store.init();
    assert.equal(store.db.prepare('SELECT count(*) FROM ds_events WHERE idk IS NULL').pluck().get(), 0);
    await store.bulk('events', [{ id: 'old-1', doc: doc('login accepted', 'alice') }, { id: 'old-2', doc: doc('login denied twice', 'bob') }, { id: 'new-1', doc: doc('x', 'carol') }]);
    assert.equal(await count(store), 3);
    assert.equal(await count(store, 'twice'), 1);
    assert.equal(await count(store, '_id:old-1'), 1);
    await store.close();
  });
});
