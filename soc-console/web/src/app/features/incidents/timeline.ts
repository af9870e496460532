import type { IncidentDetail, IncidentHistoryEntry } from './incident.model';

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

/** "status: new → triaged", "assignee: — → alice", or the free text the server gave. */
function describeChange(h: IncidentHistoryEntry): string {
  if (h.what) return h.what;
  const change = h.from !== undefined || h.to !== undefined ? `${h.from ?? '—'} → ${h.to ?? '—'}` : '';
  return [h.action, change, h.detail].filter(Boolean).join(': ');
}

/**
 * History, alerts and notes of an incident merged in time order (oldest first; entries without a valid
 * time go last, in the order received, so nothing silently disappears).
 */
export function incidentTimeline(inc: IncidentDetail): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...(inc.alerts ?? []).map((a) => ({ kind: 'alert' as const, at: a.time ?? a.timestamp ?? '', who: '', text: a.title ?? ruleName(a.rule), alertId: a.id })),
    // Notes appear once, as notes: the history's 'note' entries only say that one was added.
    ...(inc.history ?? [])
      .filter((h) => !(h.action === 'note' && inc.notes?.length))
      .map((h) => ({ kind: 'history' as const, at: String(h.when ?? h.at ?? ''), who: String(h.who ?? h.by ?? ''), text: describeChange(h) })),
    ...(inc.notes ?? []).map((n) => ({ kind: 'note' as const, at: n.when ?? n.at ?? '', who: n.who ?? n.by ?? n.author ?? '', text: n.text })),
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
