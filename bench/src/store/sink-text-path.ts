/**
 * The collector's store sink draining spool records (`{"d","i","e"}` JSON text, as the pipeline writes them)
 * into SQLite: the text path (`bulkJson`: record head split, document text stored as read) against the path
 * the sink took before (each record parsed, the store serialising the document again), through the real
 * StoreSink. Fresh file per run; the two alternate over SOC_BENCH_ROUNDS rounds (the machine is shared).
 *   node --import tsx bench/src/store/sink-text-path.ts      (SOC_BENCH_EVENTS=50000, SOC_BENCH_ROUNDS=2)
 */
import path from 'node:path';
import { pino } from 'pino';
import { SqliteEventStore, type EventStore } from '@emsoc/event-store';
import { StoreSink, type SinkInput } from '@emsoc/log-collector/sinks/store/store-sink';
import type { SpoolBatch } from '@emsoc/log-collector/spool/spool-reader';
import { syntheticEvent } from './synthetic.js';
import { cpuSeconds, emit, intArg, round, scratchDir } from './util.js';

const N = intArg('SOC_BENCH_EVENTS', 50_000);
const ROUNDS = Math.max(1, intArg('SOC_BENCH_ROUNDS', 2));
const BATCH = 1_000; // the sink's default batch size
const dir = scratchDir('emsoc-bench-sink-');
const records = Array.from({ length: N }, (_, i) => {
  const s = syntheticEvent(i, 7 * 86_400_000, N);
  return Buffer.from(JSON.stringify({ d: 'events', i: s.id, e: s.doc }));
});

/** The spool as the sink sees it, in memory: batches of BATCH records. */
function memoryInput(): SinkInput & { done: Promise<void> } {
  let next = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return {
    done,
    read: (max): SpoolBatch | undefined => {
      if (next >= records.length) return undefined;
      const payloads = records.slice(next, next + Math.min(max, BATCH));
      next += payloads.length;
      return { payloads, end: { segment: 0, offset: next } };
    },
    ack: (pos) => { if (pos.offset >= records.length) finish(); },
    changed: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
    get backlogBytes() { return next >= records.length ? 0 : 1; },
  };
}

async function run(textPath: boolean, r: number): Promise<number> {
  const sqlite = new SqliteEventStore({ path: path.join(dir, `sink-${textPath}-${r}.db`) });
  await sqlite.init();
  // The store without bulkJson makes the sink parse every record and hand over objects (its earlier path).
  const store: EventStore = textPath ? sqlite : Object.assign(Object.create(sqlite) as EventStore, { bulkJson: undefined });
  const input = memoryInput();
  const sink = new StoreSink(input, store, pino({ level: 'silent' }), { batchSize: BATCH, lingerMs: 0 });
  const c0 = process.cpuUsage();
  sink.start();
  await input.done;
  const cpu = cpuSeconds(c0);
  await sink.stop(0);
  if ((await sqlite.count({ dataset: 'events' })) !== N) throw new Error('not every record was stored');
  await sqlite.close();
  return N / cpu;
}

const text: number[] = [];
const parsed: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  parsed.push(await run(false, r));
  text.push(await run(true, r));
}
const best = (xs: number[]) => Math.max(...xs);
emit('store.sink.sqlite_parsed_records_cpu', round(best(parsed), 0), 'events/cpu-s', null, null, { events: N, runs: parsed.map((x) => round(x, 0)), note: 'StoreSink: record parsed, document serialised again by the store (before bulkJson)' });
emit('store.sink.sqlite_text_records_cpu', round(best(text), 0), 'events/cpu-s', null, null, { events: N, runs: text.map((x) => round(x, 0)), note: 'StoreSink: record head split, document text to bulkJson (parsed once there for the checks)' });
