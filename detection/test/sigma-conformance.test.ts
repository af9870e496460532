import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createEngine, loadPipelines, loadRuleDir, parsePipeline } from '../src/index.js';
import { regressionCases, sigmaRuleDirs } from '../src/sigma-corpus.js';
import { ecsPipelines, repoRoot, sharedData } from './helpers.js';

const sigmaRoot = path.join(sharedData, 'sigma');
const present = existsSync(path.join(sigmaRoot, 'rules'));
let cached: ReturnType<typeof loadRuleDir> | null = null;
const corpus = (): ReturnType<typeof loadRuleDir> => (cached ??= loadRuleDir(...sigmaRuleDirs(sigmaRoot)));

test('upstream Sigma rules: at least 95% load, every refusal has a reason', (t) => {
  if (!present) return t.skip(`shared data not found at ${sigmaRoot}`);
  const loaded = corpus();
  const engine = createEngine({ rules: loaded.rules, pipelines: ecsPipelines });
  const refused = [...loaded.errors, ...engine.refused];
  const total = loaded.rules.length + loaded.errors.length;
  const share = (total - refused.length) / total;
  t.diagnostic(`loaded ${total - refused.length}/${total} rule documents from ${loaded.files} files (${(share * 100).toFixed(1)}%)`);
  for (const r of refused) t.diagnostic(`refused ${path.relative(sigmaRoot, r.source)}: ${r.reason}`);
  assert.ok(share >= 0.95, `load share ${share}`);
  for (const r of refused) assert.ok(r.reason.length > 0);
});

test('upstream regression data: expected match counts', (t) => {
  if (!present) return t.skip(`shared data not found at ${sigmaRoot}`);
  const loaded = corpus();
  const byId = new Map(loaded.rules.map((r) => [r.id, r]));
  const evtx = loadPipelines(path.join(repoRoot, 'policies', 'sigma-pipelines', 'windows-evtx-json.yml'));
  // Raw syslog lines carry no ECS metadata: search the message only and ignore the logsource.
  const raw = [parsePipeline({ name: 'raw-lines', keyword_fields: ['message'] })];
  const cases = regressionCases(sigmaRoot);
  assert.ok(cases.length > 0);
  const failures: string[] = [];
  for (const c of cases) {
    const rule = byId.get(c.ruleId);
    if (!rule) {
      failures.push(`${c.ruleId} (${c.title}): rule not in corpus`);
      continue;
    }
    const engine = createEngine({ rules: [rule], pipelines: c.kind === 'raw' ? raw : evtx });
    if (engine.refused.length) {
      failures.push(`${c.title}: refused: ${engine.refused[0]!.reason}`);
      continue;
    }
    const n = c.events.filter((ev) => engine.process(ev).length > 0).length;
    if (n !== c.matchCount) failures.push(`${c.title}: ${n} matches, expected ${c.matchCount}`);
  }
  t.diagnostic(`${cases.length - failures.length}/${cases.length} regression cases match`);
  assert.deepEqual(failures, []);
});
