import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineFor, refusalOf } from './helpers.js';

const base = `title: failed
id: base-fail
name: failed_login
logsource: {product: test}
detection:
  sel:
    event.outcome: failure
  condition: sel
---
title: ok
id: base-ok
name: ok_login
logsource: {product: test}
detection:
  sel:
    event.outcome: success
  condition: sel
`;

const ev = (t: number, outcome: string, extra: Record<string, unknown> = {}) => ({
  '@timestamp': new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + t * 1000).toISOString(),
  event: { outcome, id: `e${t}` },
  user: { name: 'root' },
  source: { ip: '203.0.113.9' },
  ...extra,
});

function corr(body: string, extra = ''): string {
  return `${base}---\ntitle: corr\nid: c1\nlevel: high\ntags: [attack.credential_access, attack.t1110]\n${extra}correlation:\n${body}\n`;
}

test('event_count with a sliding window catches a burst across a minute boundary', () => {
  const e = engineFor(corr('  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {gte: 3}'));
  // 00:00:50, 00:01:05, 00:01:10 -> three within 60s though they straddle the minute.
  const out = [50, 65, 70].flatMap((t) => e.process(ev(t, 'failure')));
  assert.equal(out.length, 1);
  const a = out[0]!;
  assert.equal(a.rule.id, 'c1');
  assert.equal(a.severity, 'high');
  assert.deepEqual(a.attack.techniques, ['T1110']);
  assert.deepEqual(a.attack.tactics, ['credential_access']);
  assert.deepEqual(a.eventIds, ['e50', 'e65', 'e70']);
  assert.deepEqual(a.group, { 'source.ip': '203.0.113.9' });
  assert.equal(a.reason.correlation!.count, 3);
  // Base rules are not alerted on their own (generate defaults to false).
  assert.ok(out.every((x) => x.rule.id === 'c1'));
});

test('event_count does not fire when events are spread beyond the timespan', () => {
  const e = engineFor(corr('  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {gte: 3}'));
  assert.equal([0, 40, 80, 120].flatMap((t) => e.process(ev(t, 'failure'))).length, 0);
});

test('group-by keeps groups apart', () => {
  const e = engineFor(corr('  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {gte: 2}'));
  assert.equal(e.process(ev(1, 'failure', { source: { ip: '1.1.1.1' } })).length, 0);
  assert.equal(e.process(ev(2, 'failure', { source: { ip: '2.2.2.2' } })).length, 0);
  assert.equal(e.process(ev(3, 'failure', { source: { ip: '1.1.1.1' } })).length, 1);
});

test('value_count counts distinct values', () => {
  const e = engineFor(corr('  type: value_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 5m\n  condition: {field: user.name, gte: 3}'));
  let n = 0;
  for (const [i, u] of ['a', 'a', 'b', 'b', 'c'].entries()) n += e.process(ev(i, 'failure', { user: { name: u } })).length;
  assert.equal(n, 1);
});

test('value_sum and value_avg', () => {
  const sum = engineFor(corr('  type: value_sum\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1h\n  condition: {field: source.bytes, gt: 1000}'));
  const bytes = (t: number, b: number) => ev(t, 'failure', { source: { ip: '1.1.1.1', bytes: b } });
  assert.equal(sum.process(bytes(1, 600)).length, 0);
  const [a] = sum.process(bytes(2, 600));
  assert.equal(a!.reason.correlation!.sum, 1200);
  const avg = engineFor(corr('  type: value_avg\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1h\n  condition: {field: source.bytes, gte: 100}'));
  assert.equal(avg.process(bytes(1, 50)).length, 0);
  assert.equal(avg.process(bytes(2, 100)).length, 0); // avg 75
  assert.equal(avg.process(bytes(3, 300)).length, 1); // avg 150
});

test('temporal needs all rules in the window in any order', () => {
  const e = engineFor(corr('  type: temporal\n  rules: [ok_login, failed_login]\n  group-by: [user.name]\n  timespan: 1m'));
  assert.equal(e.process(ev(1, 'success')).length, 0);
  assert.equal(e.process(ev(2, 'failure')).length, 1);
});

test('temporal_ordered requires the given order; chained brute force then success', () => {
  const text = `${base}---
title: many failed
id: c-many
name: many_failed
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user.name]
  timespan: 10m
  condition: {gte: 3}
---
title: brute force then success
id: c-bf
level: critical
correlation:
  type: temporal_ordered
  rules: [many_failed, ok_login]
  group-by: [user.name]
  timespan: 10m
`;
  const e = engineFor(text);
  assert.equal(e.process(ev(1, 'success')).length, 0); // success first: no
  const out = [2, 3, 4].flatMap((t) => e.process(ev(t, 'failure')));
  assert.equal(out.length, 0);
  const [a] = e.process(ev(5, 'success'));
  assert.equal(a!.rule.id, 'c-bf');
  assert.deepEqual(a!.reason.correlation!.rules, ['many_failed', 'ok_login']);
  assert.deepEqual(a!.eventIds, ['e2', 'e3', 'e4', 'e5']);
  // Reverse order does not fire.
  const e2 = engineFor(text);
  assert.equal([1, 2].flatMap((t) => e2.process(ev(t, 'success'))).length, 0);
  assert.equal([3, 4, 5].flatMap((t) => e2.process(ev(t, 'failure'))).length, 0);
});

test('aliases map different fields of different rules into one group', () => {
  const e = engineFor(corr('  type: temporal\n  rules: [failed_login, ok_login]\n  group-by: [ip]\n  timespan: 1m\n  aliases:\n    ip:\n      failed_login: source.ip\n      ok_login: destination.ip'));
  assert.equal(e.process(ev(1, 'failure', { source: { ip: '9.9.9.9' } })).length, 0);
  assert.equal(e.process(ev(2, 'success', { source: { ip: '1.1.1.1' }, destination: { ip: '8.8.8.8' } })).length, 0);
  assert.equal(e.process(ev(3, 'success', { source: { ip: '1.1.1.1' }, destination: { ip: '9.9.9.9' } })).length, 1);
});

test('generate: true also alerts on the referenced rules', () => {
  const e = engineFor(corr('  type: event_count\n  generate: true\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {gte: 2}'));
  assert.deepEqual(e.process(ev(1, 'failure')).map((a) => a.rule.id), ['base-fail']);
  assert.deepEqual(e.process(ev(2, 'failure')).map((a) => a.rule.id), ['base-fail', 'c1']);
});

test('upper-bounded conditions are decided when the window closes (and on flush)', () => {
  const e = engineFor(corr('  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {gte: 2, lte: 3}'));
  assert.equal([0, 10, 20, 30].flatMap((t) => e.process(ev(t, 'failure'))).length, 0); // 4 > 3
  assert.equal([100, 110].flatMap((t) => e.process(ev(t, 'failure'))).length, 0); // window of 4 closed: no
  const out = e.flush(); // window with 2 events
  assert.equal(out.length, 1);
  assert.equal(out[0]!.reason.correlation!.count, 2);
});

test('group memory is capped with counted eviction, and groups expire by timespan', () => {
  const e = engineFor(corr('  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {gte: 5}'), { limits: { maxGroups: 100 } });
  for (let i = 0; i < 1000; i++) e.process(ev(i / 100, 'failure', { source: { ip: `10.0.${i >> 8}.${i & 255}` } }));
  const s = e.stats().correlation;
  assert.ok(s.groups <= 100);
  assert.equal(s.evictedGroups + s.expiredGroups + s.groups, 1000);
  assert.ok(s.evictedGroups >= 900);
  for (let i = 0; i < 128; i++) e.process(ev(10_000 + i, 'failure', { source: { ip: '192.0.2.1' } }));
  assert.ok(e.stats().correlation.expiredGroups > 0);
});

test('without group-by every matching event falls into one group', () => {
  const e = engineFor(corr('  type: event_count\n  rules: [failed_login]\n  timespan: 1m\n  condition: {gte: 2}'));
  assert.equal(e.process(ev(1, 'failure', { source: { ip: '1.1.1.1' } })).length, 0);
  const out = e.process(ev(2, 'failure', { source: { ip: '2.2.2.2' } }));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.groupKey, '');
});

test('value_count spills past the inline values and keeps counting distinct ones', () => {
  const e = engineFor(corr('  type: value_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {field: user.name, gte: 7}'));
  // Repeats of inline values must not count twice, before or after the group outgrows its inline slots.
  const users = ['a', 'b', 'a', 'c', 'd', 'b', 'e', 'f', 'e', 'g'];
  const fired = users.flatMap((u, i) => e.process(ev(i, 'failure', { user: { name: u } })));
  assert.equal(fired.length, 1);
  assert.equal(fired[0]!.reason.correlation!.distinct, 7);
  assert.deepEqual(fired[0]!.eventIds, users.map((_, i) => `e${i}`));
});

test('bad correlations are refused with their reason', () => {
  assert.match(refusalOf(corr('  type: event_count\n  rules: [nope]\n  group-by: [a]\n  timespan: 1m\n  condition: {gte: 1}'))!, /unknown rule 'nope'/);
  assert.match(refusalOf(corr('  type: value_count\n  rules: [failed_login]\n  group-by: [a]\n  timespan: 1m\n  condition: {gte: 1}'))!, /requires 'field'/);
  assert.match(refusalOf(corr('  type: event_count\n  rules: [failed_login]\n  group-by: [a]\n  timespan: 1w\n  condition: {gte: 1}'))!, /timespan/);
  assert.match(refusalOf(corr('  type: value_percentile\n  rules: [failed_login]\n  group-by: [a]\n  timespan: 1m\n  condition: {field: x, gte: 1}'))!, /value_percentile/);
});
