import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteEventStore } from '../../src/sqlite/store.js';

const doc = (message: string, user: string) => ({ '@timestamp': '2026-01-01T00:00:00Z', message, user: { name: user } });

describe('sqlite replay of an identical document', () => {
  it('leaves the row and its text index as they were, and a later change still replaces both', async () => {
    const store = new SqliteEventStore({ path: ':memory:' });
    await store.init();
    const first = { id: 'e-1', doc: doc('login accepted', 'alice') };
    assert.equal((await store.bulk('events', [first])).written, 1);
    const ridOf = () => store.db.prepare('SELECT rid FROM ds_events WHERE id = ?').pluck().get('e-1');
    const rid = ridOf();
    const replay = await store.bulk('events', [first, { id: 'e-1', doc: { ...first.doc } }]);
    assert.deepEqual(replay, { written: 2, failed: [] });
    assert.equal(ridOf(), rid);
    assert.equal(await store.count({ dataset: 'events', query: 'accepted AND user.name:alice' }), 1);
    await store.bulk('events', [{ id: 'e-1', doc: doc('login denied', 'bob') }]);
    assert.equal(await store.count({ dataset: 'events' }), 1);
    assert.equal(await store.count({ dataset: 'events', query: 'accepted' }), 0);
    assert.equal(await store.count({ dataset: 'events', query: 'denied AND user.name:bob' }), 1);
    await store.close();
  });
});
