import type { Alert } from './alert.js';
import type { EcsDocument } from '@emsoc/event-store/contract';

/**
 * The stored form of an alert in the `alerts` dataset. The collector's detection stage writes alerts
 * with `alertToDocument` (so reader and writer agree); the console reads them with `alertFromDocument`.
 * `event.ingested` is set when the alert is written: the incident manager tails the dataset by it.
 */
export const SEVERITY_SCORE: Record<Alert['severity'], number> = { informational: 1, low: 21, medium: 47, high: 73, critical: 99 };
export const SEVERITIES = Object.keys(SEVERITY_SCORE) as Alert['severity'][];

export function alertToDocument(a: Alert, ingested: Date): { id: string; doc: EcsDocument } {
  return {
    id: a.id,
    doc: {
      '@timestamp': a.timestamp,
      message: a.rule.title,
      event: { kind: 'alert', id: a.id, dataset: 'emsoc.alert', severity: SEVERITY_SCORE[a.severity], ingested: ingested.toISOString(), start: a.firstTimestamp, end: a.timestamp },
      rule: { id: a.rule.id, name: a.rule.title, version: a.rule.version, ruleset: a.rule.kind },
      tags: a.tags,
      threat: { tactic: { name: a.attack.tactics }, technique: { id: a.attack.techniques } },
      alert: {
        severity: a.severity,
        entity: a.entity,
        group: a.group,
        group_key: a.groupKey,
        event_ids: a.eventIds,
        first_timestamp: a.firstTimestamp,
        reason: a.reason,
        ...(a.backtest ? { backtest: true } : {}),
      },
    },
  };
}

/** Reads back what incident grouping needs; undefined for documents that are not alerts we understand. */
export function alertFromDocument(id: string, doc: EcsDocument): Alert | undefined {
  const rule = doc.rule as { id?: unknown; name?: unknown; version?: unknown; ruleset?: unknown } | undefined;
  const al = doc.alert as { severity?: unknown; entity?: unknown; group?: unknown; group_key?: unknown; event_ids?: unknown; first_timestamp?: unknown; reason?: unknown; backtest?: unknown } | undefined;
  if (!rule || typeof rule.id !== 'string' || !al) return undefined;
  const severity = SEVERITIES.includes(al.severity as Alert['severity']) ? (al.severity as Alert['severity']) : 'medium';
  const threat = doc.threat as { tactic?: { name?: unknown }; technique?: { id?: unknown } } | undefined;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    id,
    rule: { id: rule.id, version: String(rule.version ?? ''), title: String(rule.name ?? rule.id), name: null, kind: rule.ruleset === 'correlation' ? 'correlation' : 'detection' },
    severity,
    tags: strings(doc.tags),
    attack: { tactics: strings(threat?.tactic?.name), techniques: strings(threat?.technique?.id), groups: [], software: [] },
    timestamp: doc['@timestamp'],
    firstTimestamp: typeof al.first_timestamp === 'string' ? al.first_timestamp : doc['@timestamp'],
    eventIds: strings(al.event_ids),
    group: (al.group && typeof al.group === 'object' ? al.group : {}) as Record<string, string>,
    groupKey: typeof al.group_key === 'string' ? al.group_key : null,
    entity: typeof al.entity === 'string' ? al.entity : '',
    reason: (al.reason && typeof al.reason === 'object' ? al.reason : {}) as Alert['reason'],
    ...(al.backtest === true ? { backtest: true as const } : {}),
  };
}
