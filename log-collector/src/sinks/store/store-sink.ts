import type { Logger } from 'pino';
import type { Dataset, EcsDocument, EventStore, SerializedDocument, StoredDocument } from '@emsoc/event-store/contract';
import { counter, gauge } from '@emsoc/common/metrics';
import type { SpoolBatch, SpoolPosition } from '../../spool/spool-reader.js';
import { SpoolDrain, type DrainedDoc } from '../../pipeline/spool-drain.js';

const stored = counter('emsoc_collector_sink_stored_total', 'Documents confirmed by the store, by dataset', ['dataset']);
const deadLettered = counter('emsoc_collector_sink_deadletter_total', 'Documents the store refused for good, kept in the dead-letter dataset');
const retries = counter('emsoc_collector_sink_retries_total', 'Store write attempts that failed and will be retried');
const lagSeconds = gauge('emsoc_collector_sink_lag_seconds', 'Age of the oldest spooled document not yet stored');

export interface StoreSinkOptions {
  batchSize?: number;
  maxBackoffMs?: number;
  /**
   * After a partial batch, wait this long before reading again so a trickle (datagrams arriving one by
   * one) is written in batches, not one store transaction per event. Bounds the added latency.
   */
  lingerMs?: number;
}

type SinkItem = DrainedDoc;

const textOf = (item: SinkItem | undefined): string => item?.json ?? JSON.stringify(item?.doc ?? null);

/** What the sink drains: a Spool in this thread, or a SpoolReader in a sink worker. */
export interface SinkInput {
  read(max: number): SpoolBatch | undefined;
  ack(pos: SpoolPosition): void;
  /** Continues reading from a position of the last batch; without it the sink takes whole batches. */
  seek?(pos: SpoolPosition): void;
  /** Resolves on new records (or after `timeoutMs`). */
  changed(timeoutMs: number): Promise<void>;
  readonly backlogBytes: number;
}

/**
 * Drains the spool into the event store in order. Each record becomes documents through the SpoolDrain
 * (raw syslog frames are parsed, normalized and run through detection there). A batch is acknowledged
 * (and its spool space freed) only after the store confirmed every document; on an outage the same
 * decoded batch is retried with backoff and jitter until it lands (not decoded again, so detection sees
 * each event once), and the spool absorbs the outage. Documents refused for good (mapping conflicts)
 * go to the dead-letter dataset with the reason, where they stay searchable.
 */
export class StoreSink {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;
  private readonly lingerMs: number;
  private idle = true;
  /**
   * With a store that takes JSON text (both engines do), the document's spool text goes to the store as it
   * is: the store parses it once for its checks, and nobody serialises it again. The sink itself reads only
   * the dataset and id from the record head, and `@timestamp` for the lag gauge.
   */
  private readonly asText: boolean;

  constructor(
    private readonly spool: SinkInput,
    private readonly store: EventStore,
    private readonly logger: Logger,
    opts: StoreSinkOptions = {},
    private readonly drain: SpoolDrain = new SpoolDrain(),
  ) {
    this.batchSize = opts.batchSize ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.lingerMs = opts.lingerMs ?? 100;
    this.asText = typeof store.bulkJson === 'function';
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after storing what is already spooled (bounded by `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.spool.backlogBytes > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.running = false;
    await this.loop;
  }

  get drained(): boolean {
    return this.idle && this.spool.backlogBytes === 0;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let pending: { byDataset: Map<Dataset, SinkItem[]>; end: SpoolPosition; docs: number } | undefined;
    while (this.running) {
      if (!pending) {
        const batch = this.spool.read(this.batchSize);
        if (!batch) {
          this.idle = true;
          lagSeconds.set(0);
          await this.spool.changed(200);
          continue;
        }
        this.idle = false;
        pending = this.decode(batch);
      }
      try {
        for (const [dataset, docs] of pending.byDataset) await this.writeAll(dataset, docs);
        this.spool.ack(pending.end);
        backoff = 100;
        // A raw-frame record holds a whole read of frames: what makes a batch partial is its document count.
        const partial = pending.docs < this.batchSize;
        pending = undefined;
        if (partial && this.lingerMs > 0 && this.running) await new Promise((r) => setTimeout(r, this.lingerMs));
        // An embedded store resolves synchronously: yield to I/O so listeners (UDP above all) are read
        // between batches instead of after the whole backlog.
        else await new Promise((r) => setImmediate(r));
      } catch (e) {
        retries.inc();
        this.logger.warn({ err: String(e), retryInMs: backoff }, 'store write failed; batch kept in the spool and retried');
        await new Promise((r) => setTimeout(r, backoff + Math.random() * backoff));
        backoff = Math.min(this.maxBackoffMs, backoff * 2);
      }
    }
  }

  /**
   * The documents of a batch of records by dataset; sets the lag gauge from the oldest. A raw-frame record
   * holds a whole read (hundreds of frames), so decoding stops once `batchSize` documents are made and the
   * rest of the batch is read again next time: the documents held in memory stay bounded.
   */
  private decode(batch: SpoolBatch): { byDataset: Map<Dataset, SinkItem[]>; end: SpoolPosition; docs: number } {
    const items: SinkItem[] = [];
    let end = batch.end;
    for (let k = 0; k < batch.payloads.length; k++) {
      this.drain.drain(batch.payloads[k]!, items);
      if (items.length >= this.batchSize && k + 1 < batch.payloads.length && this.spool.seek && batch.ends) {
        end = batch.ends[k]!;
        this.spool.seek(end);
        break;
      }
    }
    const byDataset = new Map<Dataset, SinkItem[]>();
    let oldest = Infinity;
    for (const item of items) {
      let list = byDataset.get(item.d);
      if (!list) byDataset.set(item.d, (list = []));
      // Without bulkJson the store takes objects.
      if (!this.asText && !item.doc) item.doc = JSON.parse(item.json!) as EcsDocument;
      list.push(item);
      if (item.ts < oldest) oldest = item.ts;
    }
    if (Number.isFinite(oldest)) lagSeconds.set(Math.max(0, (Date.now() - oldest) / 1000));
    return { byDataset, end, docs: items.length };
  }

  /** Writes documents until none is left retryable; throws to make the caller back off. */
  private async writeAll(dataset: Dataset, docs: SinkItem[]): Promise<void> {
    // Spool text goes to the store as text (bulkJson); decoded objects (raw frames) as objects, which the store
    // serialises once. A dataset's batch that mixes both goes as text. Without bulkJson every item carries
    // `doc` (see decode).
    const asText = this.asText && docs.some((d) => d.doc === undefined);
    const result = asText
      ? await this.store.bulkJson!(dataset, docs.map((d): SerializedDocument => ({ id: d.id, json: d.json ?? JSON.stringify(d.doc) })))
      : await this.store.bulk(dataset, docs.map((d): StoredDocument => ({ id: d.id, doc: d.doc! })));
    const retryable = result.failed.filter((f) => f.retryable);
    const permanent = result.failed.filter((f) => !f.retryable);
    if (permanent.length > 0) {
      const byId = new Map(docs.map((d) => [d.id, d]));
      const dead = permanent.map((f) => ({
        id: `${dataset}:${f.id}`,
        doc: {
          '@timestamp': new Date().toISOString(),
          event: { kind: 'event', dataset: 'emsoc.deadletter', reason: f.error ?? 'refused by the store' },
          deadletter: { dataset, id: f.id, document: textOf(byId.get(f.id)) },
        },
      }));
      const r = await this.store.bulk('deadletter', dead);
      if (r.failed.length > 0) throw new Error(`dead-letter write failed: ${r.failed[0]!.error}`);
      deadLettered.inc(permanent.length);
    }
    stored.inc({ dataset }, docs.length - result.failed.length);
    if (retryable.length > 0) {
      const again = new Set(retryable.map((f) => f.id));
      throw new Error(`${retryable.length} documents to retry (${retryable[0]!.error}); e.g. ${[...again][0]}`);
    }
  }
}
