/** Child process for multiprocess.test.ts: writes events in many small transactions, like the collector. */
import { SqliteEventStore } from '../../src/sqlite/store.js';

const [dbPath, countText] = process.argv.slice(2);
const store = new SqliteEventStore({ path: dbPath!, busyTimeoutMs: 10_000 });
const count = Number(countText);
let failed = 0;
for (let i = 0; i < count; i += 50) {
  const docs = Array.from({ length: 50 }, (_, k) => ({ id: `c-${i + k}`, doc: { '@timestamp': new Date(Date.UTC(2026, 0, 1) + (i + k) * 1000).toISOString(), message: `child event ${i + k}` } }));
  const r = await store.bulk('events', docs);
  failed += r.failed.length;
}
await store.close();
process.stdout.write(JSON.stringify({ failed }) + '\n');
