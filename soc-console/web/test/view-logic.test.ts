import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incidentEventIds, incidentTimeline } from '../src/app/features/incidents/timeline.js';
import { approvalState } from '../src/app/features/ra/dual-control.js';
import { landingRoute, visibleNav } from '../src/app/core/auth/landing.js';
import { getField, summarize } from '../src/app/features/search/document.js';
import { latestRate, timeSeriesChart, formatBytes } from '../src/app/shared/chart/series.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

test('incident timeline merges history, alerts and notes in time order; undated entries last', () => {
  const tl = incidentTimeline({
    id: 'inc-1',
    alerts: [
      { id: 'a2', rule: { title: 'Brute force' }, time: '2026-11-29T01:05:00Z' },
      { id: 'a1', rule: 'Brute force', time: '2026-11-29T01:00:00Z' },
    ],
    history: [{ who: 'alice', when: '2026-11-29T01:10:00Z', what: 'status new → triaged' }, { who: 'bob', what: 'no time' }],
    notes: [{ author: 'alice', at: '2026-11-29T01:02:00Z', text: 'looking' }],
  });
  assert.deepEqual(tl.map((e) => `${e.kind}:${e.who}:${e.text}`), [
    'alert::Brute force',
    'note:alice:looking',
    'alert::Brute force',
    'history:alice:status new → triaged',
    'history:bob:no time',
  ]);
  assert.deepEqual(incidentEventIds({ id: 'x', eventIds: ['e1'], alerts: [{ id: 'a', eventIds: ['e1', 'e2'] }] }), ['e1', 'e2']);
});

test('dual control: own requests and second approvals by the same officer are not offered', () => {
  const base = { approvalsRequired: 2, requester: { id: 'u1', name: 'ra-req' }, status: 'submitted', approvals: [{ officerId: 'o1', officerName: 'officer1', at: '', comment: null }] };
  assert.deepEqual(approvalState(base, 'officer2'), { names: ['officer1'], remaining: 1, ownRequest: false, alreadyApproved: false, canDecide: true });
  assert.equal(approvalState(base, 'officer1').canDecide, false);
  assert.equal(approvalState(base, 'ra-req').canDecide, false);
  assert.equal(approvalState({ ...base, status: 'issued' }, 'officer2').canDecide, false);
});

test('menu and landing page follow the permissions of policies/roles.yaml', () => {
  const roles = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../policies/roles.yaml'), 'utf8');
  const permsOf = (role: string) => {
    const block = roles.split(/\n {2}(?=[a-z-]+:\n)/).find((b) => b.startsWith(`${role}:`) || b.includes(`\n  ${role}:`))!;
    return new Set([...block.matchAll(/- ([a-z.]+:[a-z-]+)/g)].map((m) => m[1]!));
  };
  const analyst = permsOf('soc-analyst');
  const officer = permsOf('ra-officer');
  const auditor = permsOf('auditor');
  assert.ok(analyst.has('events:read') && officer.has('ra.requests:decide') && auditor.has('audit:read'));
  assert.equal(landingRoute(analyst), '/overview');
  assert.equal(landingRoute(officer), '/ra');
  assert.equal(landingRoute(auditor), '/audit');
  assert.deepEqual(visibleNav(officer).map((n) => n.path), ['/ra']);
  assert.ok(!visibleNav(analyst).some((n) => n.path === '/audit' || n.path === '/ra'));
  assert.ok(!visibleNav(auditor).some((n) => n.path === '/rules'));
  assert.equal(landingRoute(new Set()), '/forbidden');
});

test('documents: nested or flat ECS fields, one-line summaries', () => {
  const doc = { '@timestamp': 't', source: { ip: '10.0.0.1', asset: { org_unit: 'sc' } }, 'destination.port': 443, event: { action: 'login' } };
  assert.equal(getField(doc, 'source.ip'), '10.0.0.1');
  assert.equal(getField(doc, 'source.asset.org_unit'), 'sc');
  assert.equal(getField(doc, 'destination.port'), 443);
  assert.equal(getField(doc, 'nope.x'), undefined);
  assert.equal(summarize(doc), 'event.action=login  source.ip=10.0.0.1  destination.port=443');
  assert.equal(summarize({ message: 'x'.repeat(500) }).length, 240);
});

test('chart series align on the union of bucket keys; rates use the last complete bucket', () => {
  const cfg = timeSeriesChart('bar', [
    { label: 'a', buckets: [{ key: 0, count: 1 }, { key: 60_000, count: 2 }], colour: '#000000' },
    { label: 'b', buckets: [{ key: 120_000, value: 5 }], colour: '#111111' },
  ], 'UTC');
  assert.deepEqual(cfg.data.labels, ['00:00', '00:01', '00:02']);
  assert.deepEqual(cfg.data.datasets.map((d) => d.data), [[1, 2, 0], [0, 0, 5]]);
  assert.equal(latestRate([{ key: 0, count: 60 }, { key: 60_000, count: 120 }, { key: 120_000, count: 1 }]), 2);
  assert.equal(latestRate([{ key: 0, count: 60 }]), null);
  assert.equal(formatBytes(1536), '1.5 KB');
});

test('incident timeline reads the server shape (at/by/action/from/to) without listing notes twice', () => {
  const tl = incidentTimeline({
    id: 'inc-2',
    history: [
      { at: '2026-11-29T02:00:00Z', by: 'system', action: 'created' },
      { at: '2026-11-29T02:05:00Z', by: 'alice', action: 'status', from: 'new', to: 'triaged' },
      { at: '2026-11-29T02:06:00Z', by: 'alice', action: 'note' },
    ],
    notes: [{ at: '2026-11-29T02:06:00Z', by: 'alice', text: 'blocked at the firewall' }],
    alerts: [{ id: 'a1', rule: 'r1', title: 'SSH brute force', time: '2026-11-29T01:59:00Z' }],
  });
  assert.deepEqual(tl.map((e) => `${e.kind}|${e.who}|${e.text}`), [
    'alert||SSH brute force',
    'history|system|created',
    'history|alice|status: new → triaged',
    'note|alice|blocked at the firewall',
  ]);
});
