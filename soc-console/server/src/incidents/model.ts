import type { EcsDocument } from '@emsoc/event-store/contract';
import { SEVERITY_SCORE } from '@emsoc/detection';
import type { Alert } from '@emsoc/detection';

export const STATUSES = ['new', 'triaged', 'in_progress', 'resolved', 'false_positive'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const CLOSED: ReadonlySet<IncidentStatus> = new Set(['resolved', 'false_positive']);

/** Allowed status changes: the triage workflow forwards, plus re-opening a closed incident. */
export const TRANSITIONS: Record<IncidentStatus, IncidentStatus[]> = {
  new: ['triaged', 'false_positive'],
  triaged: ['in_progress', 'resolved', 'false_positive'],
  in_progress: ['resolved', 'false_positive'],
  resolved: ['in_progress'],
  false_positive: ['in_progress'],
};

export interface HistoryEntry {
  at: string;
  by: string;
  action: 'created' | 'alerts_added' | 'status' | 'assignee' | 'note';
  from?: string | null;
  to?: string | null;
  detail?: string;
}

export interface IncidentRecord {
  id: string;
  title: string;
  ruleId: string;
  entity: string;
  severity: Alert['severity'];
  status: IncidentStatus;
  assignee: string | null;
  createdAt: string;
  updatedAt: string;
  firstSeen: string;
  lastSeen: string;
  alertIds: string[];
  alertCount: number;
  eventIds: string[];
  tactics: string[];
  techniques: string[];
  triagedAt: string | null;
  resolvedAt: string | null;
  timeToTriageMs: number | null;
  timeToResolveMs: number | null;
  history: HistoryEntry[];
  notes: { at: string; by: string; text: string }[];
}

/** Incidents are stored whole in the `incidents` dataset (one writer: the console), keyed by id. */
export function incidentToDocument(r: IncidentRecord): { id: string; doc: EcsDocument } {
  return {
    id: r.id,
    doc: {
      '@timestamp': r.firstSeen,
      message: r.title,
      event: { kind: 'event', id: r.id, dataset: 'emsoc.incident', severity: SEVERITY_SCORE[r.severity], created: r.createdAt },
      rule: { id: r.ruleId, name: r.title },
      incident: r as unknown as Record<string, unknown>,
    },
  };
}

export function incidentFromDocument(doc: EcsDocument | undefined): IncidentRecord | undefined {
  const r = doc?.incident as IncidentRecord | undefined;
  return r && typeof r.id === 'string' && STATUSES.includes(r.status) ? r : undefined;
}
