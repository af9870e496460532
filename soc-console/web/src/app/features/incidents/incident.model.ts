// Incident shapes as the console API returns them; fields beyond the contract are optional on purpose.

export const INCIDENT_STATUSES = ['new', 'triaged', 'in_progress', 'resolved', 'false_positive'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const;

export interface IncidentSummary {
  id: string;
  title?: string;
  ruleId?: string;
  entity?: string;
  severity?: string;
  status?: IncidentStatus | string;
  assignee?: string | null;
  /** The server names them firstSeen/lastSeen; the detection library firstTimestamp/lastTimestamp. */
  firstSeen?: string;
  lastSeen?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  alertCount?: number;
  notesCount?: number;
  eventIds?: string[];
  alertIds?: string[];
}

export interface IncidentAlertRef {
  id: string;
  rule?: string | { id?: string; title?: string };
  title?: string;
  severity?: string;
  time?: string;
  timestamp?: string;
  eventIds?: string[];
}

export interface IncidentHistoryEntry {
  who?: string;
  by?: string;
  when?: string;
  at?: string;
  what?: string;
  action?: string;
  from?: string | null;
  to?: string | null;
  detail?: string;
  [k: string]: unknown;
}

export interface IncidentNote {
  who?: string;
  by?: string;
  author?: string;
  when?: string;
  at?: string;
  text: string;
}

export interface IncidentDetail extends IncidentSummary {
  alerts?: IncidentAlertRef[];
  history?: IncidentHistoryEntry[];
  notes?: IncidentNote[];
}
