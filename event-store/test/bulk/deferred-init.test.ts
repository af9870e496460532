import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteEventStore } from '../../src/sqlite/store.js';
import { withDeferredInit } from '../../src/deferred-init.js';
import type { EventStore } from '../../src/contract.js';

test('the deferred-init wrapper passes bulkJson through (after init), and only when the store has it', async () => {
  const sqlite = new SqliteEventStore({ path: ':memory:' });
  try {
    const store = withDeferredInit(sqlite);
    const json = JSON.stringify({ '@timestamp': '2026-11-29T01:00:00.000Z', user: { name: 'alice' } });
    const res = await store.bulkJson!('events', [{ id: 'e1', json }]); // tables are created first
    assert.deepEqual(res, { written: 1, failed: [] });
    assert.equal(await store.count({ dataset: 'events', query: 'user.name:alice' }), 1);
    const without = withDeferredInit(Object.assign(Object.create(sqlite) as EventStore, { bulkJson: undefined }));
    assert.equal(without.bulkJson, undefined);
  } finally {
    await sqlite.close();
  }
});
