import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { workerBootCode } from '../../worker-boot.js';
import { applySinkMetricUpdates, type MetricUpdate } from './sink-metrics-relay.js';
import './store-sink.js'; // registers the sink metrics here too, where /metrics is served
import type { Spool } from '../../spool/spool.js';
import type { StoreSinkOptions } from './store-sink.js';
import type { SinkStoreSpec } from './sink-store-spec.js';
import type { SinkWorkerData } from './sink-worker-thread.js';
import type { DrainSpec } from '../../pipeline/drain-spec.js';

/**
 * The worker decodes batches of at most `batchSize` documents, so little of what it allocates outlives a
 * batch: a small young generation (V8's default lets it grow to ~48 MB) keeps its heap near the live set.
 * Measured at 50k events/s (bench/src/collector/rss-steady.ts): worker heap 56–72 MB instead of 92–150 MB.
 */
const SINK_WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

/** What the collector needs of a running sink, in this thread or a worker. */
export interface RunningSink {
  readonly drained: boolean;
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * The store sink in a worker thread. This thread keeps appending to the spool (durable before any
 * acknowledgement, as before); the worker reads, writes to its own store connection and acknowledges, and
 * reports the freed bytes so `spool.full` (backpressure) stays right. A worker that dies is restarted: it
 * resumes from the spool's ack cursor, and deterministic ids make a re-sent batch harmless.
 */
export class WorkerStoreSink implements RunningSink {
  private worker: Worker | undefined;
  private workerWaiting = false;
  private stopping = false;
  private restartDelay = 500;
  private watching: Promise<void> | undefined;
  /** The worker's V8 heap as it last reported it (every second); 0 before the first report. */
  workerHeapBytes = 0;

  constructor(
    private readonly spool: Spool,
    private readonly spoolDir: string,
    private readonly store: SinkStoreSpec,
    private readonly logger: Logger,
    private readonly options: StoreSinkOptions = {},
    /** When given, the worker decodes raw syslog frames (and runs detection): the pipeline may spool them raw. */
    readonly drain?: DrainSpec,
  ) {}

  start(): void {
    this.spawn();
    this.watching = this.watchAppends();
  }

  get drained(): boolean {
    return this.spool.backlogBytes === 0;
  }

  private spawn(): void {
    const workerData: SinkWorkerData = { spoolDir: this.spoolDir, store: this.store, options: this.options, logLevel: this.logger.level, ...(this.drain ? { drain: this.drain } : {}) };
    const w = new Worker(workerBootCode(new URL('./sink-worker-thread.ts', import.meta.url)), { eval: true, workerData, resourceLimits: SINK_WORKER_LIMITS });
    this.worker = w;
    this.workerWaiting = false;
    w.on('message', (m: unknown) => {
      if (m === 'waiting') {
        this.workerWaiting = true;
        // Records appended while the worker was finding none: wake it now rather than at its timeout.
        if (this.spool.backlogBytes > 0) this.notify();
      } else if (m !== null && typeof m === 'object' && 'acked' in m) {
        this.spool.released((m as { acked: number }).acked);
        this.restartDelay = 500;
      } else if (m !== null && typeof m === 'object' && 'metrics' in m) {
        applySinkMetricUpdates((m as { metrics: MetricUpdate[] }).metrics);
      } else if (m !== null && typeof m === 'object' && 'heapBytes' in m) {
        this.workerHeapBytes = (m as { heapBytes: number }).heapBytes;
      }
    });
    w.on('error', (err) => this.logger.error({ err: String(err) }, 'store sink worker failed'));
    w.on('exit', (code) => {
      if (this.worker !== w || this.stopping) return;
      this.worker = undefined;
      this.logger.warn({ code, restartInMs: this.restartDelay }, 'store sink worker exited; restarting (the spool keeps the data)');
      setTimeout(() => this.stopping || this.spawn(), this.restartDelay).unref();
      this.restartDelay = Math.min(30_000, this.restartDelay * 2);
    });
  }

  private notify(): void {
    if (!this.workerWaiting || !this.worker) return;
    this.workerWaiting = false;
    this.worker.postMessage('appended');
  }

  private async watchAppends(): Promise<void> {
    while (!this.stopping) {
      await this.spool.changed(1000);
      if (this.spool.backlogBytes > 0) this.notify();
    }
  }

  /** Stops after storing what is already spooled (bounded by `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.spool.backlogBytes > 0 && this.worker && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.stopping = true;
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      const exited = new Promise<void>((r) => w.once('exit', () => r()));
      w.postMessage('stop');
      const t = setTimeout(() => void w.terminate(), 10_000);
      await exited;
      clearTimeout(t);
    }
    await this.watching;
  }
}
