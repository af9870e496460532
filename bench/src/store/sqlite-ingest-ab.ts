/**
 * Old against new SQLite ingest in one process, interleaved: the machine is shared, so two runs minutes apart
 * compare the neighbours as much as the code. SOC_BENCH_OLD_STORE names the event-store entry of an older
 * checkout (e.g. `git worktree add /tmp/wt-store-old <commit>`, then .../event-store/src/index.ts); both are
 * fed the same documents, each round into fresh files, and the median events per CPU second is reported.
 *   SOC_BENCH_OLD_STORE=/tmp/wt-store-old/event-store/src/index.ts node --import tsx bench/src/store/sqlite-ingest-ab.ts
 *   (SOC_BENCH_EVENTS=50000, SOC_BENCH_ROUNDS=3; ids: bench-<i> and SHA-256 hex)
 */
import path from 'node:path';
import { SqliteEventStore } from '@emsoc/event-store';
import { syntheticEvent } from './synthetic.js';
import { cpuSeconds, emit, intArg, median, round, scratchDir, sha256Hex } from './util.js';

const oldEntry = process.env.SOC_BENCH_OLD_STORE;
if (!oldEntry) {
  emit('store.sqlite.ingest_ab', null, 'events/cpu-s', null, null, { skipped: 'set SOC_BENCH_OLD_STORE to the event-store entry of an older checkout' });
  process.exit(0);
}
type Store = Pick<SqliteEventStore, 'init' | 'bulk' | 'bulkJson' | 'close'>;
const Old = (await import(oldEntry)).SqliteEventStore as new (o: { path: string }) => Store;
const N = intArg('SOC_BENCH_EVENTS', 50_000);
const ROUNDS = Math.max(1, intArg('SOC_BENCH_ROUNDS', 3));
const BATCH = 5_000;
const dir = scratchDir('emsoc-bench-ab-');
const src = Array.from({ length: N }, (_, i) => syntheticEvent(i, 7 * 86_400_000, N));
const inputs = {
  bench_id: { docs: src, texts: src.map((d) => ({ id: d.id, json: JSON.stringify(d.doc) })) },
  sha256_id: { docs: src.map((d) => ({ id: sha256Hex(d.id), doc: d.doc })), texts: src.map((d) => ({ id: sha256Hex(d.id), json: JSON.stringify(d.doc) })) },
};

let file = 0;
async function run(Store: new (o: { path: string }) => Store, call: 'bulk' | 'bulkJson', ids: keyof typeof inputs): Promise<number> {
  const store = new Store({ path: path.join(dir, `${file++}.db`) });
  await store.init();
  const input = call === 'bulk' ? inputs[ids].docs : inputs[ids].texts;
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i += BATCH) {
    const r = call === 'bulk' ? await store.bulk('events', input.slice(i, i + BATCH) as typeof src) : await store.bulkJson!('events', input.slice(i, i + BATCH) as { id: string; json: string }[]);
    if (r.failed.length) throw new Error(r.failed[0]!.error);
  }
  const cpu = cpuSeconds(c0);
  await store.close();
  return N / cpu;
}

for (const call of ['bulk', 'bulkJson'] as const) {
  for (const ids of ['bench_id', 'sha256_id'] as const) {
    const old: number[] = [];
    const now: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      old.push(await run(Old, call, ids));
      now.push(await run(SqliteEventStore, call, ids));
    }
    const name = `store.sqlite.ab.${call === 'bulk' ? 'bulk' : 'bulk_json'}.${ids}`;
    emit(name, round(median(now), 0), 'events/cpu-s', 'old', round(median(old), 0), {
      events: N, rounds: ROUNDS, old: oldEntry, ratio: round(median(now) / median(old), 3), runs: now.map((x) => round(x, 0)), old_runs: old.map((x) => round(x, 0)),
    });
  }
}
