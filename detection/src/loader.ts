import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { RuleError } from './errors.js';
import type { Placeholders } from './modifiers.js';
import { parseRuleDoc, type Rule } from './rule-parser.js';

export interface RuleLoadError {
  source: string;
  ruleId: string | null;
  title: string | null;
  reason: string;
}

export interface LoadResult {
  rules: Rule[];
  errors: RuleLoadError[];
  files: number;
}

/** Fixture files live next to rules and are not rules themselves. */
export const isFixtureFile = (f: string): boolean => /\.fixtures\.ya?ml$/.test(f);

export function parseRuleText(text: string, source: string): LoadResult {
  const rules: Rule[] = [];
  const errors: RuleLoadError[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: true });
  } catch (e) {
    return { rules, errors: [{ source, ruleId: null, title: null, reason: `YAML: ${(e as Error).message}` }], files: 1 };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    if (doc.errors.length) {
      errors.push({ source, ruleId: null, title: null, reason: `YAML: ${doc.errors[0]!.message.split('\n')[0]}` });
      return;
    }
    let js: unknown;
    try {
      js = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push({ source, ruleId: null, title: null, reason: `YAML: ${(e as Error).message}` });
      return;
    }
    if (js === null || js === undefined) return; // empty document (trailing ---)
    try {
      rules.push(parseRuleDoc(js, source, i));
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      const d = js as Record<string, unknown>;
      errors.push({ source, ruleId: typeof d?.id === 'string' ? d.id : null, title: typeof d?.title === 'string' ? d.title : null, reason: e.reason });
    }
  });
  return { rules, errors, files: 1 };
}

export function listRuleFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name) && !isFixtureFile(e.name)) out.push(p);
    }
  };
  if (statSync(dir).isDirectory()) walk(dir);
  else out.push(dir);
  return out;
}

/** Load every rule under `dir` (recursively); every error is collected, none stops the load. */
export function loadRuleDir(...dirs: string[]): LoadResult {
  const res: LoadResult = { rules: [], errors: [], files: 0 };
  for (const dir of dirs) {
    for (const f of listRuleFiles(dir)) {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch (e) {
        res.errors.push({ source: f, ruleId: null, title: null, reason: `cannot read: ${(e as Error).message}` });
        continue;
      }
      const r = parseRuleText(text, f);
      res.rules.push(...r.rules);
      res.errors.push(...r.errors);
      res.files++;
    }
  }
  return res;
}

/** policies/detection-placeholders.yaml: `placeholders: { Name: [values...] }`. */
export function loadPlaceholders(file: string): Placeholders {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { placeholders?: Record<string, unknown> } | null;
  const out: Placeholders = {};
  for (const [k, v] of Object.entries(doc?.placeholders ?? {})) {
    const a = Array.isArray(v) ? v : [v];
    out[k] = a.map((x) => String(x));
  }
  return out;
}

/**
 * A change stamp for a rules folder: every file with its modification time, so an added, edited or
 * deleted rule changes it. Callers compare stamps to decide when to reload.
 */
export function ruleDirStamp(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else parts.push(`${p}:${statSync(p).mtimeMs}`);
    }
  };
  if (existsSync(dir)) walk(dir);
  return parts.sort().join('|');
}
