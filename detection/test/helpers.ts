import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, loadPipelines, parseRuleText, type EngineOptions } from '../src/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedData = process.env.SOC_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
export const ecsPipelines = loadPipelines(path.join(repoRoot, 'policies', 'sigma-pipelines', 'ecs.yml'));

/** Engine over rules given as YAML text; throws if any rule is refused so tests see the reason. */
export function engineFor(yaml: string, opts: Partial<EngineOptions> = {}) {
  const r = parseRuleText(yaml, 'inline.yml');
  if (r.errors.length) throw new Error(r.errors.map((e) => e.reason).join('; '));
  const e = createEngine({ rules: r.rules, ...opts });
  if (e.refused.length) throw new Error(e.refused.map((x) => x.reason).join('; '));
  return e;
}

/** Reason a single rule is refused (parse or compile), or null when it loads. */
export function refusalOf(yaml: string, opts: Partial<EngineOptions> = {}): string | null {
  const r = parseRuleText(yaml, 'inline.yml');
  if (r.errors.length) return r.errors[0]!.reason;
  const e = createEngine({ rules: r.rules, ...opts });
  return e.refused[0]?.reason ?? null;
}

export function detection(body: string, extra = ''): string {
  return `title: t\nid: r1\nlogsource: {product: test}\n${extra}detection:\n${body}\n`;
}

export function matches(yaml: string, ev: Record<string, unknown>, opts: Partial<EngineOptions> = {}): boolean {
  return engineFor(yaml, opts).process(ev).length > 0;
}
