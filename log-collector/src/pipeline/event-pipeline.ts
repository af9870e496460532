import type { Dataset, EcsDocument } from '@emsoc/event-store/contract';
import { counter, gauge } from '@emsoc/common/metrics';
import type { Spool } from '../spool/spool.js';
import { datasetOf } from './routing.js';
import { DETECT_ON_DRAIN_PREFIX } from './spool-drain.js';

const accepted = counter('emsoc_collector_events_accepted_total', 'Events spooled, by source', ['source']);
export { dropped } from './metrics.js';
const alertsRaised = counter('emsoc_collector_alerts_total', 'Alerts raised by the detection stage');

/** The detection stage: given a stored document, returns alert documents to store beside it. */
export type DetectionStage = (doc: EcsDocument) => EcsDocument[];

export interface SpoolEntry {
  d: Dataset;
  i: string;
  e: EcsDocument;
}

/**
 * The middle of the collector: normalized documents from any source pass the detection stage and are
 * appended to the durable spool in one write per batch (datagram sources batch what one turn of the event
 * loop received). `submit` returning false means the spool is full: stream sources pause (backpressure)
 * and datagram sources count the drop.
 */
export class EventPipeline {
  private detect: DetectionStage | undefined;
  /**
   * The drain decodes raw syslog frames and runs detection (SpoolDrain): syslog listeners spool frames
   * raw (`submitRaw`) and decoded documents are spooled marked for detection there.
   */
  readonly rawSyslog: boolean;

  constructor(
    private readonly spool: Spool,
    detect?: DetectionStage,
    opts: { drainDecodes?: boolean } = {},
  ) {
    this.rawSyslog = opts.drainDecodes === true;
    if (this.rawSyslog && detect) throw new Error('detection runs in the drain when it decodes raw frames; give it there');
    this.detect = detect;
    gauge('emsoc_collector_spool_backlog_bytes', 'Bytes spooled and not yet stored', [], function () {
      this.set(spool.backlogBytes);
    });
  }

  setDetection(detect: DetectionStage | undefined): void {
    if (this.rawSyslog && detect) throw new Error('detection runs in the drain when it decodes raw frames');
    this.detect = detect;
  }

  get full(): boolean {
    return this.spool.full;
  }

  submit(source: string, docs: EcsDocument[]): boolean {
    if (docs.length === 0) return true;
    const entries: string[] = [];
    for (const doc of docs) {
      entries.push(this.rawSyslog ? DETECT_ON_DRAIN_PREFIX + encode(doc) : encode(doc));
      if (this.detect) {
        for (const alert of this.detect(doc)) {
          alertsRaised.inc();
          entries.push(encode(alert));
        }
      }
    }
    if (!this.spool.append(entries)) return false;
    accepted.inc({ source }, docs.length);
    return true;
  }

  /**
   * Spools raw-frame records (spool/raw-frames.ts) holding `events` frames in all, in one write; false
   * (nothing written) when the spool is full. Only when `rawSyslog`: the drain decodes them.
   */
  submitRaw(source: string, records: Buffer[], events: number): boolean {
    if (!this.spool.append(records)) return false;
    accepted.inc({ source }, events);
    return true;
  }

  /** Resolves once the spool has room again (for paused stream sources). */
  async waitForRoom(): Promise<void> {
    while (this.spool.full) await this.spool.changed(500);
  }
}

/** The spool record of a document, as JSON text (the spool encodes it straight into the batch buffer). */
function encode(doc: EcsDocument): string {
  const id = (doc.event as { id?: string } | undefined)?.id;
  if (!id) throw new Error('document without event.id reached the pipeline');
  const entry: SpoolEntry = { d: datasetOf(doc), i: id, e: doc };
  return JSON.stringify(entry);
}
