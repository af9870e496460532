import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMessage, InvalidMessageError, signMessage } from '../src/message.js';
import { schemas } from '../src/schemas.js';
import { incidentBundle } from '../src/stix.js';
import { period, summaryBody, tempDir, testCa, testUnit } from './helpers.js';

const dir = tempDir();
const unit = testUnit(testCa(dir), dir, 'county-a', '甲县应急管理局');
const incident = { id: 'inc-1', title: 'SSH brute force', ruleId: 'ssh-bf', entity: 'source.ip=203.0.113.9', severity: 'high', status: 'new', createdAt: '2026-11-29T01:00:00Z', updatedAt: '2026-11-29T01:00:00Z', firstSeen: '2026-11-29T00:59:00Z', lastSeen: '2026-11-29T01:00:00Z', alertCount: 3 };

test('well-formed summary, incident and records messages validate', () => {
  const s = schemas();
  assert.deepEqual(s.message(buildMessage(unit, 'emsoc.uplink.summary.v1', 1, period(), summaryBody())), []);
  assert.deepEqual(s.message(buildMessage(unit, 'emsoc.uplink.incident.v1', 2, period(), { incidentId: 'inc-1', status: 'new', severity: 'high', trigger: 'severity', bundle: incidentBundle({ id: unit.unitId, name: unit.unitName }, incident) })), []);
  assert.deepEqual(s.message(buildMessage(unit, 'emsoc.uplink.records.v1', 3, period(), { selection: 'x', dataset: 'flows', filter: 'destination.port:445', records: [{ '@timestamp': '2026-11-29T00:00:00Z', source: { ip: '10.0.0.1' } }], dropped: 0 })), []);
});

test('missing, extra and mistyped fields are refused with a path; unknown schemas and versions too', () => {
  const s = schemas();
  const m = buildMessage(unit, 'emsoc.uplink.summary.v1', 1, period(), summaryBody()) as any;
  assert.match(JSON.stringify(s.message({ ...m, seq: 0 })), /\/seq/);
  assert.match(JSON.stringify(s.message({ ...m, id: 'not-a-uuid' })), /\/id/);
  assert.match(JSON.stringify(s.message({ ...m, extra: 1 })), /unevaluated/);
  const noFlows = structuredClone(m);
  delete noFlows.body.flows;
  assert.match(JSON.stringify(s.message(noFlows)), /flows/);
  const badHealth = structuredClone(m);
  badHealth.body.health.store.status = 'purple';
  assert.notDeepEqual(s.message(badHealth), []);
  assert.match(JSON.stringify(s.message({ ...m, schema: 'emsoc.uplink.summary.v9' })), /unknown message schema/);
  assert.match(JSON.stringify(s.message(null)), /unknown message schema/);
  const noIncident = buildMessage(unit, 'emsoc.uplink.incident.v1', 2, period(), { incidentId: 'inc-1', status: 'new', severity: 'high', trigger: 'severity', bundle: { type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000000', objects: [{ type: 'identity', id: 'identity--00000000-0000-4000-8000-000000000000', spec_version: '2.1' }] } });
  assert.notDeepEqual(s.message(noIncident), [], 'an incident report without an incident object is refused');
});

test('the sender never signs an invalid message', () => {
  const m = buildMessage(unit, 'emsoc.uplink.summary.v1', 1, period(), { schedule: '5m' });
  assert.throws(() => signMessage(m, unit), InvalidMessageError);
});

test('envelope shape: one signed message or a batch of them', () => {
  const s = schemas();
  const signed = signMessage(buildMessage(unit, 'emsoc.uplink.summary.v1', 1, period(), summaryBody()), unit);
  assert.deepEqual(s.envelope(signed), []);
  assert.deepEqual(s.envelope({ reports: [signed, signed] }), []);
  assert.notDeepEqual(s.envelope({ message: signed.message }), []);
  assert.notDeepEqual(s.envelope({ reports: [] }), []);
  assert.notDeepEqual(s.envelope({ ...signed, signature: 'not a jws' }), []);
});
