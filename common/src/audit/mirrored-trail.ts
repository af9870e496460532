import path from 'node:path';
import type { Logger } from 'pino';
import type { EventStore } from '@emsoc/event-store/contract';
import { auditRecordToEcs } from './ecs.js';
import { fileKeySigner, type CheckpointSigner } from './checkpoint.js';
import { SqliteAuditTrail } from './sqlite-trail.js';
import type { AuditDraft, AuditRecord } from './chain.js';

const STORE_CURSOR = 'event-store';

export interface MirroredAuditTrailOptions {
  /** Folder under the data dir holding `audit.db` and the checkpoint key (e.g. `console`, `uplink`). */
  dir: string;
  /** `event.module` of the copies (`<module>.audit` dataset name) and the checkpoint domain. */
  module: string;
  observerType: string;
  unit: string;
  store: EventStore;
  logger: Logger;
  signer?: CheckpointSigner;
  checkpointEvery?: number;
  now?: () => number;
}

/**
 * A service's tamper-evident audit trail: records are appended to the hash chain first (the record of
 * truth), then copied into the event store's `audit` dataset so auditors can search them. The copy resumes
 * from a durable cursor, so a store outage delays it but loses nothing; concurrent copies coalesce.
 */
export class MirroredAuditTrail {
  readonly trail: SqliteAuditTrail;
  private forwarding: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly o: MirroredAuditTrailOptions) {
    this.trail = new SqliteAuditTrail({
      file: path.join(o.dir, 'audit.db'),
      signer: o.signer ?? fileKeySigner(o.dir, 'audit-signing'),
      domain: `emsoc-${o.module}-audit-checkpoint`,
      ...(o.now ? { now: () => new Date(o.now!()) } : {}),
      ...(o.checkpointEvery ? { checkpointEvery: o.checkpointEvery } : {}),
    });
    this.trail.onAppend(() => void this.forward());
  }

  record(draft: AuditDraft): AuditRecord {
    return this.trail.append(draft);
  }

  /** Copies records after the cursor into the `audit` dataset. */
  forward(): Promise<void> {
    if (this.forwarding) {
      this.again = true;
      return this.forwarding;
    }
    const retryLater = () => setTimeout(() => void this.forward(), 5000).unref();
    this.forwarding = (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            if (this.closed) return;
            const batch = this.trail.list({ afterSeq: this.trail.cursor(STORE_CURSOR), limit: 500 });
            if (batch.length === 0) break;
            const copies = batch.map((r) => auditRecordToEcs(r, { module: this.o.module, observerType: this.o.observerType, unit: this.o.unit }));
            const res = await this.o.store.bulk('audit', copies);
            if (res.failed.length) {
              this.o.logger.warn({ failed: res.failed.length, first: res.failed[0]?.error }, 'audit copy to the event store incomplete; will retry');
              retryLater();
              return;
            }
            this.trail.setCursor(STORE_CURSOR, batch[batch.length - 1]!.seq);
          }
        } while (this.again);
      } catch (e) {
        this.o.logger.warn({ err: (e as Error).message }, 'audit copy to the event store failed; will retry');
        retryLater();
      } finally {
        this.forwarding = undefined;
      }
    })();
    return this.forwarding;
  }

  /** Copies what is pending and makes it searchable now (callers that answer only after the copy). */
  async flush(): Promise<void> {
    await this.forward();
    await this.o.store.refresh('audit');
  }

  async close(): Promise<void> {
    await this.forward().catch(() => undefined);
    this.closed = true;
    this.trail.close();
  }
}
