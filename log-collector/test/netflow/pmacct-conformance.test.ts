/**
 * Conformance with pmacct's router captures (shared data): nfacctd's expected JSON aggregates
 * flows by a key; we decode the same packets, aggregate our records by the subset of that key we
 * model, and require identical keys and packet/byte sums (renormalised by sampling where nfacctd was).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { sharedDataDir } from '@emsoc/common/paths';
import { readPcapUdp } from '../../src/replay/pcap.js';
import { decodeFlowPacket, TemplateCache, type FlowRecord } from '../../src/sources/netflow/index.js';

const dir = path.join(sharedDataDir, 'netflow', 'pmacct');

const PROTO: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 58: 'ipv6-icmp', 112: 'vrrp' };

interface Case {
  name: string;
  pcaps: string[];
  output: string;
  /** nfacctd_renormalize: multiply by the sampling interval the exporter announced. */
  renormalize: boolean;
  records: number;
}

const CASES: Case[] = [
  { name: '100-IPFIXv10-CISCO', pcaps: ['traffic-00.pcap'], output: 'output-flow-00.json', renormalize: false, records: 12 },
  { name: '101-NFv9-CISCO-cust_primitives', pcaps: ['traffic-00.pcap'], output: 'output-flow-00.json', renormalize: false, records: 51 },
  // output-00 uses a sampling map of rate 1 (output-01 applies a map rate the packets do not carry).
  { name: '102-NFv9-CISCO-f2rd-pretag-sampling-reload', pcaps: ['traffic-00.pcap'], output: 'output-flow-00.json', renormalize: false, records: 35 },
  { name: '104-IPFIXv10-IPv6-CISCO-sampling_option', pcaps: ['traffic-00.pcap'], output: 'output-flow-00.json', renormalize: true, records: 3 },
  { name: '110-IPFIXv10-NFv9-multiple-sources', pcaps: ['traffic-00.pcap', 'traffic-01.pcap', 'traffic-02.pcap'], output: 'output-flow-00.json', renormalize: false, records: 98 },
];

const KEYS = ['ip_src', 'ip_dst', 'port_src', 'port_dst', 'ip_proto', 'tos', 'iface_in', 'iface_out'] as const;

function ourKey(r: FlowRecord): string {
  return JSON.stringify([r.srcAddr, r.dstAddr, r.srcPort ?? 0, r.dstPort ?? 0, PROTO[r.protocol ?? -1] ?? String(r.protocol), r.tos ?? 0, r.inputInterface ?? 0, r.outputInterface ?? 0]);
}

type Sums = Map<string, { packets: number; bytes: number }>;

function add(m: Sums, key: string, packets: number, bytes: number): void {
  const s = m.get(key) ?? { packets: 0, bytes: 0 };
  s.packets += packets;
  s.bytes += bytes;
  m.set(key, s);
}

test('pmacct router captures: record counts and aggregated packet/byte sums match nfacctd', async (t) => {
  if (!existsSync(dir)) {
    t.skip(`shared data not found at ${dir}`);
    return;
  }
  for (const c of CASES) {
    await t.test(c.name, () => {
      const ours: Sums = new Map();
      let records = 0;
      for (const p of c.pcaps) {
        const cache = new TemplateCache();
        const { datagrams, stats } = readPcapUdp(readFileSync(path.join(dir, c.name, p)));
        assert.deepEqual(stats.errors, []);
        for (const d of datagrams) {
          const res = decodeFlowPacket(d.payload, { address: d.srcAddr, port: d.srcPort }, new Date(d.tsMs), cache);
          assert.deepEqual(res.errors, [], `${p} frame ${d.frame}`);
          for (const r of res.records) {
            records++;
            const k = c.renormalize ? r.samplingInterval ?? 1 : 1;
            add(ours, ourKey(r), (r.packets ?? 0) * k, (r.bytes ?? 0) * k);
          }
        }
      }
      const expected: Sums = new Map();
      const lines = readFileSync(path.join(dir, c.name, c.output), 'utf8').split('\n').filter((l) => l.trim());
      for (const line of lines) {
        const j = JSON.parse(line) as Record<string, unknown>;
        add(expected, JSON.stringify(KEYS.map((k) => j[k])), j.packets as number, j.bytes as number);
      }
      assert.equal(records, c.records, 'decoded record count');
      assert.deepEqual(new Map([...ours].sort()), new Map([...expected].sort()));
    });
  }
});
