/**
 * Worker-thread entry of the store sink: owns its own store connection and the reading side of the spool,
 * so store writes (SQLite transactions above all) never stall the thread that receives; with a drain spec
 * it also parses, normalizes and enriches the raw syslog frames the listeners spooled, and runs detection.
 * Protocol with WorkerStoreSink: in `appended` | `stop`; out `{ acked: bytes }` | `waiting` | `{ metrics }` | `{ heapBytes }` | `stopped`.
 */
import v8 from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { SpoolReader } from '../../spool/spool-reader.js';
import { StoreSink, type SinkInput, type StoreSinkOptions } from './store-sink.js';
import { openSinkStore, type SinkStoreSpec } from './sink-store-spec.js';
import { sinkMetricUpdates } from './sink-metrics-relay.js';
import { openSpoolDrain, type DrainSpec } from '../../pipeline/drain-spec.js';

export interface SinkWorkerData {
  spoolDir: string;
  store: SinkStoreSpec;
  options: StoreSinkOptions;
  /** Raw syslog frames are decoded (and detection run) in this thread when given. */
  drain?: DrainSpec;
  logLevel: string;
}

const data = workerData as SinkWorkerData;
const port = parentPort!;
const logger = pino({ level: data.logLevel }).child({ component: 'store-sink-worker' });
const reader = new SpoolReader(data.spoolDir);
let wake: Array<() => void> = [];

const input: SinkInput = {
  // The sink decodes a batch into documents before it reads again: it can borrow the reader's window.
  read: (max) => reader.read(max, { borrow: true }),
  seek: (pos) => reader.seek(pos),
  ack: (pos) => port.postMessage({ acked: reader.ack(pos) }),
  changed: (timeoutMs) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      wake.push(() => {
        clearTimeout(t);
        resolve();
      });
      port.postMessage('waiting');
    }),
  // The main thread keeps the backlog count and decides when to stop.
  backlogBytes: 0,
};

const store = await openSinkStore(data.store, (e) => logger.warn({ err: String(e) }, 'event store not ready; spooling until it is'));
const drain = data.drain ? await openSpoolDrain(data.drain, logger) : undefined;
const sink = new StoreSink(input, store, logger, data.options, drain?.drain);
sink.start();
const reportMetrics = async () => {
  const updates = await sinkMetricUpdates();
  if (updates.length > 0) port.postMessage({ metrics: updates });
  // This thread's V8 heap (its own isolate), so the collector can tell it apart from the main heap.
  port.postMessage({ heapBytes: v8.getHeapStatistics().total_heap_size });
};
const metricsTimer = setInterval(() => void reportMetrics(), 1000);

port.on('message', (m: unknown) => {
  if (m === 'appended') {
    const w = wake;
    wake = [];
    for (const f of w) f();
  } else if (m === 'stop') {
    void (async () => {
      await sink.stop(0);
      clearInterval(metricsTimer);
      drain?.close();
      await reportMetrics();
      await store.close().catch(() => undefined);
      port.postMessage('stopped');
      port.close();
    })();
  }
});
