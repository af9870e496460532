import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

// Processing pipelines (YAML) translate Sigma taxonomy to our ECS events, kept apart from rules and engine
// like pySigma: logsource → extra event conditions, field name → ECS field(s), keyword search fields.

export interface Logsource {
  product?: string;
  category?: string;
  service?: string;
}

export interface LogsourceMapping {
  match: Logsource;
  /** Field → value(s) ANDed to every rule with this logsource (values OR-ed, case-insensitive). */
  conditions: Record<string, string[]>;
}

export interface FieldMapping {
  logsource: Logsource | null;
  fields: Record<string, string[]>;
  prefix: string | null;
}

export interface Pipeline {
  name: string;
  priority: number;
  keywordFields: string[] | null;
  logsources: LogsourceMapping[];
  mappings: FieldMapping[];
  /** The pipeline refuses rules whose logsource it cannot map (instead of matching every event). */
  strictLogsource: boolean;
}

const LS_KEYS = ['product', 'category', 'service'] as const;

function asLogsource(v: unknown, where: string): Logsource {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where}: logsource must be a map`);
  const out: Logsource = {};
  for (const [k, x] of Object.entries(v)) {
    if (!(LS_KEYS as readonly string[]).includes(k)) throw new Error(`${where}: unknown logsource key '${k}'`);
    if (typeof x !== 'string') throw new Error(`${where}: logsource '${k}' must be a string`);
    out[k as keyof Logsource] = x.toLowerCase();
  }
  return out;
}

function strList(v: unknown, where: string): string[] {
  const a = Array.isArray(v) ? v : [v];
  return a.map((x) => {
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw new Error(`${where}: expected string values`);
    return String(x);
  });
}

export function parsePipeline(doc: unknown, source = 'pipeline'): Pipeline {
  if (!doc || typeof doc !== 'object') throw new Error(`${source}: pipeline must be a map`);
  const d = doc as Record<string, unknown>;
  if (typeof d.name !== 'string') throw new Error(`${source}: pipeline needs a name`);
  const logsources = ((d.logsources as unknown[]) ?? []).map((e, i) => {
    const entry = e as Record<string, unknown>;
    const where = `${source}: logsources[${i}]`;
    const conditions: Record<string, string[]> = {};
    for (const [f, v] of Object.entries((entry.conditions as Record<string, unknown>) ?? {})) conditions[f] = strList(v, where);
    return { match: asLogsource(entry.match, where), conditions };
  });
  const mappings = ((d.mappings as unknown[]) ?? []).map((e, i) => {
    const entry = e as Record<string, unknown>;
    const where = `${source}: mappings[${i}]`;
    const fields: Record<string, string[]> = {};
    for (const [f, v] of Object.entries((entry.fields as Record<string, unknown>) ?? {})) fields[f] = strList(v, where);
    if (entry.prefix !== undefined && typeof entry.prefix !== 'string') throw new Error(`${where}: prefix must be a string`);
    return { logsource: entry.logsource ? asLogsource(entry.logsource, where) : null, fields, prefix: (entry.prefix as string) ?? null };
  });
  return {
    name: d.name,
    priority: typeof d.priority === 'number' ? d.priority : 0,
    keywordFields: d.keyword_fields ? strList(d.keyword_fields, `${source}: keyword_fields`) : null,
    logsources,
    mappings,
    strictLogsource: d.strict_logsource === true,
  };
}

export function loadPipelines(dirOrFile: string): Pipeline[] {
  const files = statSync(dirOrFile).isDirectory()
    ? readdirSync(dirOrFile).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dirOrFile, f))
    : [dirOrFile];
  const out: Pipeline[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) {
      if (doc.errors.length) throw new Error(`${f}: ${doc.errors[0]!.message}`);
      out.push(parsePipeline(doc.toJS(), f));
    }
  }
  return out.sort((a, b) => a.priority - b.priority);
}

function lsMatches(want: Logsource, rule: Logsource): number {
  let n = 0;
  for (const k of LS_KEYS) {
    if (want[k] === undefined) continue;
    if (rule[k]?.toLowerCase() !== want[k]) return -1;
    n++;
  }
  return n;
}

/** The pipeline view for one rule: resolved once per rule at compile time. */
export interface RuleView {
  mapField(field: string): string[];
  conditions: Record<string, string[]>;
  keywordFields: string[] | null;
  mapped: boolean;
  strict: boolean;
}

export function viewFor(pipelines: Pipeline[], ls: Logsource): RuleView {
  let conditions: Record<string, string[]> = {};
  let mapped = false;
  let keywordFields: string[] | null = null;
  let strict = false;
  const maps: FieldMapping[] = [];
  for (const p of pipelines) {
    strict ||= p.strictLogsource;
    keywordFields ??= p.keywordFields;
    // The most specific matching logsource entry of each pipeline wins.
    let best = 0;
    let chosen: LogsourceMapping | null = null;
    for (const m of p.logsources) {
      const score = lsMatches(m.match, ls);
      if (score > best) {
        best = score;
        chosen = m;
      }
    }
    if (chosen) {
      conditions = { ...conditions, ...chosen.conditions };
      mapped = true;
    }
    for (const m of p.mappings) if (!m.logsource || lsMatches(m.logsource, ls) > 0 || Object.keys(m.logsource).length === 0) maps.push(m);
  }
  const mapField = (field: string): string[] => {
    for (const m of maps) {
      const t = m.fields[field];
      if (t) return t;
    }
    for (const m of maps) if (m.prefix) return [m.prefix + field];
    return [field];
  };
  return { mapField, conditions, keywordFields, mapped, strict };
}

export function pipelineFingerprint(pipelines: Pipeline[]): string {
  return JSON.stringify(pipelines);
}
