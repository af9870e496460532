import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openEventStore, type EventStore } from '@emsoc/event-store';
import { Outbox } from '../src/outbox.js';
import { uplinkPolicySchema } from '../src/policy.js';
import { Scheduler } from '../src/scheduler.js';
import { periodEnding, zoneOffsetMs } from '../src/summary.js';
import { schemas } from '../src/schemas.js';
import { silent, tempDir, testCa, testUnit } from './helpers.js';

const dir = tempDir();
const unit = testUnit(testCa(dir), dir, 'county-a');
let store: EventStore;
const T = Date.parse('2026-11-29T02:07:30Z');
const at = (offsetS: number) => new Date(T - 300_000 + offsetS * 1000).toISOString(); // inside the period 02:00-02:05

before(async () => {
  store = await openEventStore({ engine: 'sqlite', path: path.join(dir, 'events.db') });
  await store.bulk('events', [
    { id: 'e1', doc: { '@timestamp': at(10), event: { category: ['authentication'], dataset: 'system.auth', outcome: 'failure' }, observer: { type: 'syslog' } } },
    { id: 'e2', doc: { '@timestamp': at(20), event: { category: ['authentication'], dataset: 'system.auth' }, observer: { type: 'syslog' } } },
    { id: 'e3', doc: { '@timestamp': at(30), event: { dataset: 'ra.audit', action: 'certificate.issued' } } },
    { id: 'e4', doc: { '@timestamp': at(40), event: { dataset: 'ra.audit', action: 'certificate.revoked' } } },
    { id: 'e5', doc: { '@timestamp': at(-400), event: { dataset: 'system.auth' } } }, // previous period
  ]);
  await store.bulk('flows', [
    { id: 'f1', doc: { '@timestamp': at(5), source: { ip: '10.0.0.1', asset: { org_unit: 'county-a-office' } }, network: { bytes: 1000, packets: 10 } } },
    { id: 'f2', doc: { '@timestamp': at(6), source: { ip: '10.0.0.1', asset: { org_unit: 'county-a-office' } }, network: { bytes: 500, packets: 5 } } },
    { id: 'f3', doc: { '@timestamp': at(7), source: { ip: '10.0.0.2' }, network: { bytes: 4000, packets: 3 } } },
  ]);
  await store.bulk('alerts', [{ id: 'a1', doc: { '@timestamp': at(50), event: { kind: 'alert' }, rule: { id: 'ssh-bf' }, alert: { severity: 'high' } } }]);
  const inc = (id: string, status: string, extra: object) => ({ id, doc: { '@timestamp': at(60), incident: { id, status, severity: 'high', createdAt: at(60), ...extra } } });
  await store.bulk('incidents', [inc('i1', 'new', {}), inc('i2', 'resolved', { triagedAt: at(90), timeToTriageMs: 30_000, resolvedAt: at(120), timeToResolveMs: 60_000 }), inc('i3', 'in_progress', { triagedAt: at(100), timeToTriageMs: 40_000 })]);
});
after(() => store.close());

test('periods align to the platform time zone: 5-minute slots, daily at local midnight (Asia/Shanghai = UTC+8)', () => {
  assert.equal(zoneOffsetMs(T, 'Asia/Shanghai'), 8 * 3_600_000);
  assert.deepEqual(periodEnding(T, 300, 'Asia/Shanghai'), { from: new Date('2026-11-29T02:00:00Z'), to: new Date('2026-11-29T02:05:00Z') });
  assert.deepEqual(periodEnding(T, 86_400, 'Asia/Shanghai'), { from: new Date('2026-11-27T16:00:00Z'), to: new Date('2026-11-28T16:00:00Z') });
});

test('a summary is computed through the store contract, validated, queued once per period, and resumes after a restart', async () => {
  const ob = new Outbox(path.join(dir, 'outbox.db'));
  const policy = uplinkPolicySchema.parse({ summaries: [{ name: '5m', everySeconds: 300 }] });
  let now = T;
  const mk = () => new Scheduler({ store, outbox: ob, identity: unit, policy, timezone: 'Asia/Shanghai', logger: silent(), collectorHealth: async () => ({ status: 'green' }), now: () => now });
  assert.equal(await mk().runDue(), 1);
  assert.equal(await mk().runDue(), 0, 'the same period is never queued twice');
  const due = ob.due(10);
  assert.ok(due && 'batch' in due);
  const m = due.batch[0]!.envelope.message as any;
  assert.deepEqual(schemas().message(m), []);
  assert.deepEqual(m.period, { from: '2026-11-29T02:00:00.000Z', to: '2026-11-29T02:05:00.000Z' });
  const b = m.body;
  assert.equal(b.events.total, 4);
  assert.deepEqual(b.events.byCategory, [{ key: 'authentication', count: 2 }]);
  assert.deepEqual(b.events.bySourceType, [{ key: 'syslog', count: 2 }]);
  assert.equal(b.flows.flows, 3);
  assert.equal(b.flows.bytes, 5500);
  assert.equal(b.flows.packets, 18);
  assert.deepEqual(b.flows.topTalkers[0], { key: '10.0.0.2', bytes: 4000, packets: 3, flows: 1 });
  assert.deepEqual(b.flows.topTalkers[1], { key: '10.0.0.1', bytes: 1500, packets: 15, flows: 2 });
  assert.deepEqual(b.flows.topOrgUnits, [{ key: 'county-a-office', bytes: 1500, packets: 15, flows: 2 }]);
  assert.deepEqual(b.alerts, { total: 1, bySeverity: [{ key: 'high', count: 1 }], byRule: [{ key: 'ssh-bf', count: 1 }] });
  assert.deepEqual(b.incidents, { opened: 3, open: 2, inProgress: 1, resolved: 1, falsePositive: 0, meanTimeToTriageMs: 35_000, meanTimeToResolveMs: 60_000 });
  assert.deepEqual(b.certificates, { issued: 1, revoked: 1, suspended: 0, resumed: 0 });
  assert.equal(b.health.store.status, 'green');
  // 20 minutes later (e.g. after the service was down): the four missed periods follow, in order.
  now = T + 20 * 60_000;
  assert.equal(await mk().runDue(), 4);
  const all = ob.list({ limit: 10 }).reverse();
  assert.deepEqual(all.map((r) => r.periodTo), ['02:05', '02:10', '02:15', '02:20', '02:25'].map((t) => `2026-11-29T${t}:00.000Z`));
  ob.close();
});
