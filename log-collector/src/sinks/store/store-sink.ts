import type { Logger } from 'pino';
import type { Dataset, EcsDocument, EventStore, SerializedDocument, StoredDocument } from '@emsoc/event-store/contract';
import { counter, gauge } from '@emsoc/common/metrics';
import type { SpoolBatch, SpoolPosition } from '../../spool/spool-reader.js';
import type { SpoolEntry } from '../../pipeline/event-pipeline.js';
import { splitSpoolEntry, timestampOfText } from './spool-entry-text.js';

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

/** A spooled document: its JSON text as read from the spool, or the parsed record when its layout was unexpected. */
interface SinkItem { id: string; json?: string; doc?: EcsDocument }

const textOf = (item: SinkItem | undefined): string => item?.json ?? JSON.stringify(item?.doc ?? null);

/** What the sink drains: a Spool in this thread, or a SpoolReader in a sink worker. */
export interface SinkInput {
  read(max: number): SpoolBatch | undefined;
  ack(pos: SpoolPosition): void;
  rewind(): void;
  /** Resolves on new records (or after `timeoutMs`). */
  changed(timeoutMs: number): Promise<void>;
  readonly backlogBytes: number;
}

/**
 * Drains the spool into the event store in order. A batch is acknowledged (and its spool space freed)
 * only after the store confirmed every document; on an outage the same batch is retried with backoff and
 * jitter until it lands, so the spool absorbs the outage. Documents refused for good (mapping conflicts)
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
    while (this.running) {
      const batch = this.spool.read(this.batchSize);
      if (!batch) {
        this.idle = true;
        lagSeconds.set(0);
        await this.spool.changed(200);
        continue;
      }
      this.idle = false;
      const byDataset = new Map<Dataset, SinkItem[]>();
      let oldest = Infinity;
      for (const payload of batch.payloads) {
        const text = payload.toString('utf8');
        let item: SinkItem & { d: Dataset; ts: number };
        const split = this.asText ? splitSpoolEntry(text) : undefined;
        if (split) {
          item = { d: split.d, id: split.i, json: split.e, ts: timestampOfText(split.e) };
        } else {
          let entry: SpoolEntry;
          try {
            entry = JSON.parse(text) as SpoolEntry;
          } catch {
            continue; // checksummed on disk, so only a format change could get here
          }
          item = { d: entry.d, id: entry.i, doc: entry.e, ts: Date.parse(entry.e['@timestamp']) };
        }
        const list = byDataset.get(item.d) ?? [];
        list.push(item);
        byDataset.set(item.d, list);
        if (item.ts < oldest) oldest = item.ts;
      }
      if (Number.isFinite(oldest)) lagSeconds.set(Math.max(0, (Date.now() - oldest) / 1000));
      try {
        for (const [dataset, docs] of byDataset) await this.writeAll(dataset, docs);
        this.spool.ack(batch.end);
        backoff = 100;
        if (batch.payloads.length < this.batchSize && this.lingerMs > 0 && this.running) await new Promise((r) => setTimeout(r, this.lingerMs));
        // An embedded store resolves synchronously: yield to I/O so listeners (UDP above all) are read
        // between batches instead of after the whole backlog.
        else await new Promise((r) => setImmediate(r));
      } catch (e) {
        retries.inc();
        this.logger.warn({ err: String(e), retryInMs: backoff }, 'store write failed; batch kept in the spool and retried');
        this.spool.rewind();
        await new Promise((r) => setTimeout(r, backoff + Math.random() * backoff));
        backoff = Math.min(this.maxBackoffMs, backoff * 2);
      }
    }
  }

  /** Writes documents until none is left retryable; throws to make the caller back off. */
  private async writeAll(dataset: Dataset, docs: SinkItem[]): Promise<void> {
    // Without bulkJson every item was parsed whole (see run), so it carries `doc`.
    const result = this.asText
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
