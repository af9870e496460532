import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entityObservable, incidentBundle, uuidV5 } from '../src/stix.js';

const unit = { id: 'county-a', name: '甲县应急管理局' };
const inc = { id: 'inc-42', title: 'SSH brute force against 10.1.2.3', ruleId: 'ssh-bf', entity: 'source.ip=203.0.113.9', severity: 'critical', status: 'in_progress', createdAt: '2026-11-29T01:00:00Z', updatedAt: '2026-11-29T02:00:00Z', firstSeen: '2026-11-29T00:59:00Z', lastSeen: '2026-11-29T01:30:00Z', alertCount: 5, tactics: ['credential-access'], techniques: ['T1110', 'bogus'] };

test('UUIDv5 matches RFC 4122 (DNS namespace, "www.example.com")', () => {
  assert.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
});

test('STIX 2.1 bundle: identity, incident, indicator, observed-data, sighting, SCO, relationships; refs resolve', () => {
  const b = incidentBundle(unit, inc) as { type: string; id: string; objects: any[] };
  assert.equal(b.type, 'bundle');
  assert.match(b.id, /^bundle--[0-9a-f-]{36}$/);
  const byType = (t: string) => b.objects.filter((o) => o.type === t);
  for (const t of ['identity', 'incident', 'indicator', 'observed-data', 'sighting', 'ipv4-addr']) assert.equal(byType(t).length, 1, t);
  assert.equal(byType('relationship').length, 2);
  const ids = new Set(b.objects.map((o) => o.id));
  for (const o of b.objects) {
    assert.equal(o.spec_version, '2.1');
    assert.match(o.id, new RegExp(`^${o.type}--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`));
    for (const [k, v] of Object.entries(o)) {
      if (k.endsWith('_ref')) assert.ok(ids.has(v as string), `${o.type}.${k} resolves`);
      if (k.endsWith('_refs')) for (const r of v as string[]) assert.ok(ids.has(r), `${o.type}.${k} resolves`);
      if (['created', 'modified', 'valid_from', 'first_observed', 'last_observed', 'first_seen', 'last_seen'].includes(k)) assert.match(v as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      if (!['type', 'id', 'spec_version'].includes(k) && !/^[a-z0-9_]{3,250}$/.test(k)) assert.fail(`property name ${k}`);
    }
  }
  const [incident] = byType('incident');
  assert.equal(incident.x_emsoc_status, 'in_progress');
  assert.deepEqual(incident.external_references.map((r: any) => r.external_id), ['inc-42', 'T1110']);
  const [indicator] = byType('indicator');
  assert.equal(indicator.pattern, "[ipv4-addr:value = '203.0.113.9']");
  assert.equal(indicator.pattern_type, 'stix');
  const [sighting] = byType('sighting');
  assert.equal(sighting.sighting_of_ref, indicator.id);
  assert.deepEqual(sighting.where_sighted_refs, [byType('identity')[0].id]);
  assert.equal(sighting.count, 5);
  assert.equal(byType('identity')[0].identity_class, 'organization');
});

test('reports about the same incident reuse object ids (STIX versioning); another unit gets other ids', () => {
  const a = incidentBundle(unit, inc) as any;
  const b = incidentBundle(unit, { ...inc, status: 'resolved', updatedAt: '2026-11-29T03:00:00Z' }) as any;
  const ids = (x: any) => x.objects.map((o: any) => o.id).sort();
  assert.deepEqual(ids(a), ids(b));
  assert.notEqual(a.id, b.id, 'each bundle has its own id');
  const incB = b.objects.find((o: any) => o.type === 'incident');
  assert.equal(incB.modified, '2026-11-29T03:00:00.000Z');
  const c = incidentBundle({ id: 'county-b', name: 'B' }, inc) as any;
  assert.notDeepEqual(ids(a).filter((i: string) => i.startsWith('incident--')), ids(c).filter((i: string) => i.startsWith('incident--')));
});

test('entities without an IP become user accounts or names; quotes are escaped in patterns', () => {
  assert.equal(entityObservable('user.name=zhang').pattern, "[user-account:user_id = 'zhang']");
  assert.equal(entityObservable('2001:db8::1').sco.type, 'ipv6-addr');
  assert.equal(entityObservable("host o'brien").pattern, "[domain-name:value = 'host o\\'brien']");
});
