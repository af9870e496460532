/**
 * BulkWriter: batches writes in front of any EventStore (by count, bytes and time), retries transient
 * failures with exponential backoff and jitter, sends permanent per-item failures to the `deadletter`
 * dataset, and turns an engine outage into backpressure: `write()` waits while the in-memory bound is
 * reached. Nothing is dropped silently: an entry leaves memory only when written, dead-lettered, or
 * (if even the dead-letter write is refused permanently) counted in `lost` and reported to `onEvent`.
 * Ids are idempotent, so a batch retried after a timeout cannot duplicate events.
 */
import type { BulkItemResult, Dataset, EcsDocument, EventStore, StoredDocument } from '../contract.js';
import { serializeAhead } from '../schema/document.js';

export interface BulkWriterOptions {
  /** Documents per bulk request (default 1000). */
  maxBatchDocs?: number;
  /** Approximate bytes per bulk request (default 5 MiB). */
  maxBatchBytes?: number;
  /** A partial batch waits at most this long (default 1000 ms). */
  flushIntervalMs?: number;
  /** In-memory bound: `write()` waits when either is reached (defaults 20,000 docs / 64 MiB). */
  maxQueueDocs?: number;
  maxQueueBytes?: number;
  /** Bulk requests in flight at once (default 1). */
  concurrency?: number;
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Attempts before a retryable failure is dead-lettered instead (default: retry forever). */
  maxAttempts?: number;
  /** Size estimate of a document; default is its JSON length. */
  estimateBytes?: (item: StoredDocument) => number;
  onEvent?: (e: BulkWriterEvent) => void;
}

export type BulkWriterEvent =
  | { type: 'retry'; dataset: Dataset; count: number; attempt: number; delayMs: number; error?: string }
  | { type: 'deadletter'; dataset: Dataset; id: string; reason: string }
  | { type: 'lost'; dataset: Dataset; id: string; reason: string };

/** Plain counters (the platform exports them as metrics). */
export interface BulkWriterStats {
  written: number;
  retried: number;
  deadlettered: number;
  lost: number;
  queued: number;
  queuedBytes: number;
  bytes: number;
  batches: number;
  failedBatches: number;
  blockedWrites: number;
}

interface Entry {
  dataset: Dataset;
  item: StoredDocument;
  bytes: number;
  attempts: number;
}

export class WriterClosedError extends Error {
  override readonly name = 'WriterClosedError';
}

export class BulkWriter {
  readonly stats: BulkWriterStats = { written: 0, retried: 0, deadlettered: 0, lost: 0, queued: 0, queuedBytes: 0, bytes: 0, batches: 0, failedBatches: 0, blockedWrites: 0 };
  private readonly queues = new Map<Dataset, Entry[]>();
  private readonly queueBytes = new Map<Dataset, number>();
  private readonly spaceWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private inFlight = 0;
  private flushing = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly o: Required<Omit<BulkWriterOptions, 'onEvent'>> & Pick<BulkWriterOptions, 'onEvent'>;

  constructor(private readonly store: EventStore, opts: BulkWriterOptions = {}) {
    this.o = {
      maxBatchDocs: opts.maxBatchDocs ?? 1_000,
      maxBatchBytes: opts.maxBatchBytes ?? 5 * 1024 * 1024,
      flushIntervalMs: opts.flushIntervalMs ?? 1_000,
      maxQueueDocs: opts.maxQueueDocs ?? 20_000,
      maxQueueBytes: opts.maxQueueBytes ?? 64 * 1024 * 1024,
      concurrency: Math.max(1, opts.concurrency ?? 1),
      retryInitialDelayMs: opts.retryInitialDelayMs ?? 100,
      retryMaxDelayMs: opts.retryMaxDelayMs ?? 30_000,
      maxAttempts: opts.maxAttempts ?? Infinity,
      // The serialised text is kept for the store (serializeAhead), so sizing costs no second JSON pass.
      estimateBytes: opts.estimateBytes ?? ((i) => serializeAhead(i.doc).length + i.id.length),
      onEvent: opts.onEvent,
    };
  }

  /** Resolves once the document is queued; waits (backpressure) while the queue is full. */
  async write(dataset: Dataset, item: StoredDocument): Promise<void> {
    if (this.closed) throw new WriterClosedError('BulkWriter is closed');
    const bytes = this.o.estimateBytes(item);
    if (this.isFull(bytes)) {
      this.stats.blockedWrites++;
      while (this.isFull(bytes)) {
        await new Promise<void>((r) => this.spaceWaiters.push(r));
        if (this.closed) throw new WriterClosedError('BulkWriter closed while waiting');
      }
    }
    this.enqueue({ dataset, item, bytes, attempts: 0 });
    this.pump(false);
  }

  private isFull(bytes: number): boolean {
    if (this.stats.queued === 0) return false; // a single oversized document still gets through
    return this.stats.queued >= this.o.maxQueueDocs || this.stats.queuedBytes + bytes > this.o.maxQueueBytes;
  }

  private enqueue(e: Entry, front = false): void {
    let q = this.queues.get(e.dataset);
    if (!q) this.queues.set(e.dataset, (q = []));
    if (front) q.unshift(e); else q.push(e);
    this.queueBytes.set(e.dataset, (this.queueBytes.get(e.dataset) ?? 0) + e.bytes);
    this.stats.queued++;
    this.stats.queuedBytes += e.bytes;
  }

  /** The entry left memory (written, dead-lettered or lost). */
  private release(e: Entry): void {
    this.stats.queued--;
    this.stats.queuedBytes -= e.bytes;
  }

  private wakeWriters(): void {
    while (this.spaceWaiters.length && !this.isFull(0)) this.spaceWaiters.shift()!();
    if (this.stats.queued === 0 && this.inFlight === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      w.forEach((r) => r());
    }
  }

  private takeBatch(force: boolean): { dataset: Dataset; entries: Entry[] } | undefined {
    let pick: Dataset | undefined;
    for (const [d, q] of this.queues) {
      if (q.length === 0) continue;
      if (q.length >= this.o.maxBatchDocs || (this.queueBytes.get(d) ?? 0) >= this.o.maxBatchBytes) { pick = d; break; }
      if (force && pick === undefined) pick = d;
    }
    if (pick === undefined) return undefined;
    const q = this.queues.get(pick)!;
    let n = 0;
    let bytes = 0;
    while (n < q.length && n < this.o.maxBatchDocs && (n === 0 || bytes + q[n]!.bytes <= this.o.maxBatchBytes)) bytes += q[n++]!.bytes;
    this.queueBytes.set(pick, (this.queueBytes.get(pick) ?? 0) - bytes);
    return { dataset: pick, entries: q.splice(0, n) };
  }

  private pump(force: boolean): void {
    while (this.inFlight < this.o.concurrency) {
      const batch = this.takeBatch(force || this.flushing > 0);
      if (!batch) break;
      this.inFlight++;
      void this.send(batch.dataset, batch.entries).finally(() => {
        this.inFlight--;
        this.pump(false);
        this.wakeWriters();
      });
    }
    const pending = [...this.queues.values()].some((q) => q.length > 0);
    if (pending && !this.timer) {
      this.timer = setTimeout(() => { this.timer = undefined; this.pump(true); }, this.o.flushIntervalMs);
      this.timer.unref?.();
    }
  }

  private async send(dataset: Dataset, entries: Entry[]): Promise<void> {
    let pending = entries;
    while (pending.length) {
      this.stats.batches++;
      let failures: BulkItemResult[];
      try {
        const res = await this.store.bulk(dataset, pending.map((e) => e.item));
        failures = res.failed;
      } catch (e) {
        // A thrown error is a whole-request failure: retry unless the store says it is permanent.
        const retryable = (e as { retryable?: boolean }).retryable !== false;
        failures = pending.map((p) => ({ id: p.item.id, ok: false, retryable, error: (e as Error).message }));
      }
      if (failures.length) this.stats.failedBatches++;
      const byId = new Map(failures.map((f) => [f.id, f]));
      const retry: Entry[] = [];
      for (const e of pending) {
        const f = byId.get(e.item.id);
        e.attempts++;
        if (!f) {
          this.stats.written++;
          this.stats.bytes += e.bytes;
          this.release(e);
        } else if (f.retryable && e.attempts < this.o.maxAttempts) {
          retry.push(e);
        } else {
          this.deadletter(e, f.retryable ? `gave up after ${e.attempts} attempts: ${f.error}` : f.error ?? 'rejected');
        }
      }
      this.wakeWriters();
      if (retry.length === 0) return;
      this.stats.retried += retry.length;
      const attempt = retry[0]!.attempts;
      const base = Math.min(this.o.retryMaxDelayMs, this.o.retryInitialDelayMs * 2 ** Math.min(attempt - 1, 20));
      const delayMs = Math.round(base / 2 + Math.random() * (base / 2)); // "equal jitter"
      this.o.onEvent?.({ type: 'retry', dataset, count: retry.length, attempt, delayMs, error: byId.get(retry[0]!.item.id)?.error });
      await new Promise((r) => setTimeout(r, delayMs));
      pending = retry;
    }
  }

  /** Permanent failures become searchable dead-letter records (same memory slot, so no new pressure). */
  private deadletter(e: Entry, reason: string): void {
    this.release(e);
    if (e.dataset === 'deadletter') {
      this.stats.lost++;
      this.o.onEvent?.({ type: 'lost', dataset: e.dataset, id: e.item.id, reason });
      return;
    }
    this.stats.deadlettered++;
    this.o.onEvent?.({ type: 'deadletter', dataset: e.dataset, id: e.item.id, reason });
    const doc = deadletterDocument(e.dataset, e.item, reason);
    this.enqueue({ dataset: 'deadletter', item: doc, bytes: e.bytes, attempts: 0 }, true);
  }

  /** Sends everything queued (including retries) and resolves when memory is empty. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      while (this.stats.queued > 0 || this.inFlight > 0) {
        const idle = new Promise<void>((r) => this.idleWaiters.push(r));
        this.pump(true);
        await idle;
      }
    } finally {
      this.flushing--;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.spaceWaiters.splice(0).forEach((r) => r());
  }
}

const MAX_ORIGINAL = 256 * 1024;

export function deadletterDocument(dataset: Dataset, item: StoredDocument, reason: string): StoredDocument {
  let original: string;
  try { original = JSON.stringify(item.doc) ?? String(item.doc); } catch { original = String(item.doc); }
  const doc: EcsDocument = {
    '@timestamp': new Date().toISOString(),
    message: `${dataset} document ${item.id} rejected: ${reason}`.slice(0, 4096),
    event: { kind: 'pipeline_error', original: original.length > MAX_ORIGINAL ? original.slice(0, MAX_ORIGINAL) : original },
    error: { message: reason.slice(0, 4096), type: 'mapping_conflict' },
    deadletter: { dataset, reason: reason.slice(0, 4096) },
    tags: ['deadletter'],
  };
  return { id: `${dataset}:${String(item.id).slice(0, 400)}`, doc };
}
