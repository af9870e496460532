import { AhoCorasick } from './aho-corasick.js';
import type { LsCond, Need } from './compile-detection.js';
import { fieldId, KEYWORDS_ID, type EvalContext } from './eval-context.js';

// Routes an event to the rules that can possibly match it, in two steps:
//  1. logsource group: rules are grouped by the plain logsource conditions their pipeline adds (e.g.
//     event.category=process AND host.os.type=linux); a group is entered only when the event satisfies
//     all of them (one hash lookup on the first condition, then a check of the rest);
//  2. inside a group, one necessary condition of the rule's own detection (see Need): exact values of a
//     field (hash lookup), literals that must occur in a field (one Aho-Corasick pass per field value), or
//     mere presence of a field. Rules without such a condition run for every event of their group.
// The result array is reused between calls and never shortened (`length = 0` would drop its storage and
// every event would allocate it again): candidates() returns how many of its first entries are this
// event's, and callers consume them before the next event.

export interface Indexed {
  need: Need | null;
  ls: LsCond[];
  mark: number;
}

interface Bucket<R> {
  always: R[];
  eq: { fid: number; map: Map<string, R[]> }[];
  sub: { fid: number; ac: AhoCorasick<R[]> }[];
  any: { fid: number; rules: R[] }[];
  /** Tests so many fields that one presence walk of the event (EvalContext.mayHave) is cheaper than
   * running the getter of each field it lacks. */
  wide: boolean;
}

/** Field entries in a bucket from which the presence pre-check pays (measured on upstream rules without a
 * pipeline: ~85 fields in one bucket, nearly all absent from any one event). */
const WIDE_BUCKET = 32;

interface Group<R> {
  /** Conditions after the first (the first one is the lookup key). */
  rest: { fid: number; values: Set<string> }[];
  bucket: Bucket<R>;
  rules: R[];
  /** Number of the group (the edge label in the combination trie). */
  idx: number;
  stamp: number;
}

/**
 * A sequence of entered logsource groups, as met by events. Its bucket merges the rules of the root and of
 * those groups, so an event scans each field once (one hash lookup, one Aho-Corasick pass) instead of once
 * per group that tests it; built on first use. Same candidates as scanning the buckets one by one.
 */
interface Combo<R> {
  next: (Combo<R> | undefined)[];
  rules: R[];
  bucket: Bucket<R> | null;
}

/**
 * Combinations kept per index; beyond it groups are scanned one by one. Events enter a few groups in a
 * fixed order, so a handful are met; the cap bounds the merged automata (each a copy of its groups').
 */
const MAX_COMBOS = 64;

function push<K, R>(m: Map<K, R[]>, k: K, r: R): void {
  const l = m.get(k);
  if (!l) m.set(k, [r]);
  else if (l[l.length - 1] !== r) l.push(r);
}

function buildBucket<R extends Indexed>(rules: R[]): Bucket<R> {
  const always: R[] = [];
  const eq = new Map<string, Map<string, R[]>>();
  const sub = new Map<string, Map<string, R[]>>();
  const any = new Map<string, R[]>();
  for (const r of rules) {
    const n = r.need;
    if (!n) {
      always.push(r);
      continue;
    }
    for (const a of n.alts) {
      if (a.kind === 'present') {
        push(any, a.field, r);
        continue;
      }
      const target = a.kind === 'eq' ? eq : sub;
      let m = target.get(a.field);
      if (!m) target.set(a.field, (m = new Map()));
      for (const v of a.values) push(m, v, r);
    }
  }
  return {
    always,
    wide: eq.size + sub.size + any.size >= WIDE_BUCKET,
    eq: [...eq].map(([f, map]) => ({ fid: fieldId(f), map })),
    sub: [...sub].map(([f, m]) => {
      const ac = new AhoCorasick<R[]>();
      for (const [lit, rs] of m) ac.add(lit, rs);
      ac.build();
      return { fid: fieldId(f), ac };
    }),
    any: [...any].map(([f, rules]) => ({ fid: fieldId(f), rules })),
  };
}

export class RuleIndex<R extends Indexed> {
  private root: Bucket<R>;
  private combos: Combo<R>;
  private comboCount = 1;
  /** Groups entered by the current event, in order (reused, never shortened; the count is local). */
  private entered: Group<R>[] = [];
  /** Groups keyed by their first logsource condition: field -> value -> groups. */
  private byLs: { fid: number; map: Map<string, Group<R>[]> }[] = [];
  private gen = 0;
  /** The candidates of the last event are found[0 .. candidates()). */
  readonly found: R[] = [];
  private count = 0;
  readonly size = { byValue: 0, byLiteral: 0, byField: 0, always: 0, byLogsource: 0, groups: 0 };

  constructor(rules: R[]) {
    const groups = new Map<string, { conds: LsCond[]; rules: R[] }>();
    const plain: R[] = [];
    for (const r of rules) {
      const n = r.need;
      if (!n) {
        if (r.ls.length) this.size.byLogsource++;
        else this.size.always++;
      } else {
        const kinds = new Set(n.alts.map((a) => a.kind));
        if (kinds.has('present')) this.size.byField++;
        else if (kinds.has('sub')) this.size.byLiteral++;
        else this.size.byValue++;
      }
      if (!r.ls.length) {
        plain.push(r);
        continue;
      }
      const conds = [...r.ls].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
      const key = JSON.stringify(conds.map((c) => [c.field, [...c.values].sort()]));
      const g = groups.get(key);
      if (g) g.rules.push(r);
      else groups.set(key, { conds, rules: [r] });
    }
    this.root = buildBucket(plain);
    this.combos = { next: [], rules: plain, bucket: this.root };
    const byField = new Map<string, Map<string, Group<R>[]>>();
    for (const { conds, rules: rs } of groups.values()) {
      this.size.groups++;
      // The first condition is the lookup key; prefer the most specific field (fewest values).
      const ordered = [...conds].sort((a, b) => a.values.length - b.values.length);
      const [first, ...rest] = ordered;
      const g: Group<R> = {
        rest: rest.map((c) => ({ fid: fieldId(c.field), values: new Set(c.values) })),
        bucket: buildBucket(rs),
        rules: rs,
        idx: this.size.groups - 1,
        stamp: 0,
      };
      let m = byField.get(first!.field);
      if (!m) byField.set(first!.field, (m = new Map()));
      for (const v of first!.values) push(m, v, g);
    }
    this.byLs = [...byField].map(([f, map]) => ({ fid: fieldId(f), map }));
  }

  // Created once: the Aho-Corasick scan reports rule lists through it without a per-event closure.
  private readonly take = (l: R[]): void => {
    const gen = this.gen;
    for (let i = 0; i < l.length; i++) {
      const r = l[i]!;
      if (r.mark !== gen) {
        r.mark = gen;
        this.found[this.count++] = r;
      }
    }
  };

  private scan(b: Bucket<R>, ctx: EvalContext): void {
    if (b.always.length) this.take(b.always);
    const wide = b.wide;
    for (let j = 0; j < b.eq.length; j++) {
      const e = b.eq[j]!;
      if (wide && !ctx.mayHave(e.fid)) continue;
      const vals = ctx.lowerOf(e.fid);
      for (let i = 0; i < vals.length; i++) {
        const l = e.map.get(vals[i]!);
        if (l) this.take(l);
      }
    }
    for (let j = 0; j < b.sub.length; j++) {
      const e = b.sub[j]!;
      if (wide && e.fid !== KEYWORDS_ID && !ctx.mayHave(e.fid)) continue;
      const vals = e.fid === KEYWORDS_ID ? ctx.keywords(true) : ctx.lowerOf(e.fid);
      for (let i = 0; i < vals.length; i++) e.ac.scan(vals[i]!, this.take);
    }
    for (let j = 0; j < b.any.length; j++) {
      const e = b.any[j]!;
      if (wide && !ctx.mayHave(e.fid)) continue;
      if (ctx.valuesOf(e.fid).length) this.take(e.rules);
    }
  }

  /** Number of candidate rules for the event, in `found`; every candidate's logsource conditions hold. */
  candidates(ctx: EvalContext): number {
    const gen = ++this.gen;
    this.count = 0;
    const entered = this.entered;
    let nEntered = 0;
    for (let k = 0; k < this.byLs.length; k++) {
      const e = this.byLs[k]!;
      const vals = ctx.lowerOf(e.fid);
      for (let i = 0; i < vals.length; i++) {
        const gs = e.map.get(vals[i]!);
        if (!gs) continue;
        for (let j = 0; j < gs.length; j++) {
          const g = gs[j]!;
          if (g.stamp === gen || !restHolds(g, ctx)) continue;
          g.stamp = gen;
          entered[nEntered++] = g;
        }
      }
    }
    const merged = this.combo(entered, nEntered);
    if (merged) this.scan(merged, ctx);
    else {
      this.scan(this.root, ctx);
      for (let i = 0; i < nEntered; i++) this.scan(entered[i]!.bucket, ctx);
    }
    return this.count;
  }

  /** The merged bucket of root + entered[0 .. n) (in this order), or null past MAX_COMBOS. */
  private combo(entered: Group<R>[], n: number): Bucket<R> | null {
    let node = this.combos;
    for (let i = 0; i < n; i++) {
      const g = entered[i]!;
      let child = node.next[g.idx];
      if (child === undefined) {
        if (this.comboCount >= MAX_COMBOS) return null;
        this.comboCount++;
        child = { next: [], rules: [...node.rules, ...g.rules], bucket: null };
        node.next[g.idx] = child;
      }
      node = child;
    }
    return (node.bucket ??= buildBucket(node.rules));
  }
}

function restHolds<R>(g: Group<R>, ctx: EvalContext): boolean {
  for (let c = 0; c < g.rest.length; c++) {
    const cond = g.rest[c]!;
    const vals = ctx.lowerOf(cond.fid);
    let ok = false;
    for (let i = 0; i < vals.length && !ok; i++) ok = cond.values.has(vals[i]!);
    if (!ok) return false;
  }
  return true;
}
