import fs from 'node:fs';
import path from 'node:path';
import { policiesDir } from '@emsoc/common/paths';
import { createEngine, loadEngineSupport, loadRuleDir, ruleDirStamp, parseRuleText, type Rule, type RuleLoadError } from '@emsoc/detection';

export interface RuleSummary {
  id: string;
  title: string;
  name: string | null;
  kind: Rule['kind'];
  level: Rule['level'];
  status: string | null;
  enabled: boolean;
  tags: string[];
  description: string | null;
  description_zh: string | null;
  /** Relative to the rules folder. */
  path: string;
}

/** What the engine needs besides rules: the ECS pipeline and placeholder values from policies/. */
export const engineSupport = () => loadEngineSupport(policiesDir);

/** The rules library (rules/ folder) as the detection package loads it, re-read when a file changes. */
export class RuleCatalog {
  private cache: { stamp: string; rules: Rule[]; errors: RuleLoadError[] } | undefined;

  constructor(readonly dir: string) {}

  load(): { rules: Rule[]; errors: RuleLoadError[] } {
    const stamp = ruleDirStamp(this.dir);
    if (this.cache?.stamp !== stamp) {
      const r = fs.existsSync(this.dir) ? loadRuleDir(this.dir) : { rules: [], errors: [] };
      this.cache = { stamp, rules: r.rules, errors: r.errors };
    }
    return this.cache;
  }

  find(id: string): Rule | undefined {
    return this.load().rules.find((r) => r.id === id);
  }

  summary(r: Rule, enabled: boolean): RuleSummary {
    const zh = (r.doc as Record<string, unknown>).description_zh;
    return {
      id: r.id,
      title: r.title,
      name: r.name,
      kind: r.kind,
      level: r.level,
      status: r.status,
      enabled,
      tags: r.tags,
      description: r.description,
      description_zh: typeof zh === 'string' ? zh : null,
      path: path.relative(this.dir, r.source),
    };
  }

  /** A rule and, for correlations, every rule it references (transitively), for a standalone engine. */
  withDependencies(id: string): Rule[] {
    const all = this.load().rules;
    const byKey = new Map<string, Rule>();
    for (const r of all) {
      byKey.set(r.id, r);
      if (r.name) byKey.set(r.name, r);
    }
    const out = new Map<string, Rule>();
    const visit = (key: string) => {
      const r = byKey.get(key);
      if (!r || out.has(r.id)) return;
      out.set(r.id, r);
      if (r.kind === 'correlation') for (const ref of r.rules) visit(ref);
    };
    visit(id);
    return [...out.values()];
  }

  /**
   * Checks a rule text the way the live engine would take it: YAML and Sigma parsing, then compilation
   * next to the library (so correlations may reference library rules). Only the submitted rules' errors count.
   */
  validate(yaml: string): { ok: boolean; errors: string[]; problems: { ruleId: string | null; title: string | null; reason: string }[]; rules: string[] } {
    const parsed = parseRuleText(yaml, 'submitted');
    const errors = parsed.errors.map((e) => ({ ruleId: e.ruleId, title: e.title, reason: e.reason }));
    if (parsed.rules.length === 0 && errors.length === 0) errors.push({ ruleId: null, title: null, reason: 'no rule in the text' });
    if (parsed.rules.length) {
      const ids = new Set(parsed.rules.map((r) => r.id));
      const library = this.load().rules.filter((r) => !ids.has(r.id));
      const engine = createEngine({ rules: [...library, ...parsed.rules], ...engineSupport() });
      for (const e of engine.refused) if (e.ruleId && ids.has(e.ruleId)) errors.push({ ruleId: e.ruleId, title: e.title, reason: e.reason });
    }
    return {
      ok: errors.length === 0,
      errors: errors.map((e) => (e.ruleId ? `${e.ruleId}: ${e.reason}` : e.reason)),
      problems: errors,
      rules: parsed.rules.map((r) => r.id),
    };
  }
}
