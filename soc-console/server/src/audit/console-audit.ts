import path from 'node:path';
import type { Logger } from 'pino';
import type { Request, Response } from 'express';
import { auditRecordToEcs, fileKeySigner, SqliteAuditTrail, type AuditActor, type AuditDraft, type AuditRecord, type CheckpointSigner } from '@emsoc/common/audit';
import type { EventStore } from '@emsoc/event-store/contract';

export const CONSOLE_AUDIT_DOMAIN = 'emsoc-console-audit-checkpoint';
const STORE_CURSOR = 'event-store';

export function sourceIp(req: Request): string | null {
  const a = req.socket.remoteAddress ?? null;
  return a?.startsWith('::ffff:') ? a.slice(7) : a;
}

/** The actor of a request: the signed-in principal, or an anonymous caller (failed sign-ins name the attempted account in details). */
export function actorOf(req: Request, res: Response): AuditActor {
  const p = res.locals.principal;
  return p ? { id: p.accountId, name: p.name, roles: p.roles, sourceIp: sourceIp(req) } : { id: 'anonymous', name: 'anonymous', roles: [], sourceIp: sourceIp(req) };
}

/**
 * The console's audit trail: records are appended to the hash chain first (the record of truth), then
 * copied into the event store's `audit` dataset so auditors can search them; the copy resumes from a
 * durable cursor, so a store outage delays it but loses nothing.
 */
export class ConsoleAudit {
  readonly trail: SqliteAuditTrail;
  private forwarding: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    dataDir: string,
    private readonly store: EventStore,
    private readonly logger: Logger,
    private readonly unit: string,
    opts: { signer?: CheckpointSigner; checkpointEvery?: number; now?: () => number } = {},
  ) {
    const dir = path.join(dataDir, 'console');
    this.trail = new SqliteAuditTrail({
      file: path.join(dir, 'audit.db'),
      signer: opts.signer ?? fileKeySigner(dir, 'audit-signing'),
      domain: CONSOLE_AUDIT_DOMAIN,
      ...(opts.now ? { now: () => new Date(opts.now!()) } : {}),
      ...(opts.checkpointEvery ? { checkpointEvery: opts.checkpointEvery } : {}),
    });
    this.trail.onAppend(() => void this.forward());
  }

  record(draft: AuditDraft): AuditRecord {
    return this.trail.append(draft);
  }

  /** Copies records after the cursor into the `audit` dataset; concurrent calls coalesce. */
  forward(): Promise<void> {
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
            const batch = this.trail.list({ afterSeq: this.trail.cursor(STORE_CURSOR), limit: 500 });
            if (batch.length === 0) break;
            const res = await this.store.bulk('audit', batch.map((r) => auditRecordToEcs(r, { module: 'console', observerType: 'soc-console', unit: this.unit })));
            if (res.failed.length) {
              this.logger.warn({ failed: res.failed.length, first: res.failed[0]?.error }, 'audit copy to the event store incomplete; will retry');
              setTimeout(() => void this.forward(), 5000).unref();
              return;
            }
            this.trail.setCursor(STORE_CURSOR, batch[batch.length - 1]!.seq);
          }
        } while (this.again);
      } catch (e) {
        this.logger.warn({ err: (e as Error).message }, 'audit copy to the event store failed; will retry');
        setTimeout(() => void this.forward(), 5000).unref();
      } finally {
        this.forwarding = undefined;
      }
    })();
    return this.forwarding;
  }

  async close(): Promise<void> {
    await this.forward().catch(() => undefined);
    this.closed = true;
    this.trail.close();
  }
}
