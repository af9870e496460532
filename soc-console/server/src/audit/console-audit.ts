import path from 'node:path';
import type { Logger } from 'pino';
import type { Request, Response } from 'express';
import { MirroredAuditTrail, type AuditActor, type CheckpointSigner } from '@emsoc/common/audit';
import type { EventStore } from '@emsoc/event-store/contract';


export function sourceIp(req: Request): string | null {
  const a = req.socket.remoteAddress ?? null;
  return a?.startsWith('::ffff:') ? a.slice(7) : a;
}

/** The actor of a request: the signed-in principal, or an anonymous caller (failed sign-ins name the attempted account in details). */
export function actorOf(req: Request, res: Response): AuditActor {
  const p = res.locals.principal;
  return p ? { id: p.accountId, name: p.name, roles: p.roles, sourceIp: sourceIp(req) } : { id: 'anonymous', name: 'anonymous', roles: [], sourceIp: sourceIp(req) };
}

/** The console's audit trail (sign-ins, searches, exports, account/incident/rule changes). */
export class ConsoleAudit extends MirroredAuditTrail {
  constructor(dataDir: string, store: EventStore, logger: Logger, unit: string, opts: { signer?: CheckpointSigner; checkpointEvery?: number; now?: () => number } = {}) {
    super({ dir: path.join(dataDir, 'console'), module: 'console', observerType: 'soc-console', unit, store, logger, ...opts });
  }
}
