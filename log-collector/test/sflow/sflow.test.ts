import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { sharedDataDir } from '@emsoc/common/paths';
import { readPcapUdp } from '../../src/replay/pcap.js';
import { toEcs } from '../../src/sources/netflow/index.js';
import { decodeSflowPacket } from '../../src/sources/sflow/index.js';
import { Writer } from '../netflow/build.js';

const dir = path.join(sharedDataDir, 'netflow', 'akvorado', 'sflow');
const at = new Date('2024-05-01T00:00:00Z');

function decodeFile(name: string) {
  const { datagrams } = readPcapUdp(readFileSync(path.join(dir, name)));
  return datagrams.map((d) => decodeSflowPacket(d.payload, { address: d.srcAddr, port: d.srcPort }, new Date(d.tsMs)));
}

test('akvorado sFlow captures decode without error', (t) => {
  if (!existsSync(dir)) {
    t.skip(`shared data not found at ${dir}`);
    return;
  }
  const expected: Record<string, number> = {
    'data-1140.pcap': 5, 'data-icmpv4.pcap': 1, 'data-icmpv6.pcap': 1, 'data-qinq.pcap': 1,
    'data-sflow-ipv4-data.pcap': 1, 'data-sflow-raw-ipv4.pcap': 2,
  };
  for (const [file, n] of Object.entries(expected)) {
    const results = decodeFile(file);
    assert.deepEqual(results.flatMap((r) => r.errors), [], file);
    assert.equal(results.reduce((s, r) => s + r.records.length, 0), n, file);
  }
});

test('sFlow raw packet headers: values akvorado expects for data-1140.pcap', (t) => {
  if (!existsSync(dir)) {
    t.skip(`shared data not found at ${dir}`);
    return;
  }
  const [r] = decodeFile('data-1140.pcap');
  const first = r!.records[0]!;
  assert.equal(first.samplingInterval, 1024);
  assert.equal(first.inputInterface, 27);
  assert.equal(first.outputInterface, 28);
  assert.equal(first.vlan, 100);
  assert.equal(first.extras?.dstVlan, 100);
  assert.equal(first.srcAddr, '2a0c:8880:2:0:185:21:130:38');
  assert.equal(first.dstAddr, '2a0c:8880:2:0:185:21:130:39');
  assert.equal(first.bytes, 1500);
  assert.equal(first.packets, 1);
  assert.equal(first.protocol, 6);
  assert.equal(first.srcPort, 46026);
  assert.equal(first.dstPort, 22);
  assert.equal(parseInt(first.srcMac!.replaceAll(':', ''), 16), 40057391053392);
  assert.equal(parseInt(first.dstMac!.replaceAll(':', ''), 16), 40057381862408);
  const second = r!.records[1]!;
  assert.deepEqual([second.srcAddr, second.dstAddr, second.srcAs, second.dstAs, second.nextHop, second.srcMask, second.dstMask],
    ['104.26.8.24', '45.90.161.46', 13335, 39421, '45.90.161.46', 20, 27]);
  const doc = toEcs(first);
  assert.equal((doc.event as Record<string, unknown>).dataset, 'sflow.flow');
  assert.deepEqual(doc.observer, { ip: '172.16.0.3' });
  assert.deepEqual((doc.network as Record<string, unknown>).vlan, { id: '100' });
});

test('sFlow QinQ: outer VLAN reported', (t) => {
  if (!existsSync(dir)) {
    t.skip(`shared data not found at ${dir}`);
    return;
  }
  const rec = decodeFile('data-qinq.pcap')[0]!.records[0]!;
  assert.deepEqual([rec.srcAddr, rec.dstAddr, rec.vlan, rec.dstPort], ['49.49.49.2', '49.49.49.109', 1062, 443]);
});

/** A datagram with one counter sample and one expanded flow sample carrying sampled IPv4 data. */
function synthetic(): Uint8Array {
  const counters = new Writer().u32(1).u32(3).u32(0).u32(0).u32(1).u32(4).u32(0xdeadbeef).done();
  const ipv4Data = new Writer().u32(3).u32(32).u32(600).u32(17).bytes([10, 9, 8, 7]).bytes([10, 9, 8, 6]).u32(5353).u32(53).u32(0).u32(0).done();
  const flow = new Writer().u32(9).u32(0).u32(12).u32(512).u32(1000).u32(0).u32(0).u32(12).u32(0).u32(13).u32(1).bytes(ipv4Data).done();
  return new Writer().u32(5).u32(1).bytes([192, 0, 2, 1]).u32(7).u32(99).u32(1000).u32(2)
    .u32(2).u32(counters.length).bytes(counters)
    .u32(3).u32(flow.length).bytes(flow)
    .done();
}

test('sFlow: counter samples skipped, expanded flow sample with sampled IPv4 data', () => {
  const r = decodeSflowPacket(synthetic(), { address: '192.0.2.1', port: 6343 }, at);
  assert.deepEqual(r.errors, []);
  assert.equal(r.counterSamples, 1);
  assert.equal(r.flowSamples, 1);
  const f = r.records[0]!;
  assert.deepEqual([f.srcAddr, f.dstAddr, f.srcPort, f.dstPort, f.protocol, f.bytes, f.samplingInterval, f.inputInterface, f.outputInterface, f.observationDomain, f.sequence],
    ['10.9.8.7', '10.9.8.6', 5353, 53, 17, 600, 512, 12, 13, 7, 99]);
});

test('sFlow: every truncation of a datagram is handled without throwing', () => {
  const full = synthetic();
  for (let n = 0; n < full.length; n++) {
    const r = decodeSflowPacket(full.subarray(0, n), { address: '192.0.2.1', port: 6343 }, at);
    assert.ok(r.records.length === 0 || n === full.length);
  }
  const huge = Uint8Array.from(full);
  huge.set([0x7f, 0xff, 0xff, 0xff], 24); // sample count
  assert.equal(decodeSflowPacket(huge, { address: '192.0.2.1', port: 6343 }, at).records.length, 1);
});
