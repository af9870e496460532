import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createEngine } from './engine.js';
import type { EcsEvent } from './event-fields.js';
import { isFixtureFile, listRuleFiles, parseRuleText } from './loader.js';
import type { Placeholders } from './modifiers.js';
import type { Pipeline } from './pipeline.js';
import { parseDuration } from './rule-parser.js';

// Rule fixtures: `<rule>.fixtures.yaml` next to `<rule>.yml`:
//   rule_id: <id>            # optional, default: the first document of the rule file
//   cert_status: {serial-or-sha256: revoked}   # optional, answers of the statusLookup hook
//   positive: [ { name, events: [ECS events in time order], alerts?: n } ]
//   negative: [ { name, events: [...] } ]
// An event with `_repeat: N` stands for N events: `{i}` in string values becomes 0..N-1 and, with
// `_step: 10s`, each copy's @timestamp advances by that step (keeps burst fixtures short).
// Each case runs on a fresh engine holding only the rule file's documents (plus the folder's `_*.yml`); open correlation windows are
// flushed at the end. Positive: the rule alerts (exactly `alerts` times if given). Negative: it never does.

export interface FixtureResult {
  ruleFile: string;
  fixtureFile: string | null;
  ruleId: string | null;
  cases: { name: string; kind: 'positive' | 'negative'; ok: boolean; detail: string }[];
  error: string | null;
}

interface FixtureCase {
  name?: string;
  events?: EcsEvent[];
  event?: EcsEvent;
  alerts?: number;
}

function substitute(v: unknown, i: number): unknown {
  if (typeof v === 'string') return v.includes('{i}') ? v.replaceAll('{i}', String(i)) : v;
  if (Array.isArray(v)) return v.map((x) => substitute(x, i));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, i)]));
  return v;
}

export function expandFixtureEvents(events: EcsEvent[]): EcsEvent[] {
  const out: EcsEvent[] = [];
  for (const ev of events) {
    const n = typeof ev._repeat === 'number' ? ev._repeat : null;
    if (n === null) {
      out.push(ev);
      continue;
    }
    const { _repeat, _step, ...rest } = ev;
    void _repeat;
    const step = typeof _step === 'string' ? parseDuration(_step, '_step') : 0;
    const t0 = Date.parse(String(rest['@timestamp'] ?? ''));
    for (let i = 0; i < n; i++) {
      const copy = substitute(rest, i) as EcsEvent;
      if (step && !Number.isNaN(t0)) copy['@timestamp'] = new Date(t0 + i * step).toISOString();
      out.push(copy);
    }
  }
  return out;
}

export function fixtureFileFor(ruleFile: string): string {
  return ruleFile.replace(/\.ya?ml$/, '.fixtures.yaml');
}

export function runFixtures(ruleFile: string, opts: { pipelines: Pipeline[]; placeholders: Placeholders }): FixtureResult {
  const fixtureFile = fixtureFileFor(ruleFile);
  const res: FixtureResult = { ruleFile, fixtureFile: existsSync(fixtureFile) ? fixtureFile : null, ruleId: null, cases: [], error: null };
  const loaded = parseRuleText(readFileSync(ruleFile, 'utf8'), ruleFile);
  // Shared building blocks (`_*.yml` in the same folder) are loaded with the rule, after its own documents.
  const dir = path.dirname(ruleFile);
  for (const f of readdirSync(dir).sort()) {
    if (f.startsWith('_') && /\.ya?ml$/.test(f) && !isFixtureFile(f)) {
      const shared = parseRuleText(readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f));
      loaded.rules.push(...shared.rules);
      loaded.errors.push(...shared.errors);
    }
  }
  if (loaded.errors.length) {
    res.error = loaded.errors.map((e) => e.reason).join('; ');
    return res;
  }
  if (!res.fixtureFile) {
    res.error = 'no fixtures file';
    return res;
  }
  let fx: { rule_id?: string; cert_status?: Record<string, string>; positive?: FixtureCase[]; negative?: FixtureCase[] };
  try {
    fx = (parseYaml(readFileSync(fixtureFile, 'utf8')) ?? {}) as typeof fx;
  } catch (e) {
    res.error = `fixtures YAML: ${(e as Error).message}`;
    return res;
  }
  const ruleId = fx.rule_id ?? loaded.rules[0]?.id ?? null;
  res.ruleId = ruleId;
  if (!fx.positive?.length || !fx.negative?.length) {
    res.error = 'fixtures need at least one positive and one negative case';
    return res;
  }
  const status = Object.fromEntries(Object.entries(fx.cert_status ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const statusLookup = (q: { serial?: string; sha256?: string }): string | undefined => status[(q.serial ?? q.sha256 ?? '').toLowerCase()];
  for (const [kind, list] of [['positive', fx.positive], ['negative', fx.negative]] as const) {
    list.forEach((c, i) => {
      const name = c.name ?? `${kind} #${i + 1}`;
      const engine = createEngine({ rules: loaded.rules, pipelines: opts.pipelines, placeholders: opts.placeholders, statusLookup, mode: 'backtest' });
      if (engine.refused.length) {
        res.cases.push({ name, kind, ok: false, detail: `refused: ${engine.refused.map((r) => r.reason).join('; ')}` });
        return;
      }
      let events: EcsEvent[];
      try {
        events = expandFixtureEvents(c.events ?? (c.event ? [c.event] : []));
      } catch (e) {
        res.cases.push({ name, kind, ok: false, detail: `bad fixture: ${(e as Error).message}` });
        return;
      }
      const alerts = [...events.flatMap((e) => engine.process(e)), ...engine.flush()].filter((a) => a.rule.id === ruleId);
      const ok = kind === 'positive' ? (c.alerts !== undefined ? alerts.length === c.alerts : alerts.length > 0) : alerts.length === 0;
      res.cases.push({ name, kind, ok, detail: `${alerts.length} alert(s)` });
    });
  }
  return res;
}

export function runFixtureDir(dir: string, opts: { pipelines: Pipeline[]; placeholders: Placeholders }): FixtureResult[] {
  return listRuleFiles(dir)
    .filter((f) => !path.basename(f).startsWith('_'))
    .map((f) => runFixtures(f, opts));
}
