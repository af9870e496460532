import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

// Layout of the shared upstream Sigma corpus (see SOURCE.md there): rule folders plus regression_data,
// where each rule folder holds info.yml (rule id, expected match_count) and the event sample
// (.json = Windows event converted from .evtx; .raw = one syslog line per line).

export const SIGMA_RULE_DIRS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting'];

export interface RegressionCase {
  dir: string;
  ruleId: string;
  title: string;
  /** Expected number of matching events; upstream leaves it out for plain positive tests (= 1). */
  matchCount: number;
  events: Record<string, unknown>[];
  kind: 'evtx-json' | 'raw';
}

export function sigmaRuleDirs(sigmaRoot: string): string[] {
  return SIGMA_RULE_DIRS.map((d) => path.join(sigmaRoot, d)).filter((d) => existsSync(d));
}

export function regressionCases(sigmaRoot: string): RegressionCase[] {
  const out: RegressionCase[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'info.yml') {
        const info = parseYaml(readFileSync(p, 'utf8')) as {
          rule_metadata?: { id: string; title: string }[];
          regression_tests_info?: { match_count?: number }[];
        };
        const meta = info.rule_metadata?.[0];
        if (!meta) continue;
        const files = readdirSync(d);
        const json = files.find((f) => f.endsWith('.json'));
        const raw = files.find((f) => f.endsWith('.raw'));
        let events: Record<string, unknown>[] = [];
        let kind: RegressionCase['kind'] = 'evtx-json';
        if (json) {
          const v = JSON.parse(readFileSync(path.join(d, json), 'utf8')) as unknown;
          events = (Array.isArray(v) ? v : [v]) as Record<string, unknown>[];
        } else if (raw) {
          kind = 'raw';
          events = readFileSync(path.join(d, raw), 'utf8').split('\n').filter((l) => l.trim()).map((message) => ({ message }));
        }
        out.push({ dir: d, ruleId: meta.id, title: meta.title, matchCount: info.regression_tests_info?.[0]?.match_count ?? 1, events, kind });
      }
    }
  };
  const root = path.join(sigmaRoot, 'regression_data');
  if (existsSync(root)) walk(root);
  return out.sort((a, b) => a.dir.localeCompare(b.dir));
}

/**
 * rsigma 0.23 takes a single rules path (`-r` once): build `<dir>/rules` holding a symlink to each of
 * `paths` (folders or rule files), which its directory walk follows.
 */
export function linkedRuleRoot(dir: string, paths: string[]): string {
  const root = path.join(dir, 'rules');
  mkdirSync(root, { recursive: true });
  paths.forEach((p, i) => symlinkSync(path.resolve(p), path.join(root, `${i}-${path.basename(p)}`)));
  return root;
}

/** The rsigma subcommand that evaluates events (`eval` in older releases, `engine eval` in 0.23). */
export function rsigmaEvalCommand(run: (args: string[]) => number | null): string[] {
  return run(['eval', '--help']) === 0 ? ['eval'] : ['engine', 'eval'];
}
