/**
 * Collector memory at a steady 50,000 events/s (target ≤ 300 MB RSS): the compiled sender process writes
 * syslog over TCP at that rate (many lines per write) for a bounded time into the in-process collector
 * (listener → raw-frame spool → sink worker thread: parse, normalize, SQLite; `--decode-on receive` is the
 * former layout, parsed on the receiving thread before the spool). RSS is sampled every 250 ms and the
 * maximum reported with the rate actually absorbed: TCP backpressure slows the sender when the collector
 * cannot keep up, so `steady` says whether the target rate was really reached (absorbed ≥ 95 % of it).
 *
 * With the peak, the parts that can be told apart: the main thread's V8 heap, the sink worker's V8 heap
 * (it reports it every second), external/array buffers; the rest of the RSS is native (SQLite page cache
 * in the sink worker, code, stacks, allocator).
 *
 * Stages: `full` (default) drains as `npm start` runs the collector (asset/IOC enrichment and live detection with
 * the rules library in the sink worker); `--stages bare` parses and normalizes only.
 *
 *   node --import tsx bench/src/collector/rss-steady.ts [--seconds 20] [--rate 50000] [--sink worker|inline|none] [--decode-on drain|receive] [--stages full|bare]
 */
import os from 'node:os';
import { pino } from 'pino';
import { listenSyslogTcp } from '../../../log-collector/src/sources/syslog/listen.js';
import { WorkerStoreSink } from '../../../log-collector/src/sinks/store/worker-store-sink.js';
import { emit, inProcessCollector, sender } from './harness.js';
import { freeTcpPort } from '@emsoc/common';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const seconds = Number(opt('--seconds')) || 20;
const rate = Number(opt('--rate')) || 50_000;
const sinkMode = (opt('--sink') ?? 'worker') as 'worker' | 'inline' | 'none';
const decodeOn = opt('--decode-on') === 'receive' ? 'receive' : 'drain';
// As `npm start` runs it (enrichment + live detection in the drain) unless `--stages bare`.
const stages = opt('--stages') === 'bare' ? 'bare' : 'full';

const MB = 2 ** 20;
const port = await freeTcpPort();
const c = await inProcessCollector({ sink: sinkMode, decodeOn, stages });
// Frames received = events spooled (raw frames, or documents in the former decode-on-receive layout).
let frames = 0;
const submitRaw = c.pipeline.submitRaw.bind(c.pipeline);
c.pipeline.submitRaw = (source, records, events) => {
  const ok = submitRaw(source, records, events);
  if (ok) frames += events;
  return ok;
};
const submit = c.pipeline.submit.bind(c.pipeline);
c.pipeline.submit = (source, docs) => {
  const ok = submit(source, docs);
  if (ok) frames += docs.length;
  return ok;
};
const server = await listenSyslogTcp({ host: '127.0.0.1', port, decode: c.decode, pipeline: c.pipeline, maxFrameBytes: 65536, logger: pino({ level: 'silent' }) });
const workerHeap = () => (c.sink instanceof WorkerStoreSink ? c.sink.workerHeapBytes : 0);
let peak = { rss: 0, mainHeap: 0, workerHeap: 0, external: 0, arrayBuffers: 0 };
const sample = () => {
  const m = process.memoryUsage();
  if (m.rss > peak.rss) peak = { rss: m.rss, mainHeap: m.heapTotal, workerHeap: workerHeap(), external: m.external, arrayBuffers: m.arrayBuffers };
};
const sampler = setInterval(sample, 250);
const t0 = performance.now();
const s = sender('tcp', { port, count: rate * seconds, rate });
// Bounded: whatever the sender managed to push, stop after `seconds`.
const r = await Promise.race([s.done, new Promise<undefined>((res) => setTimeout(() => res(undefined), seconds * 1000 + 2000))]);
const elapsed = (performance.now() - t0) / 1000;
const received = frames;
s.proc.kill('SIGKILL');
clearInterval(sampler);
sample();
const absorbed = received / elapsed;
const mb = (x: number) => Math.round((x / MB) * 10) / 10;
emit('collector.rss_at_steady_rate', peak.rss / MB, 'MB', null, null, {
  target_rate: rate, decode_on: decodeOn, stages, absorbed_rate: Math.round(absorbed), steady: absorbed >= 0.95 * rate, sink: sinkMode, sender: r?.sender ?? 'killed at the deadline',
  sender_finished: r !== undefined, received, seconds: Math.round(elapsed * 10) / 10, target_mb: 300,
  at_peak: {
    main_heap_mb: mb(peak.mainHeap), sink_worker_heap_mb: mb(peak.workerHeap), external_mb: mb(peak.external), array_buffers_mb: mb(peak.arrayBuffers),
    native_and_other_mb: mb(peak.rss - peak.mainHeap - peak.workerHeap - peak.external),
  },
  spool_backlog_mb: mb(c.spool.backlogBytes), loadavg1: Number(os.loadavg()[0]!.toFixed(1)),
});
server.close();
await c.close(1000);
process.exit(0);
