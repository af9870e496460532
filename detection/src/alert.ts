import type { AttackInfo } from './attack-tags.js';
import type { Level } from './rule-parser.js';

export interface Alert {
  /** Deterministic id: same rule version, group and events give the same id (stable across backtests). */
  id: string;
  rule: { id: string; version: string; title: string; name: string | null; kind: 'detection' | 'correlation'; type?: string };
  severity: Level;
  tags: string[];
  attack: AttackInfo;
  /** Event time of the (last) triggering event, ISO 8601. */
  timestamp: string;
  firstTimestamp: string;
  eventIds: string[];
  /** Correlation group-by values, or the entity fields of a single event. */
  group: Record<string, string>;
  groupKey: string | null;
  /** Entity used for suppression and incident grouping. */
  entity: string;
  reason: { selections?: string[]; correlation?: Record<string, unknown>; rules?: string[] };
  backtest?: true;
}
