import { getterFor } from './eval-context.js';
import type { EcsEvent } from './event-fields.js';
import { scalarToString } from './event-fields.js';
import type { CorrelationCondition, CorrelationRule } from './rule-parser.js';

// Streaming evaluation of Sigma correlation (meta) rules with sliding windows per group key.
//
// Windows slide with event time: every update drops entries older than `timespan` before the newest
// event of the group, so a burst straddling any bucket boundary is still counted.
// Conditions with only lower bounds (gt/gte) fire as soon as they hold, then the group restarts.
// Conditions with an upper bound (lt/lte/eq/neq or ranges) can only be decided when the window is over:
// the window opens at the group's first event and is evaluated once an event at or after its end arrives,
// when the group expires, or on flush().

export interface CorrelationLimits {
  /** Max group keys kept per correlation rule; the least recently updated is evicted beyond it. */
  maxGroups: number;
  /** Max timestamps/values kept per group; the oldest are dropped beyond it. */
  maxEntriesPerGroup: number;
  /** Event ids remembered per group for the alert. */
  maxEventIds: number;
}

export interface CorrelationStats {
  groups: number;
  evictedGroups: number;
  expiredGroups: number;
  droppedEntries: number;
  fired: number;
}

export interface CorrelationFire {
  group: Record<string, string>;
  groupKey: string;
  firstTs: number;
  lastTs: number;
  eventIds: string[];
  /** Correlation values explaining the alert (count, distinct, sum, avg, rules). */
  values: Record<string, unknown>;
}

const SMALL_SET = 8;

function distinctSize(g: Group): number {
  return g.distinct ? g.distinct.size : g.dv ? g.dv.length : 0;
}

function distinctKeys(g: Group): string[] {
  return g.distinct ? [...g.distinct.keys()] : g.dv ? g.dv.slice() : [];
}

/** Record `v` as seen at `ts`, keeping oldest-first order. */
function touchValue(g: Group, v: string, ts: number): void {
  if (g.distinct) {
    g.distinct.delete(v);
    g.distinct.set(v, ts);
    return;
  }
  const dv = g.dv ?? [];
  const dt = g.dt ?? [];
  const i = dv.indexOf(v);
  // Exact-size arrays (push() would reserve ~17 slots per array).
  const n = dv.length + (i < 0 ? 1 : 0);
  const keepV = new Array<string>(n);
  const keepT = new Array<number>(n);
  let w = 0;
  for (let k = 0; k < dv.length; k++) {
    if (k === i) continue;
    keepV[w] = dv[k]!;
    keepT[w++] = dt[k]!;
  }
  keepV[w] = v;
  keepT[w] = ts;
  if (keepV.length > SMALL_SET) {
    g.distinct = new Map(keepV.map((x, k) => [x, keepT[k]!]));
    g.dv = g.dt = null;
  } else {
    g.dv = keepV;
    g.dt = keepT;
  }
}

function evictValues(g: Group, min: number): void {
  if (g.distinct) {
    for (const [v, t] of g.distinct) {
      if (t >= min) break;
      g.distinct.delete(v);
    }
    return;
  }
  if (!g.dt || g.dt[0]! >= min) return;
  let k = 0;
  while (k < g.dt.length && g.dt[k]! < min) k++;
  g.dv = g.dv!.slice(k);
  g.dt = g.dt.slice(k);
}

function dropOldestValue(g: Group): void {
  if (g.distinct) g.distinct.delete(g.distinct.keys().next().value!);
  else if (g.dv) {
    g.dv = g.dv.slice(1);
    g.dt = g.dt!.slice(1);
  }
}

// Shared empty start; append() copies before writing, so it is never mutated.
const EMPTY: number[] = [];

/** Per-group state; a class so every group shares one hidden class, arrays allocated only when used. */
class Group {
  head = 0;
  sum = 0;
  ids: string[] | null = null;
  times: number[] | null = null; // event_count / value_sum / value_avg
  nums: number[] | null = null; // value_sum / value_avg
  // value_count: value -> last seen. Small sets live in two exact-size arrays (oldest first); a Map is
  // used beyond SMALL_SET values (a Map costs ~200 bytes even when nearly empty).
  distinct: Map<string, number> | null = null;
  dv: string[] | null = null;
  dt: number[] | null = null;
  ruleTs: number[] | null = null; // temporal: last ts per rule; temporal_ordered: chain start per step
  stepIds: string[][] | null = null; // temporal: ids per rule; ordered: ids of the chain per step
  constructor(
    public first: number, // window start (close mode) or first entry
    public last: number,
  ) {}
}

/**
 * Append keeping small arrays at exact size: V8 grows an array to ~17 slots on the first push, which
 * across a million groups of one or two entries is most of the memory.
 */
function append<T>(a: T[], x: T): T[] {
  if (a.length < 8) {
    const b = new Array<T>(a.length + 1);
    for (let i = 0; i < a.length; i++) b[i] = a[i]!;
    b[a.length] = x;
    return b;
  }
  a.push(x);
  return a;
}

export function checkCondition(c: CorrelationCondition, x: number): boolean {
  if (c.gt !== undefined && !(x > c.gt)) return false;
  if (c.gte !== undefined && !(x >= c.gte)) return false;
  if (c.lt !== undefined && !(x < c.lt)) return false;
  if (c.lte !== undefined && !(x <= c.lte)) return false;
  if (c.eq !== undefined && !(x === c.eq)) return false;
  if (c.neq !== undefined && !(x !== c.neq)) return false;
  return true;
}

function firstString(ev: EcsEvent, get: (e: EcsEvent) => unknown[]): string {
  for (const v of get(ev)) {
    const s = scalarToString(v);
    if (s !== null) return s;
  }
  return '';
}

function toNum(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

export class CorrelationEngine {
  readonly stats: CorrelationStats = { groups: 0, evictedGroups: 0, expiredGroups: 0, droppedEntries: 0, fired: 0 };
  private groups = new Map<string, Group>();
  private readonly closeMode: boolean;
  private readonly groupGetters: ((e: EcsEvent) => unknown[])[][];
  private readonly valueGetters: (((e: EcsEvent) => unknown[]) | null)[];
  private updates = 0;
  private readonly cond: CorrelationCondition;

  /**
   * @param refs the referenced rules in `rules:` order, each with the id and name aliases may use.
   */
  constructor(
    readonly rule: CorrelationRule,
    refs: { id: string; name: string | null }[],
    private readonly limits: CorrelationLimits,
  ) {
    const r = rule;
    const fieldFor = (field: string, ref: { id: string; name: string | null }): string => {
      const a = r.aliases[field];
      if (!a) return field;
      return (ref.name !== null ? a[ref.name] : undefined) ?? a[ref.id] ?? field;
    };
    this.groupGetters = refs.map((ref) => r.groupBy.map((g) => getterFor(fieldFor(g, ref))));
    this.valueGetters = refs.map((ref) => (r.field ? getterFor(fieldFor(r.field, ref)) : null));
    const isTemporal = r.type === 'temporal' || r.type === 'temporal_ordered';
    this.cond = r.condition ?? (isTemporal ? { gte: refs.length } : { gte: 1 });
    const c = this.cond;
    this.closeMode = c.lt !== undefined || c.lte !== undefined || c.eq !== undefined || c.neq !== undefined;
  }

  /** Keep state across a hot reload of an unchanged rule. */
  adoptState(old: CorrelationEngine): void {
    this.groups = old.groups;
    Object.assign(this.stats, old.stats);
  }

  private newGroup(ts: number): Group {
    const n = this.rule.rules.length;
    const t = this.rule.type;
    const g = new Group(ts, ts);
    if (t === 'value_count') {
      /* small arrays allocated on first value */
    } else if (t === 'temporal' || t === 'temporal_ordered') {
      g.ruleTs = new Array<number>(n).fill(-Infinity);
      g.stepIds = Array.from({ length: n }, () => []);
    } else {
      g.times = EMPTY;
      if (t !== 'event_count') g.nums = EMPTY;
    }
    return g;
  }

  private evictOld(g: Group, now: number): void {
    const min = now - this.rule.timespanMs;
    if (this.rule.type === 'value_count') {
      // Values are kept in last-seen order (re-inserted on update), so expired ones are at the front.
      evictValues(g, min);
      return;
    }
    const times = g.times;
    if (!times) return;
    while (g.head < times.length && times[g.head]! < min) {
      if (g.nums) g.sum -= g.nums[g.head]!;
      g.head++;
    }
    if (g.head > 64 && g.head * 2 > times.length) {
      g.times = times.slice(g.head);
      if (g.nums) g.nums = g.nums.slice(g.head);
      g.head = 0;
    }
  }

  /** The number the condition is applied to (cheap: called on every update). */
  private measure(g: Group): number {
    switch (this.rule.type) {
      case 'event_count':
        return g.times!.length - g.head;
      case 'value_count':
        return distinctSize(g);
      case 'value_sum':
        return g.sum;
      case 'value_avg': {
        const n = g.times!.length - g.head;
        return n ? g.sum / n : 0;
      }
      case 'temporal': {
        const min = g.last - this.rule.timespanMs;
        let k = 0;
        for (const t of g.ruleTs!) if (t >= min) k++;
        return k;
      }
      case 'temporal_ordered': {
        const n = this.rule.rules.length;
        if (g.ruleTs![n - 1]! > -Infinity) return n;
        let steps = 0;
        for (let i = 0; i < n; i++) if (g.ruleTs![i]! > -Infinity) steps = i + 1;
        return steps;
      }
    }
  }

  /** Values explaining a firing group (only computed when it fires). */
  private details(g: Group): Record<string, unknown> {
    const x = this.measure(g);
    switch (this.rule.type) {
      case 'event_count':
        return { count: x };
      case 'value_count':
        return { field: this.rule.field, distinct: x, sample: distinctKeys(g).slice(-10) };
      case 'value_sum':
        return { field: this.rule.field, sum: x, count: g.times!.length - g.head };
      case 'value_avg':
        return { field: this.rule.field, avg: x, count: g.times!.length - g.head };
      case 'temporal': {
        const min = g.last - this.rule.timespanMs;
        return { rules: this.rule.rules.filter((_, i) => g.ruleTs![i]! >= min) };
      }
      case 'temporal_ordered':
        return { rules: this.rule.rules.slice(0, x), ordered: true };
    }
  }

  private fire(g: Group, key: string): CorrelationFire {
    const details = this.details(g);
    this.stats.fired++;
    const group: Record<string, string> = {};
    const values = this.rule.groupBy.length === 1 ? [key] : key.split('\u0001');
    this.rule.groupBy.forEach((f, i) => (group[f] = values[i] ?? ''));
    let eventIds = g.ids ? g.ids.slice() : [];
    if (g.stepIds) eventIds = this.rule.type === 'temporal_ordered' ? g.stepIds[g.stepIds.length - 1]!.slice() : g.stepIds.flat();
    return { group, groupKey: key, firstTs: g.times?.[g.head] ?? g.first, lastTs: g.last, eventIds, values: details };
  }

  private reset(g: Group, ts: number): void {
    Object.assign(g, this.newGroup(ts));
  }

  /** Feed one matched event of referenced rule `refIdx`. */
  update(refIdx: number, ev: EcsEvent, ts: number, eventIds: string[]): CorrelationFire[] {
    const values = this.groupGetters[refIdx]!.map((g) => firstString(ev, g));
    const key = values.length === 1 ? values[0]! : values.join('\u0001');
    const out: CorrelationFire[] = [];
    let g = this.groups.get(key);
    if (g) {
      this.groups.delete(key); // re-insert below: map order = least recently updated first
    } else {
      g = this.newGroup(ts);
    }
    // Close mode: an event past the window end decides the previous window first.
    if (this.closeMode && ts >= g.first + this.rule.timespanMs && g.last >= g.first) {
      if (this.hasEntries(g) && checkCondition(this.cond, this.measure(g))) out.push(this.fire(g, key));
      this.reset(g, ts);
    }
    if (ts > g.last) g.last = ts;
    if (!this.closeMode) this.evictOld(g, g.last);
    if (eventIds.length && !g.stepIds) {
      let ids = g.ids ?? [];
      for (const id of eventIds) {
        ids = append(ids, id);
        if (ids.length > this.limits.maxEventIds) ids.shift();
      }
      g.ids = ids;
    }
    const t = this.rule.type;
    if (t === 'event_count' || t === 'value_sum' || t === 'value_avg') {
      let n = 0;
      if (t !== 'event_count') {
        let found: number | null = null;
        for (const v of this.valueGetters[refIdx]!(ev)) if ((found = toNum(v)) !== null) break;
        if (found === null) {
          this.groups.set(key, g);
          return out; // no numeric value: nothing to aggregate
        }
        n = found;
        g.nums = append(g.nums!, n);
        g.sum += n;
      }
      g.times = append(g.times!, ts);
      if (g.times!.length - g.head > this.limits.maxEntriesPerGroup) {
        if (g.nums) g.sum -= g.nums[g.head]!;
        g.head++;
        this.stats.droppedEntries++;
      }
    } else if (t === 'value_count') {
      const v = firstString(ev, this.valueGetters[refIdx]!);
      if (v !== '') {
        touchValue(g, v, ts);
        if (distinctSize(g) > this.limits.maxEntriesPerGroup) {
          dropOldestValue(g);
          this.stats.droppedEntries++;
        }
      }
    } else if (t === 'temporal') {
      g.ruleTs![refIdx] = Math.max(g.ruleTs![refIdx]!, ts);
      g.stepIds![refIdx] = eventIds.slice(-this.limits.maxEventIds);
    } else {
      // temporal_ordered: ruleTs[i] = latest start time of a chain that completed steps 0..i in order.
      const st = g.ruleTs!;
      const span = this.rule.timespanMs;
      const ids = g.stepIds!;
      if (refIdx === 0) {
        st[0] = ts;
        ids[0] = eventIds.slice(-this.limits.maxEventIds);
      } else if (st[refIdx - 1]! > -Infinity && ts - st[refIdx - 1]! <= span && st[refIdx - 1]! >= st[refIdx]!) {
        st[refIdx] = st[refIdx - 1]!;
        ids[refIdx] = [...ids[refIdx - 1]!, ...eventIds].slice(-this.limits.maxEventIds);
      }
    }
    if (!this.closeMode) {
      if (checkCondition(this.cond, this.measure(g))) {
        out.push(this.fire(g, key));
        this.reset(g, ts);
      }
    }
    this.groups.set(key, g);
    if (this.groups.size > this.limits.maxGroups) {
      const oldest = this.groups.keys().next().value!;
      this.groups.delete(oldest);
      this.stats.evictedGroups++;
    }
    if ((++this.updates & 63) === 0) out.push(...this.sweep(ts));
    this.stats.groups = this.groups.size;
    return out;
  }

  private hasEntries(g: Group): boolean {
    if (this.rule.type === 'value_count') return distinctSize(g) > 0;
    if (g.ruleTs) return g.ruleTs.some((x) => x > -Infinity);
    return g.times!.length - g.head > 0;
  }

  /** Drop groups idle for longer than the timespan; close-mode groups are decided first. */
  sweep(now: number): CorrelationFire[] {
    const out: CorrelationFire[] = [];
    const min = now - this.rule.timespanMs;
    for (const [key, g] of this.groups) {
      if (g.last >= min) break;
      if (this.closeMode && this.hasEntries(g)) {
        if (checkCondition(this.cond, this.measure(g))) out.push(this.fire(g, key));
      }
      this.groups.delete(key);
      this.stats.expiredGroups++;
    }
    this.stats.groups = this.groups.size;
    return out;
  }

  /** Decide every open window (end of a backtest or stream). */
  flush(): CorrelationFire[] {
    const out: CorrelationFire[] = [];
    if (this.closeMode) {
      for (const [key, g] of this.groups) {
        if (!this.hasEntries(g)) continue;
        if (checkCondition(this.cond, this.measure(g))) out.push(this.fire(g, key));
      }
    }
    this.groups.clear();
    this.stats.groups = 0;
    return out;
  }

  get groupCount(): number {
    return this.groups.size;
  }
}
