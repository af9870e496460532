import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createEngine, parseRuleText } from '@emsoc/detection';
import { alertToDocument } from '@emsoc/detection';
import { engineSupport } from '../src/rules/catalog.js';
import { readRuleState, ruleStatePath } from '@emsoc/detection';
import { startHarness, type Harness } from './harness.js';

const FAILED_LOGIN = `title: Failed login
id: 6f1e2d3c-1111-4222-8333-944455566677
name: test_failed_login
status: test
description: A failed login.
description_zh: 登录失败。
logsource:
    category: authentication
detection:
    selection:
        event.action: login
        event.outcome: failure
    condition: selection
level: high
tags:
    - attack.credential_access
    - attack.t1110
`;
const BRUTE_FORCE = `title: Login brute force
id: 0a9b8c7d-2222-4333-8444-955566677788
status: test
correlation:
    type: event_count
    rules:
        - test_failed_login
    group-by:
        - source.ip
    timespan: 10m
    condition:
        gte: 3
level: critical
`;

let h: Harness;
let rulesDir: string;
const t0 = Date.parse('2026-11-28T08:00:00Z');
const failedLogin = (i: number, ip: string, at: number) => ({
  '@timestamp': new Date(at).toISOString(),
  event: { id: `login-${ip}-${i}`, category: ['authentication'], action: 'login', outcome: 'failure', dataset: 'system.auth' },
  source: { ip },
  user: { name: `victim${i % 2}` },
  message: `failed login ${i}`,
});

before(async () => {
  rulesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emsoc-rules-'));
  fs.mkdirSync(path.join(rulesDir, 'auth'));
  fs.writeFileSync(path.join(rulesDir, 'auth', 'failed_login.yml'), FAILED_LOGIN);
  fs.writeFileSync(path.join(rulesDir, 'auth', 'brute_force.yml'), BRUTE_FORCE);
  h = await startHarness({ rulesDir });
  h.clock.now = t0 + 3600_000;
});
after(async () => {
  await h.close();
  fs.rmSync(rulesDir, { recursive: true, force: true });
});

/** Runs events through a live-mode engine with the test rules and stores the alerts as the collector would. */
async function storeAlertsFor(events: ReturnType<typeof failedLogin>[], ingestedAt: number) {
  const rules = parseRuleText(FAILED_LOGIN, 'a').rules;
  const engine = createEngine({ rules, ...engineSupport() });
  const alerts = events.flatMap((e) => engine.process(e));
  const r = await h.store.bulk('alerts', alerts.map((a) => alertToDocument(a, new Date(ingestedAt))));
  assert.equal(r.failed.length, 0);
  return alerts;
}

const analyst = () => h.tokens['soc-analyst']!;

test('alerts become incidents grouped by rule + entity; later alerts join the open incident', async () => {
  const first = await storeAlertsFor([failedLogin(1, '10.1.1.1', t0), failedLogin(2, '10.1.1.1', t0 + 60_000), failedLogin(3, '10.2.2.2', t0 + 60_000)], t0 + 70_000);
  assert.equal(first.length, 3);
  assert.equal(await h.console.incidents.poll(), 3);
  let list = await h.call('GET', '/api/v1/incidents', { token: analyst() });
  assert.equal(list.status, 200);
  // Entity is the first entity field present: user.name (victim0 / victim1).
  assert.equal(list.json.total, 2);
  assert.ok(list.json.incidents.every((i: { status: string; severity: string }) => i.status === 'new' && i.severity === 'high'));

  await storeAlertsFor([failedLogin(5, '10.1.1.1', t0 + 120_000)], t0 + 130_000);
  assert.equal(await h.console.incidents.poll(), 1);
  assert.equal(await h.console.incidents.poll(), 0, 'the cursor is persisted: nothing is read twice');
  list = await h.call('GET', '/api/v1/incidents', { token: analyst() });
  assert.equal(list.json.total, 2);
  const victim1 = list.json.incidents.find((i: { entity: string }) => i.entity === 'user.name=victim1');
  assert.equal(victim1.alertCount, 3);
  const detail = await h.call('GET', `/api/v1/incidents/${victim1.id}`, { token: analyst() });
  assert.equal(detail.json.alerts.length, 3);
  assert.equal(detail.json.alerts[0].rule, '6f1e2d3c-1111-4222-8333-944455566677');
  assert.deepEqual(detail.json.history.map((x: { action: string }) => x.action), ['created', 'alerts_added']);
  assert.deepEqual(detail.json.tactics, ['credential_access']);
});

test('incident lifecycle: triage → in progress → resolved with timestamps, notes, history; illegal moves 409; all audited', async () => {
  const list = await h.call('GET', '/api/v1/incidents?status=new', { token: analyst() });
  const inc = list.json.incidents[0];
  const created = Date.parse(inc.createdAt);
  h.clock.advance(5 * 60_000);
  const triaged = await h.call('PATCH', `/api/v1/incidents/${inc.id}`, { token: analyst(), body: { status: 'triaged', assignee: 'u-soc-analyst' } });
  assert.equal(triaged.status, 200, triaged.text);
  assert.equal(triaged.json.timeToTriageMs, 5 * 60_000);
  assert.equal(triaged.json.assignee, 'u-soc-analyst');
  assert.equal((await h.call('PATCH', `/api/v1/incidents/${inc.id}`, { token: analyst(), body: { status: 'new' } })).status, 409);
  h.clock.advance(10 * 60_000);
  assert.equal((await h.call('PATCH', `/api/v1/incidents/${inc.id}`, { token: analyst(), body: { status: 'in_progress' } })).status, 200);
  const note = await h.call('POST', `/api/v1/incidents/${inc.id}/notes`, { token: analyst(), body: { text: 'Blocked 10.1.1.1 at the firewall <b>now</b>' } });
  assert.equal(note.status, 201);
  h.clock.advance(45 * 60_000);
  const resolved = await h.call('PATCH', `/api/v1/incidents/${inc.id}`, { token: analyst(), body: { status: 'resolved' } });
  assert.equal(resolved.json.status, 'resolved');
  assert.equal(resolved.json.timeToResolveMs, 60 * 60_000);
  assert.equal(Date.parse(resolved.json.resolvedAt) - created, 60 * 60_000);
  const detail = (await h.call('GET', `/api/v1/incidents/${inc.id}`, { token: h.tokens.auditor })).json;
  assert.deepEqual(
    detail.history.filter((x: { action: string }) => x.action !== 'alerts_added').map((x: { action: string; to?: string; by: string }) => `${x.action}:${x.to ?? ''}:${x.by}`),
    ['created::system', 'status:triaged:u-soc-analyst', 'assignee:u-soc-analyst:u-soc-analyst', 'status:in_progress:u-soc-analyst', 'note::u-soc-analyst', 'status:resolved:u-soc-analyst'],
  );
  assert.equal(detail.notes[0].text, 'Blocked 10.1.1.1 at the firewall <b>now</b>');
  // Auditors read incidents but cannot change them.
  assert.equal((await h.call('PATCH', `/api/v1/incidents/${inc.id}`, { token: h.tokens.auditor, body: { status: 'in_progress' } })).status, 403);
  const audited = h.console.audit.trail.list({ order: 'desc', limit: 100 }).filter((r) => r.objectId === inc.id);
  assert.deepEqual(audited.map((r) => `${r.eventType}:${r.outcome}`).reverse(), [
    'incident.updated:success',
    'incident.updated:failure',
    'incident.updated:success',
    'incident.note_added:success',
    'incident.updated:success',
  ]);
  // New alerts for the entity of a resolved incident open a new one.
  await storeAlertsFor([failedLogin(7, '10.9.9.9', t0 + 200_000)].map((e) => ({ ...e, user: { name: inc.entity.split('=')[1] } })), t0 + 210_000);
  await h.console.incidents.poll();
  const again = await h.call('GET', '/api/v1/incidents?status=new', { token: analyst() });
  assert.ok(again.json.incidents.some((i: { entity: string; id: string }) => i.entity === inc.entity && i.id !== inc.id));
});

test('rules: list from the folder, read YAML, enable/disable persisted in the data dir and audited', async () => {
  const list = await h.call('GET', '/api/v1/rules', { token: analyst() });
  assert.equal(list.status, 200);
  assert.equal(list.json.length, 2);
  const fl = list.json.find((r: { id: string }) => r.id === '6f1e2d3c-1111-4222-8333-944455566677');
  assert.deepEqual({ title: fl.title, level: fl.level, enabled: fl.enabled, path: fl.path, zh: fl.description_zh }, { title: 'Failed login', level: 'high', enabled: true, path: 'auth/failed_login.yml', zh: '登录失败。' });
  const one = await h.call('GET', `/api/v1/rules/${fl.id}`, { token: analyst() });
  assert.equal(one.json.yaml, FAILED_LOGIN);
  assert.equal((await h.call('POST', `/api/v1/rules/${fl.id}/disable`, { token: analyst() })).status, 403);
  const off = await h.call('POST', `/api/v1/rules/${fl.id}/disable`, { token: h.tokens['security-admin'] });
  assert.equal(off.json.enabled, false);
  const state = readRuleState(ruleStatePath(h.dataDir));
  assert.equal(state.disabled[fl.id]!.by, 'u-security-admin');
  assert.equal((await h.call('GET', '/api/v1/rules', { token: analyst() })).json.find((r: { id: string }) => r.id === fl.id).enabled, false);
  await h.call('POST', `/api/v1/rules/${fl.id}/enable`, { token: h.tokens['security-admin'] });
  assert.deepEqual(readRuleState(ruleStatePath(h.dataDir)).disabled, {});
  const types = h.console.audit.trail.list({ order: 'desc', limit: 10 }).map((r) => r.eventType);
  assert.ok(types.includes('rule.disabled') && types.includes('rule.enabled'));
  assert.equal((await h.call('GET', '/api/v1/rules/no-such-rule', { token: analyst() })).status, 404);
});

test('rules/validate reports YAML, Sigma and compile errors', async () => {
  const ok = await h.call('POST', '/api/v1/rules/validate', { token: analyst(), body: { yaml: FAILED_LOGIN.replace('6f1e2d3c-1111', '7f1e2d3c-1111') } });
  assert.deepEqual(ok.json.errors, []);
  assert.equal(ok.json.ok, true);
  const yamlErr = await h.call('POST', '/api/v1/rules/validate', { token: analyst(), body: { yaml: 'title: [unclosed' } });
  assert.equal(yamlErr.json.ok, false);
  assert.match(yamlErr.json.errors[0], /YAML/);
  assert.match(yamlErr.json.problems[0].reason, /YAML/);
  const badRef = await h.call('POST', '/api/v1/rules/validate', { token: analyst(), body: { yaml: BRUTE_FORCE.replace('0a9b8c7d', '1a9b8c7d').replace('test_failed_login', 'no_such_rule') } });
  assert.equal(badRef.json.ok, false);
  assert.match(badRef.json.errors[0], /^1a9b8c7d-2222-4333-8444-955566677788: .*unknown rule/);
  // A correlation may reference a library rule.
  const libRef = await h.call('POST', '/api/v1/rules/validate', { token: analyst(), body: { yaml: BRUTE_FORCE.replace('0a9b8c7d', '1a9b8c7d') } });
  assert.equal(libRef.json.ok, true, JSON.stringify(libRef.json));
});

test('backtest a correlation over stored history: progress, alerts marked backtest, live alerts untouched', async () => {
  const events = [];
  for (let i = 0; i < 2500; i++) events.push({ id: `noise-${i}`, doc: { '@timestamp': new Date(t0 + i * 1000).toISOString(), event: { category: ['network'], action: 'accept' }, message: 'noise' } });
  for (let i = 0; i < 4; i++) events.push({ id: `bf-${i}`, doc: failedLogin(100 + i, '10.6.6.6', t0 + 500_000 + i * 30_000) });
  await h.store.bulk('events', events);
  const liveBefore = await h.store.count({ dataset: 'alerts' });
  const start = await h.call('POST', '/api/v1/rules/0a9b8c7d-2222-4333-8444-955566677788/backtest', {
    token: analyst(),
    body: { from: new Date(t0).toISOString(), to: new Date(t0 + 3000_000).toISOString() },
  });
  assert.equal(start.status, 202, start.text);
  let job;
  for (let i = 0; i < 200; i++) {
    job = (await h.call('GET', `/api/v1/jobs/${start.json.jobId}`, { token: analyst() })).json;
    if (job.status !== 'running') break;
    assert.ok(job.progress >= 0 && job.progress <= 1);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.progress, 1);
  assert.equal(job.total, 2504);
  assert.equal(job.processed, 2504);
  const corr = job.alerts.filter((a: { rule: { id: string } }) => a.rule.id === '0a9b8c7d-2222-4333-8444-955566677788');
  assert.ok(corr.length >= 1, JSON.stringify(job.alerts));
  assert.ok(job.alerts.every((a: { backtest?: boolean }) => a.backtest === true));
  assert.equal(await h.store.count({ dataset: 'alerts' }), liveBefore);
  // Jobs are private to their starter.
  assert.equal((await h.call('GET', `/api/v1/jobs/${start.json.jobId}`, { token: h.tokens.auditor })).status, 403);
  const otherAnalyst = h.identity.createAccount({ name: 'analyst-b', roles: ['soc-analyst'] });
  assert.equal((await h.call('GET', `/api/v1/jobs/${start.json.jobId}`, { token: h.identity.issueToken(otherAnalyst.id, 't').token })).status, 404);
});
