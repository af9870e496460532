/**
 * The uplink's audit trail (common/audit hash chain, signed checkpoints) copied into the event store's
 * `audit` dataset as `event.dataset: uplink.audit`. The chain is written first (record of truth); the copy
 * resumes from a durable cursor, so a store outage delays it but loses nothing.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { auditRecordToEcs, fileKeySigner, SqliteAuditTrail, type AuditDraft, type AuditRecord } from '@emsoc/common/audit';
import type { EventStore } from '@emsoc/event-store/contract';

export const UPLINK_AUDIT_DOMAIN = 'emsoc-uplink-audit-checkpoint';
const STORE_CURSOR = 'event-store';

export class UplinkAudit {
  readonly trail: SqliteAuditTrail;
  private forwarding: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    dataDir: string,
    private readonly store: EventStore,
    private readonly logger: Logger,
    private readonly unit: string,
  ) {
    const dir = path.join(dataDir, 'uplink');
    this.trail = new SqliteAuditTrail({ file: path.join(dir, 'audit.db'), signer: fileKeySigner(dir, 'audit-signing'), domain: UPLINK_AUDIT_DOMAIN, checkpointEvery: 1000 });
  }

  record(draft: AuditDraft): AuditRecord {
    return this.trail.append(draft);
  }

  /** Copies records after the cursor into the `audit` dataset; concurrent calls coalesce. */
  flush(): Promise<void> {
    if (this.forwarding) {
      this.again = true;
      return this.forwarding;
    }
    this.forwarding = (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            if (this.closed) return;
            const batch = this.trail.list({ afterSeq: this.trail.cursor(STORE_CURSOR), limit: 1000 });
            if (batch.length === 0) break;
            const res = await this.store.bulk('audit', batch.map((r) => auditRecordToEcs(r, { module: 'uplink', observerType: 'uplink', unit: this.unit })));
            if (res.failed.length) throw new Error(`${res.failed.length} audit copies refused: ${res.failed[0]?.error}`);
            this.trail.setCursor(STORE_CURSOR, batch[batch.length - 1]!.seq);
          }
        } while (this.again);
        await this.store.refresh('audit');
      } catch (e) {
        this.logger.warn({ err: (e as Error).message }, 'uplink audit copy to the event store failed; will retry');
        setTimeout(() => void this.flush(), 5000).unref();
      } finally {
        this.forwarding = undefined;
      }
    })();
    return this.forwarding;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.trail.close();
  }
}
