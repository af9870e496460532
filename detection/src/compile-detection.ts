import { parseCondition, type Cond } from './condition.js';
import { fail, RuleError } from './errors.js';
import { KEYWORDS_FIELD, type EvalContext } from './eval-context.js';
import { compileFieldTest, type CompileOptions, type FieldTest } from './modifiers.js';
import type { RuleView } from './pipeline.js';
import type { DetectionRule } from './rule-parser.js';

/**
 * A necessary condition of a rule, used by the rule index: at least one alternative must hold.
 * eq = the field equals one of the lower-cased values; sub = one of the lower-cased literals occurs in the
 * field; present = the field has a value. `weak` marks broad logsource conditions (e.g. event.category).
 */
export interface Alt {
  field: string;
  kind: 'eq' | 'sub' | 'present';
  values: string[];
  weak?: boolean;
}
export interface Need {
  alts: Alt[];
}

const MAX_ALTS = 64;

/**
 * Fields with a handful of distinct values across all events (methods, transports, outcomes, categories):
 * an equality on them says little about which events match, so any other necessary condition of the
 * rule makes a better index key.
 */
const LOW_CARDINALITY = new Set([
  'http.request.method', 'network.transport', 'network.direction', 'network.protocol', 'network.type',
  'http.response.status_code', 'event.outcome', 'event.category', 'event.type', 'event.kind', 'host.os.type', 'host.os.family',
]);

function altScore(a: Alt): number {
  if (a.kind === 'eq') return a.weak ? 3 : 0;
  if (a.kind === 'sub') return Math.min(...a.values.map((v) => v.length)) >= 4 ? 1 : 2;
  return 4;
}

/** Lower is more selective: a disjunction is as weak as its weakest alternative. */
function score(n: Need): number {
  let s = 0;
  for (const a of n.alts) s = Math.max(s, altScore(a));
  return s * 1000 + Math.min(999, n.alts.reduce((k, a) => k + a.values.length, 0));
}

export interface Node {
  match: (ctx: EvalContext) => boolean;
  need: Need | null;
  fields: string[];
}

/** A logsource condition from the pipeline: the field equals one of the lower-cased values. */
export interface LsCond {
  field: string;
  values: string[];
}

export interface CompiledDetection {
  /** The whole rule: logsource conditions and detection. */
  match: (ctx: EvalContext) => boolean;
  /** The rule without the `ls` conditions, for callers (the rule index) that already checked them. */
  matchBody: (ctx: EvalContext) => boolean;
  /** Logsource conditions that are plain equalities (indexable); others are part of matchBody. */
  ls: LsCond[];
  /** Names of the search identifiers that are true for the event (the alert's "why"). */
  explain: (ctx: EvalContext) => string[];
  need: Need | null;
  fields: string[];
}

function better(a: Need | null, b: Need | null): Need | null {
  if (!a) return b;
  if (!b) return a;
  // Ties go to the later test: the rule's own field beats the broad logsource condition placed first.
  return score(a) < score(b) ? a : b;
}

function andNode(parts: Node[]): Node {
  if (parts.length === 1) return parts[0]!;
  let need: Need | null = null;
  for (const p of parts) need = better(need, p.need);
  const fns = parts.map((p) => p.match);
  const match =
    fns.length === 2
      ? ((a, b) => (ctx: EvalContext) => a(ctx) && b(ctx))(fns[0]!, fns[1]!)
      : (ctx: EvalContext) => {
          for (const f of fns) if (!f(ctx)) return false;
          return true;
        };
  return { match, need, fields: parts.flatMap((p) => p.fields) };
}

function orNode(parts: Node[]): Node {
  if (parts.length === 1) return parts[0]!;
  let need: Need | null = null;
  if (parts.every((p) => p.need)) {
    const alts = parts.flatMap((p) => p.need!.alts);
    if (alts.length <= MAX_ALTS) need = { alts };
  }
  const fns = parts.map((p) => p.match);
  return {
    match: (ctx) => {
      for (const f of fns) if (f(ctx)) return true;
      return false;
    },
    need,
    fields: parts.flatMap((p) => p.fields),
  };
}

function testNode(t: FieldTest, weak = false): Node {
  let alts: Alt[] | null = null;
  if (t.equals && t.fields.length === 1) alts = [{ field: t.fields[0]!, kind: 'eq', values: t.equals, weak: weak || LOW_CARDINALITY.has(t.fields[0]!) }];
  else if (t.literals && t.literals.every((l) => l.length >= 3)) {
    // No fields: a keyword search over every string of the event (no keyword fields configured).
    alts = (t.fields.length ? t.fields : [KEYWORDS_FIELD]).map((f) => ({ field: f, kind: 'sub' as const, values: t.literals! }));
  } else if (t.requires) alts = [{ field: t.requires, kind: 'present', values: [] }];
  else if (t.literals && t.fields.length >= 1) alts = t.fields.map((f) => ({ field: f, kind: 'present' as const, values: [] }));
  return { match: t.match, need: alts ? { alts } : null, fields: t.fields };
}

function splitKey(key: string): { field: string | null; mods: string[] } {
  const parts = key.split('|');
  const field = parts[0]!;
  return { field: field === '' ? null : field, mods: parts.slice(1).map((m) => m.trim()) };
}

function compileMap(map: Record<string, unknown>, view: RuleView, opts: CompileOptions): Node {
  const entries = Object.entries(map);
  if (entries.length === 0) fail('empty map in detection');
  const parts: Node[] = [];
  for (const [key, value] of entries) {
    const { field, mods } = splitKey(key);
    if (field === null) {
      parts.push(testNode(withKeywordFields(compileFieldTest(null, mods, value, opts), view)));
      continue;
    }
    const targets = view.mapField(field);
    // A field mapped to several ECS fields matches when any of them does.
    const alts = targets.map((t) => {
      const test = compileFieldTest(t, mods, value, opts);
      return testNode(test);
    });
    parts.push(orNode(alts));
  }
  return andNode(parts);
}

function withKeywordFields(t: FieldTest, view: RuleView): FieldTest {
  return view.keywordFields ? { ...t, requires: null, fields: view.keywordFields } : t;
}

function compileSelection(name: string, v: unknown, view: RuleView, opts: CompileOptions): Node {
  if (v === null || v === undefined) fail(`search identifier '${name}' is empty`);
  if (Array.isArray(v)) {
    if (v.length === 0) fail(`search identifier '${name}' is an empty list`);
    const maps = v.filter((x) => x && typeof x === 'object' && !Array.isArray(x));
    const scalars = v.filter((x) => x === null || typeof x !== 'object');
    if (v.some((x) => Array.isArray(x))) fail(`search identifier '${name}' contains a nested list`);
    const parts = maps.map((m) => compileMap(m as Record<string, unknown>, view, opts));
    if (scalars.length) {
      if (scalars.some((s) => s === null)) fail(`search identifier '${name}' has a null keyword`);
      parts.push(testNode(withKeywordFields(compileFieldTest(null, [], scalars, opts), view)));
    }
    return orNode(parts);
  }
  if (typeof v === 'object') return compileMap(v as Record<string, unknown>, view, opts);
  // A single keyword string.
  return testNode(withKeywordFields(compileFieldTest(null, [], v, opts), view));
}

function compileCond(c: Cond, sel: Map<string, Node>): Node {
  switch (c.k) {
    case 'id':
      return sel.get(c.name)!;
    case 'and':
      return andNode(c.a.map((x) => compileCond(x, sel)));
    case 'or':
      return orNode(c.a.map((x) => compileCond(x, sel)));
    case 'not': {
      const inner = compileCond(c.a, sel);
      return { match: (ctx) => !inner.match(ctx), need: null, fields: inner.fields };
    }
    case 'of': {
      const nodes = c.names.map((n) => sel.get(n)!);
      return c.all ? andNode(nodes) : orNode(nodes);
    }
  }
}

export function compileDetection(rule: DetectionRule, view: RuleView, opts: CompileOptions): CompiledDetection {
  if (view.strict && !view.mapped) {
    fail(`logsource ${JSON.stringify(rule.logsource)} is not mapped by any processing pipeline`);
  }
  const sel = new Map<string, Node>();
  for (const [name, v] of Object.entries(rule.detection)) {
    try {
      sel.set(name, compileSelection(name, v, view, opts));
    } catch (e) {
      if (e instanceof RuleError) fail(`${name}: ${e.reason}`);
      throw e;
    }
  }
  const ids = [...sel.keys()];
  const conds = rule.condition.map((c) => compileCond(parseCondition(c, ids), sel));
  let body = orNode(conds);
  // Logsource conditions from the pipeline are ANDed in front (cheapest). Plain equalities are handed to
  // the rule index, which groups rules by them; anything else stays in the body.
  const ls: LsCond[] = [];
  const lsParts: Node[] = [];
  const otherLs: Node[] = [];
  for (const [f, vals] of Object.entries(view.conditions)) {
    const t = compileFieldTest(f, [], vals.length === 1 ? vals[0] : vals, opts);
    if (t.equals && t.fields.length === 1) {
      ls.push({ field: f, values: t.equals });
      lsParts.push(testNode(t, true));
    } else otherLs.push(testNode(t, true));
  }
  if (otherLs.length) body = andNode([...otherLs, body]);
  const root = lsParts.length ? andNode([...lsParts, body]) : body;
  const selNames = [...sel.keys()];
  const selMatch = [...sel.values()].map((n) => n.match);
  return {
    match: root.match,
    matchBody: body.match,
    ls,
    explain: (ctx) => {
      const why: string[] = [];
      for (let i = 0; i < selMatch.length; i++) if (selMatch[i]!(ctx)) why.push(selNames[i]!);
      return why;
    },
    need: body.need,
    fields: [...new Set(root.fields)],
  };
}
