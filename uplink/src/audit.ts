/**
 * The uplink's audit trail (common/audit hash chain, signed checkpoints) copied into the event store's
 * `audit` dataset as `event.dataset: uplink.audit`. The chain is written first (record of truth); the copy
 * resumes from a durable cursor, so a store outage delays it but loses nothing.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { MirroredAuditTrail } from '@emsoc/common/audit';
import type { EventStore } from '@emsoc/event-store/contract';

/** The uplink's audit trail: every accepted and refused report, every delivery. */
export class UplinkAudit extends MirroredAuditTrail {
  constructor(dataDir: string, store: EventStore, logger: Logger, unit: string) {
    super({ dir: path.join(dataDir, 'uplink'), module: 'uplink', observerType: 'uplink', unit, store, logger, checkpointEvery: 1000 });
  }
}
