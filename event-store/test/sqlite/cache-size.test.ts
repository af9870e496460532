import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteEventStore } from '../../src/sqlite/store.js';
import { openEventStore } from '../../src/factory.js';

test('the page cache is 64 MiB unless the opener asks for another size (the collector sink asks for 16)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-cache-'));
  try {
    const dflt = new SqliteEventStore({ path: path.join(dir, 'a.db') });
    assert.equal(dflt.db.pragma('cache_size', { simple: true }), -64 * 1024);
    await dflt.close();
    const small = (await openEventStore({ engine: 'sqlite', path: path.join(dir, 'b.db'), cacheMiB: 16 })) as SqliteEventStore;
    assert.equal(small.db.pragma('cache_size', { simple: true }), -16 * 1024);
    await small.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
