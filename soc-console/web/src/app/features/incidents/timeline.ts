import type { IncidentDetail } from './incident.model';

export interface TimelineEntry {
  kind: 'alert' | 'history' | 'note';
  at: string;
  who: string;
  text: string;
  alertId?: string;
}

function ruleName(rule: unknown): string {
  if (typeof rule === 'string') return rule;
  if (rule && typeof rule === 'object') {
    const r = rule as { title?: unknown; id?: unknown };
    return String(r.title ?? r.id ?? '');
  }
  return '';
}

/**
 * History, alerts and notes of an incident merged in time order (oldest first; entries without a valid
 * time go last, in the order received, so nothing silently disappears).
 */
export function incidentTimeline(inc: IncidentDetail): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...(inc.alerts ?? []).map((a) => ({ kind: 'alert' as const, at: a.time ?? a.timestamp ?? '', who: '', text: ruleName(a.rule), alertId: a.id })),
    ...(inc.history ?? []).map((h) => ({ kind: 'history' as const, at: String(h.when ?? ''), who: String(h.who ?? ''), text: String(h.what ?? '') })),
    ...(inc.notes ?? []).map((n) => ({ kind: 'note' as const, at: n.when ?? n.at ?? '', who: n.who ?? n.author ?? '', text: n.text })),
  ];
  const time = (e: TimelineEntry) => {
    const t = Date.parse(e.at);
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  return entries.map((e, i) => ({ e, i })).sort((a, b) => time(a.e) - time(b.e) || a.i - b.i).map((x) => x.e);
}

/** Event ids behind an incident (its own list, else its alerts' lists), deduplicated. */
export function incidentEventIds(inc: IncidentDetail, max = 200): string[] {
  const ids = new Set<string>(inc.eventIds ?? []);
  for (const a of inc.alerts ?? []) for (const id of a.eventIds ?? []) ids.add(id);
  return [...ids].slice(0, max);
}
