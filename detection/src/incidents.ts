import type { Alert } from './alert.js';
import type { Level } from './rule-parser.js';

// Alert → incident grouping: alerts of the same rule about the same entity belong to one incident while
// they keep arriving within `windowMs` of each other. Pure: storage and incident lifecycle live elsewhere.

export interface Incident {
  /** Stable id derived from rule, entity and the first alert. */
  id: string;
  ruleId: string;
  title: string;
  entity: string;
  severity: Level;
  firstTimestamp: string;
  lastTimestamp: string;
  alertIds: string[];
  eventIds: string[];
  tactics: string[];
  techniques: string[];
}

const RANK: Record<Level, number> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function groupIntoIncidents(alerts: readonly Alert[], opts: { windowMs?: number; maxEventIds?: number } = {}): Incident[] {
  const windowMs = opts.windowMs ?? 3_600_000;
  const maxIds = opts.maxEventIds ?? 1000;
  const sorted = [...alerts].sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.id.localeCompare(b.id));
  const open = new Map<string, Incident>();
  const out: Incident[] = [];
  for (const a of sorted) {
    const key = `${a.rule.id}\u0000${a.entity}`;
    let inc = open.get(key);
    const t = Date.parse(a.timestamp);
    if (inc && t - Date.parse(inc.lastTimestamp) > windowMs) inc = undefined;
    if (!inc) {
      inc = {
        id: `inc-${a.id.slice(0, 24)}`,
        ruleId: a.rule.id,
        title: a.rule.title,
        entity: a.entity,
        severity: a.severity,
        firstTimestamp: a.timestamp,
        lastTimestamp: a.timestamp,
        alertIds: [],
        eventIds: [],
        tactics: [],
        techniques: [],
      };
      open.set(key, inc);
      out.push(inc);
    }
    inc.alertIds.push(a.id);
    for (const e of a.eventIds) if (inc.eventIds.length < maxIds && !inc.eventIds.includes(e)) inc.eventIds.push(e);
    if (a.timestamp > inc.lastTimestamp) inc.lastTimestamp = a.timestamp;
    if (RANK[a.severity] > RANK[inc.severity]) inc.severity = a.severity;
    for (const x of a.attack.tactics) if (!inc.tactics.includes(x)) inc.tactics.push(x);
    for (const x of a.attack.techniques) if (!inc.techniques.includes(x)) inc.techniques.push(x);
  }
  return out;
}
