import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadPlaceholders, loadRuleDir, createEngine, parseRuleText } from '../src/index.js';
import { runFixtureDir } from '../src/fixtures.js';
import { listRuleFiles } from '../src/loader.js';
import { ecsPipelines, repoRoot } from './helpers.js';

const rulesDir = path.join(repoRoot, 'rules');
const placeholders = loadPlaceholders(path.join(repoRoot, 'policies', 'detection-placeholders.yaml'));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('rules library loads completely with the ECS pipeline', () => {
  const loaded = loadRuleDir(rulesDir);
  assert.deepEqual(loaded.errors, []);
  const engine = createEngine({ rules: loaded.rules, pipelines: ecsPipelines, placeholders });
  assert.deepEqual(engine.refused, []);
});

test('every library rule carries the required metadata', () => {
  const files = listRuleFiles(rulesDir).filter((f) => !path.basename(f).startsWith('_'));
  assert.ok(files.length >= 40, `only ${files.length} rules`);
  const ids = new Set<string>();
  for (const f of files) {
    const [rule] = parseRuleText(readFileSync(f, 'utf8'), f).rules;
    const d = rule!.doc;
    const where = path.relative(repoRoot, f);
    assert.match(rule!.id, UUID, `${where}: id`);
    assert.ok(!ids.has(rule!.id), `${where}: duplicate id`);
    ids.add(rule!.id);
    assert.ok(typeof d.description === 'string' && d.description.length > 20, `${where}: description`);
    assert.ok(typeof d.description_zh === 'string' && /[\u4e00-\u9fff]/.test(d.description_zh), `${where}: description_zh`);
    assert.ok(Array.isArray(d.falsepositives) && d.falsepositives.length > 0, `${where}: falsepositives`);
    assert.ok(typeof d.level === 'string', `${where}: level`);
    assert.ok(rule!.tags.some((t) => /^attack\.t\d{4}/.test(t)), `${where}: ATT&CK technique tag`);
    assert.ok(rule!.tags.some((t) => /^attack\.[a-z_]+$/.test(t)), `${where}: ATT&CK tactic tag`);
  }
});

test('every library rule passes its positive and negative fixtures', () => {
  const results = runFixtureDir(rulesDir, { pipelines: ecsPipelines, placeholders });
  const failures: string[] = [];
  for (const r of results) {
    const where = path.relative(repoRoot, r.ruleFile);
    if (r.error) failures.push(`${where}: ${r.error}`);
    for (const c of r.cases) if (!c.ok) failures.push(`${where} ${c.kind} '${c.name}': ${c.detail}`);
    if (!r.error) {
      assert.ok(r.cases.some((c) => c.kind === 'positive'), `${where}: positive case`);
      assert.ok(r.cases.some((c) => c.kind === 'negative'), `${where}: negative case`);
    }
  }
  assert.deepEqual(failures, []);
});

test('every protection domain of the mission has rules, and every rule file is under version control', (t) => {
  const files = listRuleFiles(rulesDir).filter((f) => !path.basename(f).startsWith('_'));
  const domains = new Set(files.map((f) => path.relative(rulesDir, f).split(path.sep)[0]));
  for (const d of ['network', 'terminal', 'application', 'data', 'identity-pki']) assert.ok(domains.has(d), `no rules for the ${d} domain`);
  // An ignore pattern once hid a whole rules folder from every clone: ask git which rule files it would leave out.
  const git = spawnSync('git', ['ls-files', '--others', '--ignored', '--exclude-standard', '--', 'rules'], { cwd: repoRoot, encoding: 'utf8' });
  if (git.status !== 0) return t.skip('not a git checkout');
  assert.equal(git.stdout.trim(), '', 'rule files ignored by git');
});
