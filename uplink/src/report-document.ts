/**
 * How an accepted report is kept in the `reports` dataset: key figures as searchable fields under
 * `uplink.*` (the per-unit views aggregate these), the full signed message verbatim in `event.original`
 * (so it can be re-verified later), document id = message id (a resend overwrites, never duplicates).
 */
import type { StoredDocument } from '@emsoc/event-store/contract';
import type { UplinkMessage } from './message.js';
import type { VerifiedSigner } from './trust.js';

export const REPORT_DATASET = 'uplink.report';

export function messageType(schema: string): string {
  return /^emsoc\.uplink\.([a-z]+)\.v\d+$/.exec(schema)?.[1] ?? 'unknown';
}

/** Key figures of a summary, flat, for trends and side-by-side views. */
export function summaryFigures(body: Record<string, any>): Record<string, number | string | null> {
  return {
    schedule: body.schedule,
    events_total: body.events?.total ?? 0,
    flows_total: body.flows?.flows ?? 0,
    flow_bytes: body.flows?.bytes ?? 0,
    flow_packets: body.flows?.packets ?? 0,
    alerts_total: body.alerts?.total ?? 0,
    alerts_critical: body.alerts?.bySeverity?.find((b: { key: string }) => b.key === 'critical')?.count ?? 0,
    alerts_high: body.alerts?.bySeverity?.find((b: { key: string }) => b.key === 'high')?.count ?? 0,
    incidents_opened: body.incidents?.opened ?? 0,
    incidents_open: body.incidents?.open ?? 0,
    incidents_resolved: body.incidents?.resolved ?? 0,
    mttr_ms: body.incidents?.meanTimeToResolveMs ?? null,
    certificates_issued: body.certificates?.issued ?? 0,
    certificates_revoked: body.certificates?.revoked ?? 0,
    store_health: body.health?.store?.status ?? 'unknown',
    collector_health: body.health?.collector?.status ?? 'unknown',
  };
}

export function reportDocument(m: UplinkMessage, signer: VerifiedSigner, signed: object, receivedAt: Date): StoredDocument {
  const type = messageType(m.schema);
  const body = m.body as Record<string, any>;
  return {
    id: m.id,
    doc: {
      '@timestamp': m.period.to,
      message: `${type} from ${m.unit.id} (${m.unit.name}) #${m.seq}`,
      event: { id: m.id, kind: 'event', dataset: REPORT_DATASET, action: m.schema, created: m.createdAt, ingested: receivedAt.toISOString(), start: m.period.from, end: m.period.to, original: JSON.stringify(signed) },
      observer: { name: m.unit.id, type: 'reporting-unit' },
      uplink: {
        type,
        seq: m.seq,
        unit: { id: m.unit.id, name: m.unit.name },
        certificate: { fingerprint: signer.fingerprint, serial: signer.leaf.serialNumber },
        ...(type === 'summary' ? { summary: summaryFigures(body) } : {}),
        ...(type === 'incident'
          ? { incident: { id: body.incidentId, status: body.status, severity: body.severity, trigger: body.trigger, title: body.bundle?.objects?.find((o: { type: string }) => o.type === 'incident')?.name ?? '' } }
          : {}),
        ...(type === 'records' ? { records: { selection: body.selection, dataset: body.dataset, count: body.records?.length ?? 0, dropped: body.dropped ?? 0 } } : {}),
      },
    },
  };
}
