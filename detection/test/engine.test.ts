import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, groupIntoIncidents, parseRuleText } from '../src/index.js';
import { ecsPipelines, engineFor } from './helpers.js';

const at = (s: number): string => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();

test('logsource is matched through the pipeline and fields are mapped to ECS', () => {
  const e = engineFor(
    `title: web
id: w1
logsource: {category: webserver}
detection:
  sel:
    cs-uri-query|contains: '../'
  condition: sel`,
    { pipelines: ecsPipelines },
  );
  assert.equal(e.process({ event: { category: ['web'] }, url: { query: 'f=../../etc/passwd' } }).length, 1);
  // Same field content but not a web event: the logsource condition excludes it.
  assert.equal(e.process({ event: { category: ['network'] }, url: { query: 'f=../../etc/passwd' } }).length, 0);
  // Indexed by the literal the rule needs: an event without '../' in url.query is not even evaluated.
  assert.equal(e.stats().rules.indexedByLiteral, 1);
  const before = e.stats().ruleEvaluations;
  e.process({ event: { category: ['web'] }, url: { query: 'page=2' } });
  assert.equal(e.stats().ruleEvaluations, before);
});

test('the index only evaluates rules that can match', () => {
  const rules = Array.from({ length: 50 }, (_, i) => `title: r${i}\nid: id${i}\nlogsource: {product: emsoc, service: ra}\ndetection:\n  sel:\n    event.action: action${i}\n  condition: sel`).join('\n---\n');
  const e = engineFor(rules, { pipelines: ecsPipelines });
  const out = e.process({ event: { dataset: 'ra.audit', action: 'action7' } });
  assert.deepEqual(out.map((a) => a.rule.id), ['id7']);
  assert.equal(e.stats().ruleEvaluations, 1);
  e.process({ event: { dataset: 'system.auth', action: 'x' } });
  assert.equal(e.stats().ruleEvaluations, 1);
});

test('bad events are counted, never thrown', () => {
  const e = engineFor(`title: t\nid: x\nlogsource: {product: test}\ndetection:\n  k:\n    - boom\n  condition: k`);
  for (const bad of [null, 42, 'str', [], { a: { b: { c: [1, [2, [3]]] } } }] as unknown[]) assert.deepEqual(e.process(bad as never), []);
  assert.equal(e.stats().badEvents, 4);
  const cyclic: Record<string, unknown> = { message: 'x' };
  cyclic.self = cyclic;
  assert.deepEqual(e.process(cyclic), []);
});

const suppressed = `title: sudo
id: s1
logsource: {product: test}
suppression: {timespan: 10m, group-by: [user.name]}
deduplication: {timespan: 1h}
detection:
  sel:
    process.name: sudo
  condition: sel`;

test('suppression per rule and entity, deduplication of re-delivered events', () => {
  const e = engineFor(suppressed);
  const ev = (t: number, user: string, id: string) => ({ '@timestamp': at(t), process: { name: 'sudo' }, user: { name: user }, event: { id } });
  assert.equal(e.process(ev(0, 'alice', 'a')).length, 1);
  assert.equal(e.process(ev(60, 'alice', 'b')).length, 0); // suppressed
  assert.equal(e.process(ev(61, 'bob', 'c')).length, 1);
  assert.equal(e.process(ev(700, 'alice', 'd')).length, 1); // window over
  assert.equal(e.process(ev(701, 'bob', 'c')).length, 0); // same event id again
  const s = e.stats();
  assert.equal(s.suppressed, 1);
  assert.equal(s.deduplicated, 1);
});

const counting = `title: base
id: b1
name: base
logsource: {product: test}
detection:
  sel:
    k: v
  condition: sel
---
title: three
id: c3
correlation:
  type: event_count
  rules: [base]
  group-by: [g]
  timespan: 1h
  condition: {gte: 3}`;

test('hot reload keeps the state of unchanged rules and resets changed ones', () => {
  const parse = (t: string) => parseRuleText(t, 'x.yml').rules;
  const e = createEngine({ rules: parse(counting) });
  const ev = (t: number) => ({ '@timestamp': at(t), k: 'v', g: 'one' });
  e.process(ev(1));
  e.process(ev(2));
  const extra = `\n---\ntitle: other\nid: o1\nlogsource: {product: test}\ndetection:\n  sel:\n    other: 1\n  condition: sel`;
  const r = e.reload(parse(counting + extra));
  assert.deepEqual(r.added, ['o1']);
  assert.deepEqual(r.kept.sort(), ['b1', 'c3']);
  assert.equal(e.process(ev(3)).length, 1, 'count continued across the reload');
  e.process(ev(4));
  e.process(ev(5));
  const r2 = e.reload(parse(counting.replace('gte: 3', 'gte: 4')));
  assert.deepEqual(r2.changed, ['c3']);
  assert.deepEqual(r2.removed, ['o1']);
  assert.equal(e.process(ev(6)).length, 0, 'changed rule starts empty');
  assert.equal(e.stats().reloads, 2);
});

test('statusLookup hook via the certstatus modifier', () => {
  const statuses: Record<string, string> = { '0a1b': 'revoked', ff00: 'good' };
  const e = engineFor(
    `title: revoked cert
id: cert1
logsource: {product: test}
detection:
  sel:
    tls.client.x509.serial_number|certstatus: [revoked, suspended, expired]
  condition: sel`,
    { statusLookup: (q) => (q.serial ? statuses[q.serial.toLowerCase()] : undefined) },
  );
  assert.equal(e.process({ tls: { client: { x509: { serial_number: '0A1B' } } } }).length, 1);
  assert.equal(e.process({ tls: { client: { x509: { serial_number: 'ff00' } } } }).length, 0);
  assert.equal(e.process({ tls: { client: { x509: { serial_number: 'dead' } } } }).length, 0);
  const noHook = engineFor(`title: t\nid: c\nlogsource: {product: test}\ndetection:\n  sel:\n    f|certstatus: revoked\n  condition: sel`);
  assert.equal(noHook.process({ f: '0a1b' }).length, 0);
});

test('backtest mode marks alerts and alert ids are deterministic', () => {
  const rules = parseRuleText(suppressed, 'x.yml').rules;
  const ev = { '@timestamp': at(5), process: { name: 'sudo' }, user: { name: 'alice' }, event: { id: 'z' } };
  const a1 = createEngine({ rules, mode: 'backtest' }).process(ev)[0]!;
  const a2 = createEngine({ rules, mode: 'backtest' }).process(ev)[0]!;
  assert.equal(a1.backtest, true);
  assert.equal(a1.id, a2.id);
  assert.equal(a1.entity, 'user.name=alice');
  assert.equal(a1.rule.version.length, 16);
});

test('incidents group alerts by rule and entity within a window', () => {
  const e = engineFor(`title: t\nid: i1\nlevel: low\ntags: [attack.t1078, attack.initial_access]\nlogsource: {product: test}\ndetection:\n  sel:\n    k: v\n  condition: sel`);
  const alerts = [0, 60, 120, 99_999].flatMap((t, i) => e.process({ '@timestamp': at(t), k: 'v', user: { name: i === 1 ? 'bob' : 'alice' }, event: { id: `e${i}` } }));
  const inc = groupIntoIncidents(alerts, { windowMs: 3_600_000 });
  assert.equal(inc.length, 3);
  const alice = inc.find((x) => x.entity === 'user.name=alice')!;
  assert.deepEqual(alice.eventIds, ['e0', 'e2']);
  assert.deepEqual(alice.techniques, ['T1078']);
  assert.deepEqual(alice.tactics, ['initial_access']);
});
