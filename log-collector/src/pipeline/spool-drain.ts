/**
 * Turns spool records into store documents on the draining side (the sink, usually its worker thread).
 * Record kinds (first byte):
 *   `{`   a SpoolEntry as JSON text, decoded (and run through detection) before it was spooled: stored as is;
 *   0x01  the same text, but detection is due here (the pipeline spooled it without running it);
 *   0x00  raw syslog frames with their receipt (spool/raw-frames.ts): parsed, normalized, enriched, given
 *         their id and run through detection here, just before the store write.
 * Malformed frames are counted per source as the listeners count them (truncated, or tagged as a parse
 * failure; the document is still stored). A frame the decoder throws on, or a raw record that cannot be
 * delimited, is stored raw in the dead-letter dataset with the reason, and counted: accepted input is
 * never dropped here.
 */
import type { Dataset, EcsDocument } from '@emsoc/event-store/contract';
import { counter } from '@emsoc/common/metrics';
import { forEachRawFrame, RawFrameError, readRawReceipt, RAW_SYSLOG, type RawReceipt } from '../spool/raw-frames.js';
import { isMalformed, type FrameReceipt, type SyslogDecoder } from '../sources/syslog/listen.js';
import type { SpoolEntry, DetectionStage } from './event-pipeline.js';
import { splitSpoolEntry, timestampOfText } from '../sinks/store/spool-entry-text.js';
import { datasetOf } from './routing.js';
import { deadLetter } from './deadletter.js';
import { sourceMetrics } from './metrics.js';

/** First byte of a SpoolEntry text whose detection is left to the drain. */
export const DETECT_ON_DRAIN = 0x01;
export const DETECT_ON_DRAIN_PREFIX = '\u0001';

const alertsRaised = counter('emsoc_collector_alerts_total', 'Alerts raised by the detection stage');

/**
 * A document ready for the store: its JSON text (from the spool, or serialised here from raw frames), or the
 * object (alerts raised here, or a record in an unexpected layout parsed whole).
 */
export interface DrainedDoc {
  d: Dataset;
  id: string;
  json?: string;
  doc?: EcsDocument;
  /** Epoch ms the lag gauge goes by (event time, or receive time for raw frames). */
  ts: number;
}

export class SpoolDrain {
  /** One receipt reused for every frame (decoders keep no reference to it). */
  private readonly ctx: FrameReceipt = { transport: 'tcp', remoteAddress: '', remotePort: 0, receivedAt: new Date(0), truncated: false };

  /**
   * `decode` is the syslog decoder raw frames go through (without one, raw records are dead-lettered);
   * `detect` runs on raw-frame documents and on 0x01 records.
   */
  constructor(
    private readonly decode?: SyslogDecoder,
    private readonly detect?: DetectionStage,
  ) {}

  /** Whether the pipeline may spool syslog frames raw and leave detection to this drain. */
  get decodes(): boolean {
    return this.decode !== undefined;
  }

  /** Appends the documents of one spool record to `out`. Never throws. */
  drain(payload: Buffer, out: DrainedDoc[]): void {
    const kind = payload[0];
    if (kind === RAW_SYSLOG) return this.raw(payload, out);
    const text = payload.toString('utf8', kind === DETECT_ON_DRAIN ? 1 : 0);
    const split = splitSpoolEntry(text);
    let doc: EcsDocument | undefined;
    if (split) out.push({ d: split.d, id: split.i, json: split.e, ts: timestampOfText(split.e) });
    else {
      let entry: SpoolEntry;
      try {
        entry = JSON.parse(text) as SpoolEntry;
      } catch {
        out.push(this.unreadable('spool', payload, 'spool record is neither raw frames nor a JSON entry', Date.now()));
        return;
      }
      doc = entry.e;
      out.push({ d: entry.d, id: entry.i, doc, ts: Date.parse(entry.e['@timestamp']) });
    }
    if (kind === DETECT_ON_DRAIN && this.detect) this.alerts(doc ?? (JSON.parse(split!.e) as EcsDocument), out);
  }

  private raw(payload: Buffer, out: DrainedDoc[]): void {
    let r: RawReceipt & { framesAt: number };
    try {
      r = readRawReceipt(payload);
    } catch (e) {
      out.push(this.unreadable('spool', payload, String(e), Date.now()));
      return;
    }
    const m = sourceMetrics(r.source);
    const decode = this.decode;
    if (!decode) {
      out.push(this.unreadable(r.source, payload, 'raw syslog frames spooled but this sink has no syslog decoder', r.receivedAtMs));
      return;
    }
    const ctx = this.ctx;
    ctx.transport = r.transport;
    ctx.remoteAddress = r.remoteAddress;
    ctx.remotePort = r.remotePort;
    ctx.receivedAt = new Date(r.receivedAtMs);
    if (r.clientCertificate) ctx.clientCertificate = r.clientCertificate;
    else delete ctx.clientCertificate;
    let parsed = 0;
    let malformed = 0;
    try {
      forEachRawFrame(payload, r.framesAt, (data, truncated) => {
        ctx.truncated = truncated;
        const mark = out.length;
        try {
          const docs = decode(data, ctx);
          for (let k = 0; k < docs.length; k++) this.document(docs[k]!, r.receivedAtMs, out);
          if (truncated || isMalformed(docs)) malformed++;
          else parsed += docs.length;
        } catch (e) {
          // A parser (or detection) bug: the frame is kept raw, not lost, and nothing half-made is stored.
          out.length = mark;
          malformed++;
          out.push(this.unreadable(r.source, data, `syslog decoding failed: ${String(e)}`, r.receivedAtMs));
        }
      });
    } catch (e) {
      malformed++;
      out.push(this.unreadable(r.source, payload.subarray((e as RawFrameError).offset ?? 0), String(e), r.receivedAtMs));
    }
    if (parsed) m.parsed.inc(parsed);
    if (malformed) m.malformed.inc(malformed);
  }

  private document(doc: EcsDocument, ts: number, out: DrainedDoc[]): void {
    const id = (doc.event as { id?: string } | undefined)?.id;
    if (!id) throw new Error('document without event.id reached the drain');
    // Serialised now, so the object graph dies young: held as objects until the batch is written (up to
    // `batchSize` of them), documents outlive scavenges and get promoted, which cost ~40 % of the drain's
    // CPU in measurements; the store takes the text (and parses it for its checks, as it always did).
    out.push({ d: datasetOf(doc), id, json: JSON.stringify(doc), ts });
    if (this.detect) this.alerts(doc, out);
  }

  private alerts(doc: EcsDocument, out: DrainedDoc[]): void {
    for (const alert of this.detect!(doc)) {
      alertsRaised.inc();
      const id = (alert.event as { id?: string } | undefined)?.id ?? '';
      out.push({ d: datasetOf(alert), id, doc: alert, ts: Date.now() });
    }
  }

  private unreadable(source: string, raw: Buffer, reason: string, receivedAtMs: number): DrainedDoc {
    const doc = deadLetter(source, raw, reason, new Date(Number.isFinite(receivedAtMs) ? receivedAtMs : Date.now()));
    return { d: datasetOf(doc), id: (doc.event as { id: string }).id, json: JSON.stringify(doc), ts: receivedAtMs };
  }
}
