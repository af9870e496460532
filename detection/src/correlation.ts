import { fieldId, getterFor, type EvalContext } from './eval-context.js';
import type { EcsEvent } from './event-fields.js';
import { scalarToString } from './event-fields.js';
import type { CorrelationCondition, CorrelationRule } from './rule-parser.js';
import { KeyTable } from './key-table.js';
import { grown } from './typed-array.js';

// Streaming evaluation of Sigma correlation (meta) rules with sliding windows per group key.
//
// Windows slide with event time: every update drops entries older than `timespan` before the newest
// event of the group, so a burst straddling any bucket boundary is still counted.
// Conditions with only lower bounds (gt/gte) fire as soon as they hold, then the group restarts.
// Conditions with an upper bound (lt/lte/eq/neq or ranges) can only be decided when the window is over:
// the window opens at the group's first event and is evaluated once an event at or after its end arrives,
// when the group expires, or on flush().
//
// Memory: a million groups must fit in a few hundred MB, so group state is struct-of-arrays. The group
// key maps to a slot number; per-slot scalars live in typed arrays, and the first INLINE timestamps,
// values and event ids of a group live in shared pools. Only a group outgrowing that spills into a `Big`
// object (or the temporal types, which always need one). value_sum/value_avg keep their first INLINE
// numbers in a pool too (a new group, the common case on flows, allocates nothing). Values are interned, so a
// million groups counting destination ports share one "443".

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

/** Inline entries per group (timestamps / distinct values, and event ids) before spilling. */
const INLINE = 4;
/** `n[slot]` value meaning "entries are in big[slot]". */
const SPILLED = 255;
const MAX_INTERNED = 65_536;
const NO_FIRES: CorrelationFire[] = [];

/** Spilled or type-specific state of one group. */
class Big {
  head = 0;
  sum = 0;
  times: number[] = []; // event_count / value_sum / value_avg
  nums: number[] | null = null; // value_sum / value_avg (parallel to times)
  distinct: Map<string, number> | null = null; // value_count: value -> last seen (oldest first)
  ruleTs: number[] | null = null; // temporal: last ts per rule; temporal_ordered: chain start per step
  stepIds: string[][] | null = null; // temporal: ids per rule; ordered: ids of the chain per step
}

/** Slot storage, grown by doubling; freed slots are reused. */
class Slots {
  cap = 0;
  first: Float64Array = new Float64Array(0); // window start (close mode) or first entry
  last: Float64Array = new Float64Array(0);
  n: Uint8Array = new Uint8Array(0); // inline entries used, or SPILLED
  ts: Float64Array = new Float64Array(0); // INLINE per slot, oldest first
  vals: string[] = []; // value_count only (INLINE per slot, parallel to ts); empty otherwise
  nums: Float64Array = new Float64Array(0); // value_sum / value_avg only (INLINE per slot, parallel to ts)
  sum: Float64Array = new Float64Array(0); // value_sum / value_avg only: sum of the inline nums
  idn: Uint8Array = new Uint8Array(0); // inline ids used, or SPILLED
  idv: string[] = []; // INLINE per slot
  bigIds: (string[] | null)[] = [];
  big: (Big | null)[] = [];
  // Recency list (least recently updated first) as slot links: moving a group to the tail on every
  // update costs two array writes instead of a Map delete + re-insert.
  prev: Int32Array = new Int32Array(0);
  next: Int32Array = new Int32Array(0);
  keys: string[] = [];
  /** Group key -> slot. */
  readonly table = new KeyTable(this.keys);
  head = -1;
  tail = -1;
  free: number[] = [];
  used = 0;

  /** withValues: value_count (a string per entry); withNums: value_sum / value_avg (a number per entry). */
  constructor(
    readonly withValues: boolean,
    readonly withNums: boolean,
  ) {}

  linkTail(g: number): void {
    this.prev[g] = this.tail;
    this.next[g] = -1;
    if (this.tail >= 0) this.next[this.tail] = g;
    else this.head = g;
    this.tail = g;
  }

  unlink(g: number): void {
    const p = this.prev[g]!;
    const n = this.next[g]!;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
  }

  /** Move `g` to the most recently updated end. */
  touch(g: number): void {
    if (this.tail === g) return;
    this.unlink(g);
    this.linkTail(g);
  }

  alloc(): number {
    const s = this.free.pop();
    if (s !== undefined) return s;
    if (this.used === this.cap) this.grow();
    return this.used++;
  }

  release(s: number): void {
    this.unlink(s);
    this.keys[s] = '';
    this.big[s] = null;
    this.bigIds[s] = null;
    for (let i = s * INLINE; i < s * INLINE + INLINE; i++) {
      if (this.withValues) this.vals[i] = '';
      this.idv[i] = '';
    }
    this.free.push(s);
  }

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    this.prev = grown(this.prev, cap);
    this.next = grown(this.next, cap);
    this.first = grown(this.first, cap);
    this.last = grown(this.last, cap);
    this.ts = grown(this.ts, cap * INLINE);
    this.n = grown(this.n, cap);
    this.idn = grown(this.idn, cap);
    if (this.withNums) {
      this.nums = grown(this.nums, cap * INLINE);
      this.sum = grown(this.sum, cap);
    }
    // Dense, pre-filled arrays stay in V8's fast element mode.
    for (let i = this.cap * INLINE; i < cap * INLINE; i++) {
      if (this.withValues) this.vals.push('');
      this.idv.push('');
    }
    for (let i = this.cap; i < cap; i++) {
      this.big.push(null);
      this.bigIds.push(null);
      this.keys.push('');
    }
    this.cap = cap;
  }
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
  const vs = get(ev);
  for (let i = 0; i < vs.length; i++) {
    const s = scalarToString(vs[i]);
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
  private s: Slots;
  /** Interned values (at most MAX_INTERNED) and their table: a miss, the common case, probes typed
   * arrays instead of comparing strings on a Map chain. */
  private internedValues: string[] = [];
  private interned = new KeyTable(this.internedValues);
  private readonly closeMode: boolean;
  private readonly groupGetters: ((e: EcsEvent) => unknown[])[][];
  /** Same fields as interned ids, to read them from the event's evaluation cache. */
  private readonly groupIds: number[][];
  private readonly valueIds: number[];
  private readonly valueGetters: (((e: EcsEvent) => unknown[]) | null)[];
  private updates = 0;
  private keyParts: string[] = [];
  private readonly cond: CorrelationCondition;
  private readonly type: CorrelationRule['type'];
  /** Types whose whole state lives in Big (not memory-critical). */
  private readonly alwaysBig: boolean;

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
    this.groupIds = refs.map((ref) => r.groupBy.map((g) => fieldId(fieldFor(g, ref))));
    this.valueIds = refs.map((ref) => (r.field ? fieldId(fieldFor(r.field, ref)) : -1));
    this.type = r.type;
    const isTemporal = r.type === 'temporal' || r.type === 'temporal_ordered';
    this.s = new Slots(r.type === 'value_count', r.type === 'value_sum' || r.type === 'value_avg');
    this.alwaysBig = isTemporal;
    this.cond = r.condition ?? (isTemporal ? { gte: refs.length } : { gte: 1 });
    const c = this.cond;
    this.closeMode = c.lt !== undefined || c.lte !== undefined || c.eq !== undefined || c.neq !== undefined;
  }

  /** Keep state across a hot reload of an unchanged rule. */
  adoptState(old: CorrelationEngine): void {
    this.s = old.s;
    this.interned = old.interned;
    this.internedValues = old.internedValues;
    Object.assign(this.stats, old.stats);
  }

  private intern(v: string): string {
    const i = this.interned.get(v);
    if (i >= 0) return this.internedValues[i]!;
    if (this.internedValues.length < MAX_INTERNED) {
      this.internedValues.push(v);
      this.interned.set(v, this.internedValues.length - 1);
    }
    return v;
  }

  /** Fresh state in slot `g` (new group, or restart after firing / a closed window). */
  private init(g: number, ts: number): void {
    const s = this.s;
    s.first[g] = ts;
    s.last[g] = ts;
    s.n[g] = 0;
    s.idn[g] = 0;
    s.bigIds[g] = null;
    s.big[g] = null;
    if (s.withNums) s.sum[g] = 0;
    if (!this.alwaysBig) return;
    const b = new Big();
    const n = this.rule.rules.length;
    b.ruleTs = new Array<number>(n).fill(-Infinity);
    b.stepIds = Array.from({ length: n }, () => []);
    s.big[g] = b;
    s.n[g] = SPILLED;
  }

  // ---- entries: timestamps (event_count/sum/avg) or distinct values (value_count) ----

  /** Number of timestamps (event_count/sum/avg) or distinct values (value_count) in the window. */
  private entries(g: number): number {
    const s = this.s;
    if (s.n[g] !== SPILLED) return s.n[g]!;
    const b = s.big[g]!;
    return b.distinct ? b.distinct.size : b.times.length - b.head;
  }

  /** Time of the oldest entry, or null. */
  private oldest(g: number): number | null {
    const s = this.s;
    if (s.n[g] !== SPILLED) return s.n[g]! > 0 ? s.ts[g * INLINE]! : null;
    const b = s.big[g]!;
    return b.head < b.times.length ? b.times[b.head]! : null;
  }

  private spill(g: number): Big {
    const s = this.s;
    const b = new Big();
    const base = g * INLINE;
    const n = s.n[g]!;
    if (this.type === 'value_count') {
      b.distinct = new Map();
      for (let i = 0; i < n; i++) b.distinct.set(s.vals[base + i]!, s.ts[base + i]!);
    } else for (let i = 0; i < n; i++) b.times.push(s.ts[base + i]!);
    if (s.withValues) for (let i = base; i < base + INLINE; i++) s.vals[i] = '';
    if (s.withNums) {
      b.nums = [];
      for (let i = 0; i < n; i++) b.nums.push(s.nums[base + i]!);
      b.sum = s.sum[g]!;
    }
    s.n[g] = SPILLED;
    s.big[g] = b;
    return b;
  }

  /** Drop inline entries [0, k) keeping order. */
  private shiftInline(g: number, k: number): void {
    const s = this.s;
    const base = g * INLINE;
    const n = s.n[g]!;
    if (s.withNums) {
      // Oldest first, one subtraction each: the same float arithmetic as the spilled ring.
      for (let i = 0; i < k; i++) s.sum[g] = s.sum[g]! - s.nums[base + i]!;
      for (let i = k; i < n; i++) s.nums[base + i - k] = s.nums[base + i]!;
    }
    for (let i = k; i < n; i++) s.ts[base + i - k] = s.ts[base + i]!;
    if (s.withValues) {
      for (let i = k; i < n; i++) s.vals[base + i - k] = s.vals[base + i]!;
      for (let i = n - k; i < n; i++) s.vals[base + i] = '';
    }
    s.n[g] = n - k;
  }

  /** value_sum / value_avg: the sum of a group's numbers in the window, inline or spilled. */
  private sumOf(g: number): number {
    return this.s.n[g] === SPILLED ? this.s.big[g]!.sum : this.s.sum[g]!;
  }

  /** Record an entry at `ts`; `num` is the value of value_sum / value_avg (ignored otherwise). */
  private addTime(g: number, ts: number, num = 0): void {
    const s = this.s;
    const n = s.n[g]!;
    if (n < INLINE) {
      s.ts[g * INLINE + n] = ts;
      if (s.withNums) {
        s.nums[g * INLINE + n] = num;
        s.sum[g] = s.sum[g]! + num;
      }
      s.n[g] = n + 1;
    } else {
      const b = n === SPILLED ? s.big[g]! : this.spill(g);
      if (s.withNums) {
        b.nums!.push(num);
        b.sum += num;
      }
      b.times.push(ts);
    }
    if (this.entries(g) > this.limits.maxEntriesPerGroup) {
      this.dropOldest(g);
      this.stats.droppedEntries++;
    }
  }

  /** value_count: record `v` as seen at `ts`, keeping oldest-first (last seen) order. */
  private touchValue(g: number, v: string, ts: number): void {
    const s = this.s;
    const n = s.n[g]!;
    if (n === SPILLED) {
      const d = s.big[g]!.distinct!;
      d.delete(v);
      d.set(v, ts);
    } else {
      const base = g * INLINE;
      let i = 0;
      while (i < n && s.vals[base + i] !== v) i++;
      if (i < n) {
        for (let k = i + 1; k < n; k++) {
          s.vals[base + k - 1] = s.vals[base + k]!;
          s.ts[base + k - 1] = s.ts[base + k]!;
        }
        s.vals[base + n - 1] = v;
        s.ts[base + n - 1] = ts;
      } else if (n < INLINE) {
        s.vals[base + n] = this.intern(v);
        s.ts[base + n] = ts;
        s.n[g] = n + 1;
      } else this.spill(g).distinct!.set(this.intern(v), ts);
    }
    if (this.entries(g) > this.limits.maxEntriesPerGroup) {
      this.dropOldest(g);
      this.stats.droppedEntries++;
    }
  }

  private dropOldest(g: number): void {
    const s = this.s;
    if (s.n[g] !== SPILLED) {
      if (s.n[g]! > 0) this.shiftInline(g, 1);
      return;
    }
    const b = s.big[g]!;
    if (b.distinct) b.distinct.delete(b.distinct.keys().next().value!);
    else {
      if (b.nums) b.sum -= b.nums[b.head]!;
      b.head++;
    }
  }

  private evictOld(g: number, now: number): void {
    const min = now - this.rule.timespanMs;
    const s = this.s;
    if (s.n[g] !== SPILLED) {
      const base = g * INLINE;
      let k = 0;
      while (k < s.n[g]! && s.ts[base + k]! < min) k++;
      if (k) this.shiftInline(g, k);
      return;
    }
    const b = s.big[g]!;
    if (b.distinct) {
      // Values are kept in last-seen order (re-inserted on update), so expired ones are at the front.
      for (const [v, t] of b.distinct) {
        if (t >= min) break;
        b.distinct.delete(v);
      }
      return;
    }
    const times = b.times;
    while (b.head < times.length && times[b.head]! < min) {
      if (b.nums) b.sum -= b.nums[b.head]!;
      b.head++;
    }
    if (b.head > 64 && b.head * 2 > times.length) {
      b.times = times.slice(b.head);
      if (b.nums) b.nums = b.nums.slice(b.head);
      b.head = 0;
    }
  }

  private distinctKeys(g: number): string[] {
    const s = this.s;
    if (s.n[g] === SPILLED) return [...s.big[g]!.distinct!.keys()];
    return s.vals.slice(g * INLINE, g * INLINE + s.n[g]!);
  }

  // ---- event ids ----

  private addIds(g: number, eventIds: string[]): void {
    const s = this.s;
    const max = this.limits.maxEventIds;
    for (let k = 0; k < eventIds.length; k++) {
      const id = eventIds[k]!;
      const n = s.idn[g]!;
      if (n === SPILLED) {
        const a = s.bigIds[g]!;
        a.push(id);
        if (a.length > max) a.shift();
      } else if (n < INLINE && n < max) {
        s.idv[g * INLINE + n] = id;
        s.idn[g] = n + 1;
      } else if (n < max) {
        const a = s.idv.slice(g * INLINE, g * INLINE + n);
        a.push(id);
        for (let i = g * INLINE; i < g * INLINE + INLINE; i++) s.idv[i] = '';
        s.bigIds[g] = a;
        s.idn[g] = SPILLED;
      } else {
        // max <= INLINE: slide inline.
        for (let i = 1; i < n; i++) s.idv[g * INLINE + i - 1] = s.idv[g * INLINE + i]!;
        if (n > 0) s.idv[g * INLINE + n - 1] = id;
      }
    }
  }

  private ids(g: number): string[] {
    const s = this.s;
    if (s.idn[g] === SPILLED) return s.bigIds[g]!.slice();
    return s.idv.slice(g * INLINE, g * INLINE + s.idn[g]!);
  }

  // ---- condition ----

  /** The number the condition is applied to (cheap: called on every update). */
  private measure(g: number): number {
    const s = this.s;
    switch (this.type) {
      case 'event_count':
      case 'value_count':
        return this.entries(g);
      case 'value_sum':
        return this.sumOf(g);
      case 'value_avg': {
        const n = this.entries(g);
        return n ? this.sumOf(g) / n : 0;
      }
      case 'temporal': {
        const min = s.last[g]! - this.rule.timespanMs;
        let k = 0;
        for (const t of s.big[g]!.ruleTs!) if (t >= min) k++;
        return k;
      }
      case 'temporal_ordered': {
        const n = this.rule.rules.length;
        const rt = s.big[g]!.ruleTs!;
        if (rt[n - 1]! > -Infinity) return n;
        let steps = 0;
        for (let i = 0; i < n; i++) if (rt[i]! > -Infinity) steps = i + 1;
        return steps;
      }
    }
  }

  /** Values explaining a firing group (only computed when it fires). */
  private details(g: number): Record<string, unknown> {
    const x = this.measure(g);
    const s = this.s;
    switch (this.type) {
      case 'event_count':
        return { count: x };
      case 'value_count':
        return { field: this.rule.field, distinct: x, sample: this.distinctKeys(g).slice(-10) };
      case 'value_sum':
        return { field: this.rule.field, sum: x, count: this.entries(g) };
      case 'value_avg':
        return { field: this.rule.field, avg: x, count: this.entries(g) };
      case 'temporal': {
        const min = s.last[g]! - this.rule.timespanMs;
        const rt = s.big[g]!.ruleTs!;
        return { rules: this.rule.rules.filter((_, i) => rt[i]! >= min) };
      }
      case 'temporal_ordered':
        return { rules: this.rule.rules.slice(0, x), ordered: true };
    }
  }

  private fire(g: number, key: string): CorrelationFire {
    const details = this.details(g);
    this.stats.fired++;
    const s = this.s;
    const group: Record<string, string> = {};
    const values = this.rule.groupBy.length === 1 ? [key] : key.split('\u0001');
    this.rule.groupBy.forEach((f, i) => (group[f] = values[i] ?? ''));
    const stepIds = s.big[g]?.stepIds;
    const eventIds = stepIds ? (this.type === 'temporal_ordered' ? stepIds[stepIds.length - 1]!.slice() : stepIds.flat()) : this.ids(g);
    const firstTs = (this.type !== 'value_count' ? this.oldest(g) : null) ?? s.first[g]!;
    return { group, groupKey: key, firstTs, lastTs: s.last[g]!, eventIds, values: details };
  }

  private hasEntries(g: number): boolean {
    const b = this.s.big[g];
    if (b?.ruleTs) return b.ruleTs.some((x) => x > -Infinity);
    return this.entries(g) > 0;
  }

  private groupKey(refIdx: number, ev: EcsEvent, ctx: EvalContext | null): string {
    if (this.rule.groupBy.length === 0) return '';
    if (ctx) {
      // stringsOf() keeps scalars only, as strings: its first element is firstString().
      const ids = this.groupIds[refIdx]!;
      if (ids.length === 1) return ctx.stringsOf(ids[0]!)[0] ?? '';
      const parts = this.keyParts;
      parts.length = ids.length;
      for (let i = 0; i < ids.length; i++) parts[i] = ctx.stringsOf(ids[i]!)[0] ?? '';
      return parts.join('\u0001');
    }
    const gs = this.groupGetters[refIdx]!;
    if (gs.length === 1) return firstString(ev, gs[0]!);
    let key = firstString(ev, gs[0]!);
    for (let i = 1; i < gs.length; i++) key += '\u0001' + firstString(ev, gs[i]!);
    return key;
  }

  /**
   * Feed one matched event of referenced rule `refIdx`. `ctx`, when given, is the evaluation context
   * of `ev` (its cached field values are reused).
   */
  update(refIdx: number, ev: EcsEvent, ts: number, eventIds: string[], ctx: EvalContext | null = null): CorrelationFire[] {
    if (ctx && ctx.ev !== ev) ctx = null;
    const key = this.groupKey(refIdx, ev, ctx);
    const s = this.s;
    let out = NO_FIRES;
    let g = s.table.get(key);
    if (g >= 0) s.touch(g);
    else {
      g = s.alloc();
      this.init(g, ts);
      s.keys[g] = key;
      s.table.set(key, g);
      s.linkTail(g);
    }
    // Close mode: an event past the window end decides the previous window first.
    if (this.closeMode && ts >= s.first[g]! + this.rule.timespanMs && s.last[g]! >= s.first[g]!) {
      if (this.hasEntries(g) && checkCondition(this.cond, this.measure(g))) out = [this.fire(g, key)];
      this.init(g, ts);
    }
    if (ts > s.last[g]!) s.last[g] = ts;
    if (!this.closeMode) this.evictOld(g, s.last[g]!);
    const t = this.type;
    const stepIds = s.big[g]?.stepIds ?? null;
    if (eventIds.length && !stepIds) this.addIds(g, eventIds);
    let record = true;
    if (t === 'event_count') this.addTime(g, ts);
    else if (t === 'value_sum' || t === 'value_avg') {
      let found: number | null = null;
      for (const v of this.valueGetters[refIdx]!(ev)) if ((found = toNum(v)) !== null) break;
      if (found === null) record = false; // no numeric value: nothing to aggregate
      else this.addTime(g, ts, found);
    } else if (t === 'value_count') {
      const v = ctx ? ctx.stringsOf(this.valueIds[refIdx]!)[0] ?? '' : firstString(ev, this.valueGetters[refIdx]!);
      if (v !== '') this.touchValue(g, v, ts);
    } else if (t === 'temporal') {
      const b = s.big[g]!;
      b.ruleTs![refIdx] = Math.max(b.ruleTs![refIdx]!, ts);
      stepIds![refIdx] = eventIds.slice(-this.limits.maxEventIds);
    } else {
      // temporal_ordered: ruleTs[i] = latest start time of a chain that completed steps 0..i in order.
      const st = s.big[g]!.ruleTs!;
      const span = this.rule.timespanMs;
      const ids = stepIds!;
      if (refIdx === 0) {
        st[0] = ts;
        ids[0] = eventIds.slice(-this.limits.maxEventIds);
      } else if (st[refIdx - 1]! > -Infinity && ts - st[refIdx - 1]! <= span && st[refIdx - 1]! >= st[refIdx]!) {
        st[refIdx] = st[refIdx - 1]!;
        ids[refIdx] = [...ids[refIdx - 1]!, ...eventIds].slice(-this.limits.maxEventIds);
      }
    }
    if (record && !this.closeMode && checkCondition(this.cond, this.measure(g))) {
      out = out === NO_FIRES ? [this.fire(g, key)] : [...out, this.fire(g, key)];
      this.init(g, ts);
    }
    if (s.table.size > this.limits.maxGroups) {
      const oldest = s.head;
      s.table.delete(s.keys[oldest]!, oldest);
      s.release(oldest);
      this.stats.evictedGroups++;
    }
    if ((++this.updates & 63) === 0) {
      const swept = this.sweep(ts);
      if (swept.length) out = out === NO_FIRES ? swept : [...out, ...swept];
    }
    this.stats.groups = this.s.table.size;
    return out;
  }

  /** Drop groups idle for longer than the timespan; close-mode groups are decided first. */
  sweep(now: number): CorrelationFire[] {
    let out = NO_FIRES;
    const min = now - this.rule.timespanMs;
    const s = this.s;
    while (s.head >= 0 && s.last[s.head]! < min) {
      const g = s.head;
      const key = s.keys[g]!;
      if (this.closeMode && this.hasEntries(g) && checkCondition(this.cond, this.measure(g))) {
        if (out === NO_FIRES) out = [];
        out.push(this.fire(g, key));
      }
      s.table.delete(key, g);
      s.release(g);
      this.stats.expiredGroups++;
    }
    this.stats.groups = this.s.table.size;
    return out;
  }

  /** Decide every open window (end of a backtest or stream). */
  flush(): CorrelationFire[] {
    const out: CorrelationFire[] = [];
    if (this.closeMode) {
      const s = this.s;
      for (let g = s.head; g >= 0; g = s.next[g]!) {
        if (!this.hasEntries(g)) continue;
        if (checkCondition(this.cond, this.measure(g))) out.push(this.fire(g, s.keys[g]!));
      }
    }
    this.s = new Slots(this.s.withValues, this.s.withNums);
    this.stats.groups = 0;
    return out;
  }

  get groupCount(): number {
    return this.s.table.size;
  }
}
