import { createHash } from 'node:crypto';
import { fail } from './errors.js';
import type { Logsource } from './pipeline.js';

// Turns one YAML document into a typed rule, refusing anything we cannot evaluate faithfully.

export type Level = 'informational' | 'low' | 'medium' | 'high' | 'critical';
const LEVELS = new Set(['informational', 'low', 'medium', 'high', 'critical']);

/** Custom (non-Sigma) rule fields, documented in detection/README.md. */
export interface RuleExtensions {
  /** Alerts with the same rule and entity key within the window are suppressed (counted). */
  suppression: { windowMs: number; by: string[] } | null;
  /** Alerts for the same rule and same event id(s) within the window are dropped as duplicates. */
  dedupWindowMs: number | null;
  /** IANA zone for time modifiers. */
  timezone: string | null;
}

interface RuleBase {
  id: string;
  name: string | null;
  title: string;
  level: Level;
  tags: string[];
  status: string | null;
  description: string | null;
  /** sha256 of the canonical rule content; the rule version. */
  hash: string;
  source: string;
  doc: Record<string, unknown>;
  ext: RuleExtensions;
}

export interface DetectionRule extends RuleBase {
  kind: 'detection';
  logsource: Logsource;
  detection: Record<string, unknown>;
  condition: string[];
}

export type CorrelationType = 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered' | 'value_sum' | 'value_avg';
export const CORRELATION_TYPES = new Set(['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg']);

export interface CorrelationCondition {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
  neq?: number;
}

export interface CorrelationRule extends RuleBase {
  kind: 'correlation';
  type: CorrelationType;
  rules: string[];
  groupBy: string[];
  timespanMs: number;
  condition: CorrelationCondition | null;
  field: string | null;
  aliases: Record<string, Record<string, string>>;
  generate: boolean;
}

export type Rule = DetectionRule | CorrelationRule;

function canonical(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonical((v as Record<string, unknown>)[k])).join(',') + '}';
  }
  return JSON.stringify(v instanceof Date ? v.toISOString() : v) ?? 'null';
}

export function contentHash(doc: unknown): string {
  return createHash('sha256').update(canonical(doc)).digest('hex');
}

export function parseDuration(v: unknown, what: string): number {
  const m = typeof v === 'string' ? /^(\d+)([smhd])$/.exec(v.trim()) : null;
  if (!m) fail(`${what} must be a number followed by s, m, h or d (got ${JSON.stringify(v)})`);
  const n = Number(m[1]);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  if (n <= 0) fail(`${what} must be positive`);
  return n * unit;
}

function strings(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  const a = Array.isArray(v) ? v : [v];
  return a.map((x) => {
    if (typeof x !== 'string') fail(`${what} must be a list of strings`);
    return x;
  });
}

function parseExtensions(d: Record<string, unknown>): RuleExtensions {
  let suppression: RuleExtensions['suppression'] = null;
  if (d.suppression !== undefined) {
    const s = d.suppression as Record<string, unknown>;
    if (!s || typeof s !== 'object') fail(`'suppression' must be a map with timespan and group-by`);
    suppression = { windowMs: parseDuration(s.timespan, 'suppression.timespan'), by: strings(s['group-by'], 'suppression.group-by') };
  }
  let dedupWindowMs: number | null = null;
  if (d.deduplication !== undefined) {
    const s = d.deduplication as Record<string, unknown>;
    if (!s || typeof s !== 'object') fail(`'deduplication' must be a map with timespan`);
    dedupWindowMs = parseDuration(s.timespan, 'deduplication.timespan');
  }
  let timezone: string | null = null;
  if (d.timezone !== undefined) {
    if (typeof d.timezone !== 'string') fail(`'timezone' must be an IANA zone name`);
    timezone = d.timezone;
  }
  return { suppression, dedupWindowMs, timezone };
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${what} must be a number (got ${JSON.stringify(v)})`);
  return v;
}

/** Parse one YAML document. `index` distinguishes documents of a multi-document file without an id. */
export function parseRuleDoc(raw: unknown, source: string, index = 0): Rule {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('rule document must be a YAML map');
  const d = raw as Record<string, unknown>;
  if (d.action !== undefined) fail(`legacy multi-document 'action: ${String(d.action)}' rules are not supported`);
  if (d.filter !== undefined) fail('Sigma filter documents (meta filters) are not supported');
  if (typeof d.title !== 'string' || d.title.trim() === '') fail(`missing 'title'`);
  if (d.title.length > 256) fail(`'title' is longer than 256 characters`);
  if (d.id !== undefined && typeof d.id !== 'string') fail(`'id' must be a string`);
  if (d.name !== undefined && typeof d.name !== 'string') fail(`'name' must be a string`);
  const level = (d.level ?? 'medium') as string;
  if (typeof level !== 'string' || !LEVELS.has(level)) fail(`unknown level '${String(d.level)}'`);
  const tags = strings(d.tags, `'tags'`);
  const hash = contentHash(d);
  const base = {
    id: (d.id as string) ?? `${source}#${index}`,
    name: (d.name as string) ?? null,
    title: d.title,
    level: level as Level,
    tags,
    status: typeof d.status === 'string' ? d.status : null,
    description: typeof d.description === 'string' ? d.description : null,
    hash,
    source,
    doc: d,
    ext: parseExtensions(d),
  };
  if (d.correlation !== undefined) return parseCorrelation(base, d.correlation);
  if (!d.logsource || typeof d.logsource !== 'object' || Array.isArray(d.logsource)) fail(`missing or invalid 'logsource'`);
  const ls: Logsource = {};
  for (const k of ['product', 'category', 'service'] as const) {
    const v = (d.logsource as Record<string, unknown>)[k];
    if (v !== undefined && v !== null) {
      if (typeof v !== 'string') fail(`logsource '${k}' must be a string`);
      ls[k] = v.toLowerCase();
    }
  }
  const det = d.detection as Record<string, unknown>;
  if (!det || typeof det !== 'object' || Array.isArray(det)) fail(`missing or invalid 'detection'`);
  const cond = det.condition;
  if (cond === undefined) fail(`detection has no 'condition'`);
  const condition = Array.isArray(cond) ? cond : [cond];
  for (const c of condition) if (typeof c !== 'string') fail(`'condition' must be a string or list of strings`);
  if (det.timeframe !== undefined) fail(`'timeframe' in detection belongs to the deprecated aggregation syntax (use a correlation rule)`);
  const detection = { ...det };
  delete detection.condition;
  if (Object.keys(detection).length === 0) fail('detection defines no search identifiers');
  return { ...base, kind: 'detection', logsource: ls, detection, condition: condition as string[] };
}

function parseCorrelation(base: Omit<RuleBase, never>, c: unknown): CorrelationRule {
  if (!c || typeof c !== 'object' || Array.isArray(c)) fail(`'correlation' must be a map`);
  const cr = c as Record<string, unknown>;
  const type = cr.type as string;
  if (type === 'value_percentile') fail(`correlation type 'value_percentile' is not supported`);
  if (!CORRELATION_TYPES.has(type)) fail(`unknown correlation type '${String(cr.type)}'`);
  const rules = strings(cr.rules, `'correlation.rules'`);
  if (rules.length === 0) fail(`correlation needs at least one rule in 'rules'`);
  const groupBy = strings(cr['group-by'], `'correlation.group-by'`);
  const timespanMs = parseDuration(cr.timespan, `'correlation.timespan'`);
  const aliases: Record<string, Record<string, string>> = {};
  if (cr.aliases !== undefined) {
    if (!cr.aliases || typeof cr.aliases !== 'object') fail(`'aliases' must be a map`);
    for (const [alias, m] of Object.entries(cr.aliases as Record<string, unknown>)) {
      if (!m || typeof m !== 'object') fail(`alias '${alias}' must map rule names to field names`);
      aliases[alias] = {};
      for (const [r, f] of Object.entries(m as Record<string, unknown>)) {
        if (typeof f !== 'string') fail(`alias '${alias}' for rule '${r}' must be a field name`);
        aliases[alias]![r] = f;
      }
    }
  }
  let condition: CorrelationCondition | null = null;
  let field: string | null = null;
  if (cr.condition !== undefined) {
    if (!cr.condition || typeof cr.condition !== 'object' || Array.isArray(cr.condition)) fail(`correlation 'condition' must be a map`);
    condition = {};
    for (const [k, v] of Object.entries(cr.condition as Record<string, unknown>)) {
      if (k === 'field') {
        if (typeof v === 'string') field = v;
        else if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') field = v[0];
        else fail(`correlation condition 'field' must be one field name`);
      } else if (['gt', 'gte', 'lt', 'lte', 'eq', 'neq'].includes(k)) condition[k as keyof CorrelationCondition] = num(v, `condition '${k}'`);
      else fail(`unknown correlation condition operator '${k}'`);
    }
    if (Object.keys(condition).length === 0) fail(`correlation condition has no comparison`);
  }
  const needsCond = !(type === 'temporal' || type === 'temporal_ordered');
  if (needsCond && !condition) fail(`correlation type '${type}' requires a 'condition'`);
  const needsField = ['value_count', 'value_sum', 'value_avg'].includes(type);
  if (needsField && !field) fail(`correlation type '${type}' requires 'field' in its condition`);
  if (!needsField && field) fail(`correlation type '${type}' does not take a 'field'`);
  if ((type === 'temporal' || type === 'temporal_ordered') && rules.length < 2) fail(`correlation type '${type}' needs at least two rules`);
  if (cr.generate !== undefined && typeof cr.generate !== 'boolean') fail(`'generate' must be true or false`);
  return {
    ...base,
    kind: 'correlation',
    type: type as CorrelationType,
    rules,
    groupBy,
    timespanMs,
    condition,
    field,
    aliases,
    generate: cr.generate === true || (base.doc.generate === true),
  };
}
