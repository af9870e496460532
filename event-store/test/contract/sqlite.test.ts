import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteEventStore } from '../../src/sqlite/store.js';
import { contractSuite } from './suite.js';

contractSuite('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'emsoc-store-'));
  const store = new SqliteEventStore({ path: path.join(dir, 'events.db') });
  return { store, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
});
