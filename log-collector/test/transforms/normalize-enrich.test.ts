import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createEnrichment, emptyIocSet, eventId, IpPrefixTable, loadAssetInventory, loadEnrichment, loadIocText, processSyslog } from '../../src/transforms/index.js';

const policies = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'policies');
const ctx = { receivedAt: Date.parse('2026-11-29T10:00:00.250Z'), sourceAddress: '10.99.10.1' };

test('event.id is deterministic over (sender, time key, raw) and sensitive to each', () => {
  const line = 'Nov 29 09:00:02 bastion sshd[812]: Failed password for root from 192.0.2.66 port 4022 ssh2';
  const a = processSyslog(line, ctx);
  const b = processSyslog(line, { ...ctx, receivedAt: ctx.receivedAt + 3_600_000 });
  assert.equal(a.event.id, b.event.id, 'own timestamp: replay later gives same id');
  assert.notEqual(a.event.id, processSyslog(line, { ...ctx, sourceAddress: '10.99.10.2' }).event.id);
  assert.notEqual(a.event.id, processSyslog(line + ' ', ctx).event.id);
  const noTs = 'sshd[1]: Connection closed by 192.0.2.1';
  const c1 = processSyslog(noTs, ctx);
  assert.equal(c1.event.id, processSyslog(noTs, { ...ctx, receivedAt: ctx.receivedAt + 500 }).event.id, 'same receive second');
  assert.notEqual(c1.event.id, processSyslog(noTs, { ...ctx, receivedAt: ctx.receivedAt + 1000 }).event.id);
  assert.equal(eventId(c1), c1.event.id);
});

test('longest-prefix CIDR table for IPv4 and IPv6', () => {
  const t = new IpPrefixTable<string>();
  t.insert('10.0.0.0/8', 'a');
  t.insert('10.99.0.0/16', 'b');
  t.insert('10.99.10.16/29', 'c');
  t.insert('2001:db8::/32', 'v6');
  t.insert('2001:db8:99::/48', 'v6b');
  t.insert('0.0.0.0/0', 'any');
  assert.equal(t.lookup('10.99.10.17'), 'c');
  assert.equal(t.lookup('10.99.10.24'), 'b');
  assert.equal(t.lookup('10.1.1.1'), 'a');
  assert.equal(t.lookup('8.8.8.8'), 'any');
  assert.equal(t.lookup('2001:db8:99:1::5'), 'v6b');
  assert.equal(t.lookup('2001:db8:1::5'), 'v6');
  assert.equal(t.lookup('2001:db9::1'), undefined);
  assert.equal(t.lookup('not-an-ip'), 'any' === t.lookup('nope') ? 'any' : undefined);
});

test('policies/assets.yaml + IOC lists enrich source/destination and flag matches', async () => {
  const enr = await loadEnrichment(policies);
  assert.deepEqual(enr.warnings, []);
  const ev = processSyslog('<38>Nov 29 09:00:01 bastion sshd[811]: Failed password for root from 192.0.2.66 port 52144 ssh2', ctx, enr);
  assert.ok(ev.tags.includes('ioc_match'));
  assert.equal(ev.threat.indicator.ip, '192.0.2.66');
  assert.equal(ev.threat.enrichments[0].matched.field, 'source.ip');
  const fw = processSyslog('Nov 29 10:00:00 fw kernel: DROP IN=eth0 OUT= SRC=203.0.113.200 DST=10.99.10.17 LEN=60 PROTO=TCP SPT=5 DPT=443', ctx, enr);
  assert.equal(fw.destination.asset.org_unit, 'prov-demo');
  assert.equal(fw.destination.asset.criticality, 'critical');
  assert.deepEqual(fw.destination.asset.org_path, ['mem', 'prov-demo']);
  assert.equal(fw.threat.indicator.ip, '203.0.113.128/25');
  const county = processSyslog('Nov 29 10:00:00 fw kernel: ACCEPT IN=eth0 OUT= SRC=10.99.86.4 DST=10.99.70.1 LEN=60 PROTO=UDP SPT=5 DPT=53', ctx, enr);
  assert.deepEqual(county.source.asset.org_path, ['mem', 'prov-demo', 'city-demo-hq', 'county-demo-lake']);
  assert.equal(county.source.asset.org_level, 'county');
  assert.equal(county.tags, undefined);
});

test('domain and hash IOCs, parent-domain matching, bad lines reported', () => {
  const iocs = emptyIocSet();
  loadIocText(iocs, 'evil.example # c2\n44d88612fea8a8f36de82e1278abb02f\nnot an indicator!\n', 'unit');
  assert.equal(iocs.count, 2);
  assert.equal(iocs.warnings.length, 1);
  const enr = createEnrichment(loadAssetInventory('assets: []'), iocs);
  const ev = enr.enrich({ destination: { domain: 'cdn.evil.example' }, file: { hash: { md5: '44D88612FEA8A8F36DE82E1278ABB02F' } } });
  assert.deepEqual(ev.threat.enrichments.map((e: { matched: { field: string } }) => e.matched.field), ['destination.domain', 'file.hash.md5']);
});
