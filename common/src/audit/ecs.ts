import { stableId } from '../ecs.js';
import type { AuditRecord } from './chain.js';

export interface AuditEcsOptions {
  /** e.g. `console` → event.module console, event.dataset console.audit */
  module: string;
  observerType: string;
  unit?: string;
  host?: string;
}

/** One audit record as an ECS document for the `audit` dataset; event.id is derived from the record so a resend overwrites. */
export function auditRecordToEcs(r: AuditRecord, o: AuditEcsOptions): { id: string; doc: Record<string, unknown> & { '@timestamp': string } } {
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(r.details) as Record<string, unknown>;
  } catch {
    details = { unparsable: r.details };
  }
  const id = stableId(`${o.module}.audit`, o.unit ?? '', r.seq, r.hash);
  return {
    id,
    doc: {
      '@timestamp': r.at,
      message: `${r.eventType} ${r.objectType} ${r.objectId} by ${r.actorName}: ${r.outcome}`,
      event: { id, kind: 'event', module: o.module, dataset: `${o.module}.audit`, action: r.eventType, outcome: r.outcome, sequence: r.seq, created: r.at },
      user: { id: r.actorId, name: r.actorName, roles: r.actorRoles ? r.actorRoles.split(',') : [] },
      ...(r.sourceIp ? { source: { ip: r.sourceIp } } : {}),
      ...(o.host ? { host: { name: o.host } } : {}),
      observer: { type: o.observerType, product: `emsoc-${o.module}`, ...(o.unit ? { name: o.unit } : {}) },
      audit: { seq: r.seq, hash: r.hash, prev_hash: r.prevHash, object: { type: r.objectType, id: r.objectId }, details },
    },
  };
}
