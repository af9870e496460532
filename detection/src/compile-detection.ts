import { parseCondition, type Cond } from './condition.js';
import { fail, RuleError } from './errors.js';
import type { EvalContext } from './eval-context.js';
import { compileFieldTest, type CompileOptions, type FieldTest } from './modifiers.js';
import type { RuleView } from './pipeline.js';
import type { DetectionRule } from './rule-parser.js';

/**
 * What the rule index may assume about a matcher: `eq` = a field that must equal one of these lower-cased
 * values; `any` = at least one of these fields must have a value. null = no usable constraint.
 */
export interface Need {
  eq: { field: string; values: Set<string> } | null;
  any: string[] | null;
}

export interface Node {
  match: (ctx: EvalContext) => boolean;
  need: Need | null;
  fields: string[];
}

export interface CompiledDetection {
  match: (ctx: EvalContext) => boolean;
  /** Names of the search identifiers that are true for the event (the alert's "why"). */
  explain: (ctx: EvalContext) => string[];
  need: Need | null;
  fields: string[];
}

function better(a: Need | null, b: Need | null): Need | null {
  if (!a) return b;
  if (!b) return a;
  // Ties go to the later test: the rule's own field beats the broad logsource condition placed first.
  if (a.eq && b.eq) return a.eq.values.size < b.eq.values.size ? a : b;
  if (a.eq) return a;
  if (b.eq) return b;
  if (a.any && b.any) return a.any.length <= b.any.length ? a : b;
  return a.any ? a : b;
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
    const eqs = parts.map((p) => p.need!.eq);
    if (eqs.every((e) => e && e.field === eqs[0]!.field)) {
      need = { eq: { field: eqs[0]!.field, values: new Set(eqs.flatMap((e) => [...e!.values])) }, any: null };
    } else {
      const any = new Set<string>();
      for (const p of parts) {
        const n = p.need!;
        if (n.eq) any.add(n.eq.field);
        else for (const f of n.any!) any.add(f);
      }
      need = { eq: null, any: [...any] };
    }
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

function testNode(t: FieldTest): Node {
  const need: Need | null = t.equals && t.fields.length === 1
    ? { eq: { field: t.fields[0]!, values: new Set(t.equals) }, any: null }
    : t.requires
      ? { eq: null, any: [t.requires] }
      : null;
  return { match: t.match, need, fields: t.fields };
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
  let root = orNode(conds);
  // Logsource conditions from the pipeline are ANDed in front (cheapest, and the best index key).
  const lsParts: Node[] = Object.entries(view.conditions).map(([f, vals]) => testNode(compileFieldTest(f, [], vals.length === 1 ? vals[0] : vals, opts)));
  if (lsParts.length) root = andNode([...lsParts, root]);
  const entries = [...sel.entries()];
  return {
    match: root.match,
    explain: (ctx) => entries.filter(([, n]) => n.match(ctx)).map(([k]) => k),
    need: root.need,
    fields: [...new Set(root.fields)],
  };
}
