import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFlowPacket, recordBytes, TemplateCache, toEcs } from '../../src/sources/netflow/index.js';
import {
  concat, FLOW_SPECS, flowRecord, ipfixMessage, ipfixOptionsTemplate, ipfixTemplate, set, v9OptionsTemplate, v9Packet,
  v9Template, Writer,
} from './build.js';

const exporter = { address: '198.51.100.7', port: 4739 };
const at = new Date('2024-05-01T00:00:00Z');

test('IPFIX: template then data decodes the common elements', () => {
  const cache = new TemplateCache();
  const pkt = ipfixMessage([set(2, ipfixTemplate(300, FLOW_SPECS)), set(300, concat(flowRecord(1), flowRecord(2)))], { sequence: 42, domain: 7 });
  const r = decodeFlowPacket(pkt, exporter, at, cache);
  assert.deepEqual(r.errors, []);
  assert.equal(r.templatesLearned, 1);
  assert.equal(r.records.length, 2);
  const f = r.records[0]!;
  assert.equal(f.srcAddr, '10.0.0.1');
  assert.equal(f.dstAddr, '192.0.2.10');
  assert.equal(f.srcPort, 40001);
  assert.equal(f.dstPort, 443);
  assert.equal(f.protocol, 6);
  assert.equal(f.tcpFlags, 0x12);
  assert.equal(f.bytes, 1501);
  assert.equal(f.packets, 4);
  assert.equal(f.startMs, 1_700_000_000_001);
  assert.equal(f.endMs, 1_700_000_000_251);
  assert.equal(f.inputInterface, 3);
  assert.equal(f.outputInterface, 7);
  assert.equal(f.direction, 'egress');
  assert.equal(f.observationDomain, 7);
  assert.equal(f.sequence, 42);
  assert.deepEqual(recordBytes(f), flowRecord(1));
  assert.equal(r.records[1]!.direction, 'ingress');
});

test('IPFIX: variable-length fields (short and 255 long form), enterprise fields kept raw, reduced-size counters', () => {
  const cache = new TemplateCache();
  const tpl = ipfixTemplate(400, [[8, 4], [96, 0xffff], [1, 3], [7, 0xffff, 9], [82, 0xffff]]);
  const longName = 'x'.repeat(300);
  const rec = new Writer().ipv4('203.0.113.5')
    .u8(4).bytes(Buffer.from('http'))
    .u8(0).u16(0x1234) // 3-octet octetDeltaCount = 0x001234
    .u8(2).u16(0xbeef) // enterprise element, 2 octets
    .u8(255).u16(longName.length).bytes(Buffer.from(longName))
    .done();
  const r = decodeFlowPacket(ipfixMessage([set(2, tpl), set(400, rec)]), exporter, at, cache);
  assert.deepEqual(r.errors, []);
  assert.equal(r.records.length, 1);
  const f = r.records[0]!;
  assert.equal(f.srcAddr, '203.0.113.5');
  assert.equal(f.bytes, 0x1234);
  assert.equal(f.extras?.applicationName, 'http');
  assert.equal(f.extras?.interfaceName, longName);
  assert.equal(f.extras?.['e9.ie7'], 'beef');
});

test('IPFIX: a variable-length field running past its set is an error, not an overread', () => {
  const cache = new TemplateCache();
  const tpl = ipfixTemplate(401, [[96, 0xffff]]);
  const r = decodeFlowPacket(ipfixMessage([set(2, tpl), set(401, new Writer().u8(200).bytes([1, 2, 3]).done())]), exporter, at, cache);
  assert.equal(r.records.length, 0);
  assert.equal(r.errors[0]?.code, 'bad-record');
});

test('IPFIX: template withdrawal (single and all) and re-learning', () => {
  const cache = new TemplateCache();
  const learn = ipfixMessage([set(2, concat(ipfixTemplate(300, FLOW_SPECS), ipfixTemplate(301, FLOW_SPECS)))]);
  const data = ipfixMessage([set(300, flowRecord(1)), set(301, flowRecord(2))]);
  decodeFlowPacket(learn, exporter, at, cache);
  assert.equal(decodeFlowPacket(data, exporter, at, cache).records.length, 2);

  decodeFlowPacket(ipfixMessage([set(2, new Writer().u16(300).u16(0).done())]), exporter, at, cache);
  let r = decodeFlowPacket(data, exporter, at, cache);
  assert.equal(r.records.length, 1);
  assert.equal(r.errors[0]?.code, 'missing-template');

  decodeFlowPacket(ipfixMessage([set(2, new Writer().u16(2).u16(0).done())]), exporter, at, cache);
  r = decodeFlowPacket(data, exporter, at, cache);
  assert.equal(r.records.length, 0);
  assert.equal(cache.stats.withdrawals, 2);

  decodeFlowPacket(learn, exporter, at, cache);
  assert.equal(decodeFlowPacket(data, exporter, at, cache).records.length, 2);
});

test('templates expire after the TTL and are learned again', () => {
  const cache = new TemplateCache({ ttlMs: 60_000, maxPendingSets: 0 });
  const t0 = new Date('2024-05-01T00:00:00Z');
  decodeFlowPacket(ipfixMessage([set(2, ipfixTemplate(300, FLOW_SPECS))]), exporter, t0, cache);
  const data = ipfixMessage([set(300, flowRecord(1))]);
  assert.equal(decodeFlowPacket(data, exporter, new Date(t0.getTime() + 59_000), cache).records.length, 1);
  const late = decodeFlowPacket(data, exporter, new Date(t0.getTime() + 61_000), cache);
  assert.equal(late.records.length, 0);
  assert.equal(cache.stats.expirations, 1);
  decodeFlowPacket(ipfixMessage([set(2, ipfixTemplate(300, FLOW_SPECS))]), exporter, new Date(t0.getTime() + 62_000), cache);
  assert.equal(decodeFlowPacket(data, exporter, new Date(t0.getTime() + 63_000), cache).records.length, 1);
});

test('templates are scoped per exporter and observation domain', () => {
  const cache = new TemplateCache();
  decodeFlowPacket(ipfixMessage([set(2, ipfixTemplate(300, FLOW_SPECS))], { domain: 1 }), exporter, at, cache);
  const other = decodeFlowPacket(ipfixMessage([set(300, flowRecord(1))], { domain: 2 }), exporter, at, cache);
  assert.equal(other.records.length, 0);
  const otherHost = decodeFlowPacket(ipfixMessage([set(300, flowRecord(1))], { domain: 1 }), { address: '198.51.100.8', port: 4739 }, at, cache);
  assert.equal(otherHost.records.length, 0);
  assert.equal(decodeFlowPacket(ipfixMessage([set(300, flowRecord(1))], { domain: 1 }), exporter, at, cache).records.length, 1);
});

test('data before its template is counted, buffered (bounded) and decoded once the template arrives', () => {
  const cache = new TemplateCache({ maxPendingSets: 2 });
  for (let i = 0; i < 3; i++) {
    const r = decodeFlowPacket(ipfixMessage([set(300, flowRecord(i))], { sequence: i }), exporter, at, cache);
    assert.equal(r.errors[0]?.code, 'missing-template');
  }
  assert.equal(cache.stats.missingTemplate, 3);
  assert.equal(cache.stats.pendingDropped, 1);
  assert.equal(cache.pendingCount, 2);
  const r = decodeFlowPacket(ipfixMessage([set(2, ipfixTemplate(300, FLOW_SPECS))]), exporter, at, cache);
  assert.deepEqual(r.records.map((x) => x.sequence), [1, 2]);
  assert.equal(r.records[0]!.srcAddr, '10.0.0.1');
  assert.equal(cache.pendingCount, 0);
});

test('buffered data sets expire', () => {
  const cache = new TemplateCache({ pendingTtlMs: 1000 });
  decodeFlowPacket(ipfixMessage([set(300, flowRecord(1))]), exporter, at, cache);
  const r = decodeFlowPacket(ipfixMessage([set(2, ipfixTemplate(300, FLOW_SPECS))]), exporter, new Date(at.getTime() + 5000), cache);
  assert.equal(r.records.length, 0);
  assert.equal(cache.stats.pendingExpired, 1);
});

test('template bomb: thousands of templates keep the cache bounded, evictions counted, no hang', () => {
  const cache = new TemplateCache({ maxTemplates: 100 });
  const tpls: Uint8Array[] = [];
  for (let id = 256; id < 256 + 5000; id++) tpls.push(ipfixTemplate(id, [[8, 4]]));
  // Split over messages that fit the 16-bit length.
  const started = performance.now();
  for (let i = 0; i < tpls.length; i += 1000) decodeFlowPacket(ipfixMessage([set(2, concat(...tpls.slice(i, i + 1000)))]), exporter, at, cache);
  assert.ok(performance.now() - started < 2000);
  assert.equal(cache.size, 100);
  assert.equal(cache.stats.evictions, 4900);
});

test('field bombs and zero-length templates are rejected', () => {
  const cache = new TemplateCache({ maxFieldsPerTemplate: 64 });
  const many: [number, number][] = Array.from({ length: 3000 }, () => [1, 1]);
  let r = decodeFlowPacket(ipfixMessage([set(2, ipfixTemplate(300, many))]), exporter, at, cache);
  assert.equal(r.errors[0]?.code, 'template-limit');
  assert.equal(cache.size, 0);
  r = decodeFlowPacket(ipfixMessage([set(2, ipfixTemplate(301, [[1, 0], [2, 0]]))]), exporter, at, cache);
  assert.equal(r.errors[0]?.code, 'bad-template');
  // A zero-length template must never turn a data set into an endless loop.
  r = decodeFlowPacket(ipfixMessage([set(301, new Uint8Array(1000))]), exporter, at, cache);
  assert.equal(r.records.length, 0);
});

test('malformed lengths are reported, never thrown', () => {
  const cache = new TemplateCache();
  const good = ipfixMessage([set(2, ipfixTemplate(300, FLOW_SPECS))]);
  const badSet = Uint8Array.from(good);
  badSet[18] = 0xff; // set length high byte
  assert.equal(decodeFlowPacket(badSet, exporter, at, cache).errors[0]?.code, 'bad-length');
  const shortMsg = Uint8Array.from(good);
  shortMsg[2] = 0;
  shortMsg[3] = 4;
  assert.equal(decodeFlowPacket(shortMsg, exporter, at, cache).errors[0]?.code, 'bad-length');
  assert.equal(decodeFlowPacket(good.subarray(0, 10), exporter, at, cache).errors[0]?.code, 'truncated');
  assert.equal(decodeFlowPacket(new Uint8Array([0, 7, 0, 0]), exporter, at, cache).errors[0]?.code, 'unsupported-version');
  assert.equal(decodeFlowPacket(new Uint8Array(0), exporter, at, cache).errors[0]?.code, 'truncated');
});

test('NetFlow v9: sysUptime-relative times, options record sampling applied to data', () => {
  const cache = new TemplateCache();
  const tpl = v9Template(260, [[8, 4], [12, 4], [1, 4], [2, 4], [22, 4], [21, 4], [48, 1]]);
  const opt = v9OptionsTemplate(261, [[1, 4]], [[48, 1], [34, 4]]);
  const optData = new Writer().u32(0).u8(5).u32(100).done();
  const data = new Writer().ipv4('10.1.1.1').ipv4('10.2.2.2').u32(1000).u32(10).u32(40_000).u32(90_000).u8(5).done();
  const pkt = v9Packet([set(0, tpl), set(1, opt, 1), set(261, optData, 3), set(260, data)], { sysUptime: 100_000, exportSecs: 1_700_000_000 });
  const r = decodeFlowPacket(pkt, exporter, at, cache);
  assert.deepEqual(r.errors, []);
  assert.equal(r.options.length, 1);
  assert.equal(r.options[0]!.values.samplingInterval, 100);
  assert.equal(r.options[0]!.values['scope.system'], 0);
  const f = r.records[0]!;
  // boot = export - uptime = 1_700_000_000_000 - 100_000
  assert.equal(f.startMs, 1_700_000_000_000 - 100_000 + 40_000);
  assert.equal(f.endMs, 1_700_000_000_000 - 100_000 + 90_000);
  assert.equal(f.samplerId, 5);
  assert.equal(f.samplingInterval, 100);
});

test('IPFIX options template (scope) with absolute NTP microsecond times in data', () => {
  const cache = new TemplateCache();
  const opt = ipfixOptionsTemplate(500, [[149, 4]], [[160, 8]]);
  const tpl = ipfixTemplate(501, [[27, 16], [28, 16], [154, 8], [155, 8], [22, 4]]);
  const ntpSecs = 1_700_000_000 + 2_208_988_800;
  const v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const data = new Writer().bytes(v6).bytes([0xfe, 0x80, ...new Array(13).fill(0), 2]).u32(ntpSecs).u32(0x80000000).u32(ntpSecs + 1).u32(0)
    .u32(5000).done();
  const r = decodeFlowPacket(ipfixMessage([
    set(3, opt, 2), set(500, new Writer().u32(0).u64(1_600_000_000_000).done()), set(2, tpl), set(501, data),
  ]), exporter, at, cache);
  assert.deepEqual(r.errors, []);
  const f = r.records[0]!;
  assert.equal(f.srcAddr, '2001:db8::1');
  assert.equal(f.dstAddr, 'fe80::2');
  // flowStartMicroseconds wins over the sysUpTime element (which stays available, resolved, in extras).
  assert.equal(f.startMs, 1_700_000_000_500);
  assert.equal(f.endMs, 1_700_000_001_000);
  assert.equal(r.options[0]!.values.systemInitTimeMilliseconds, new Date(1_600_000_000_000).toISOString());
});

test('NetFlow v5 header and records', () => {
  const w = new Writer().u16(5).u16(1).u32(10_000).u32(1_700_000_000).u32(500_000_000).u32(77).u8(1).u8(2).u16(0x4000 | 64);
  w.ipv4('10.0.0.1').ipv4('10.0.0.2').ipv4('10.0.0.254').u16(1).u16(2).u32(5).u32(700).u32(4000).u32(9000)
    .u16(1234).u16(80).u8(0).u8(0x18).u8(6).u8(0).u16(64512).u16(64513).u8(24).u8(16).u16(0);
  const r = decodeFlowPacket(w.done(), exporter, at, new TemplateCache());
  assert.deepEqual(r.errors, []);
  const f = r.records[0]!;
  assert.equal(f.exportMs, 1_700_000_000_500);
  assert.equal(f.startMs, 1_700_000_000_500 - 10_000 + 4000);
  assert.equal(f.endMs, 1_700_000_000_500 - 10_000 + 9000);
  assert.equal(f.samplingInterval, 64);
  assert.equal(f.observationDomain, (1 << 8) | 2);
  assert.deepEqual([f.srcAs, f.dstAs, f.srcMask, f.dstMask, f.nextHop], [64512, 64513, 24, 16, '10.0.0.254']);
});

test('out-of-range time values are kept as numbers, not thrown on (fuzz regression)', () => {
  const cache = new TemplateCache();
  const opt = ipfixOptionsTemplate(500, [[149, 4]], [[160, 8]]);
  const tpl = ipfixTemplate(501, [[8, 4], [152, 8], [322, 8]]);
  const big = new Writer().u32(0xffffffff).u32(0xffffffff).done();
  const r = decodeFlowPacket(ipfixMessage([
    set(3, opt, 2), set(500, concat(new Writer().u32(0).done(), big)),
    set(2, tpl), set(501, concat(new Writer().ipv4('10.0.0.1').done(), big, big)),
  ]), exporter, at, cache);
  assert.deepEqual(r.errors, []);
  assert.equal(typeof r.options[0]!.values.systemInitTimeMilliseconds, 'number');
  assert.equal(typeof r.records[0]!.extras?.observationTimeSeconds, 'number');
  assert.equal(typeof toEcs(r.records[0]!)['@timestamp'], 'string');
});
