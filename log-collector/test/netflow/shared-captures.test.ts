/**
 * Captures from graylog-plugin-netflow and akvorado (shared data) decode without error. akvorado
 * splits templates and data into separate files: they are fed through one cache, templates first.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { sharedDataDir } from '@emsoc/common/paths';
import { readPcapUdp } from '../../src/replay/pcap.js';
import { decodeFlowPacket, TemplateCache, toEcs, type FlowRecord } from '../../src/sources/netflow/index.js';

const root = path.join(sharedDataDir, 'netflow');

/** [files fed in order, expected flow records, expected options records, extra check]. */
const SEQUENCES: Array<[string[], number, number, ((r: FlowRecord[]) => void)?]> = [
  [['graylog-plugin-netflow/netflow5.pcap'], 4, 0],
  [['graylog-plugin-netflow/pmacctd-netflow5.pcap'], 42, 0],
  [['graylog-plugin-netflow/netflow9.pcap'], 21, 1],
  [['graylog-plugin-netflow/nprobe-netflow9.pcap'], 152, 2],
  [['graylog-plugin-netflow/nprobe-netflow9-2.pcap'], 6, 1],
  [['akvorado/netflow/nfv5.pcap'], 29, 0],
  [['akvorado/netflow/options-template.pcap', 'akvorado/netflow/options-data.pcap', 'akvorado/netflow/template.pcap', 'akvorado/netflow/data.pcap'], 4, 4,
    // The options records announce sampler 1 at 1:30000; the data records name sampler 1.
    (rs) => assert.deepEqual(rs.map((r) => [r.samplerId, r.samplingInterval]), Array(4).fill([1, 30000]))],
  [['akvorado/netflow/data+templates.pcap'], 21, 1],
  [['akvorado/netflow/options-template.pcap', 'akvorado/netflow/options-data.pcap'], 0, 4],
  [['akvorado/netflow/samplingrate-template.pcap', 'akvorado/netflow/samplingrate-data.pcap'], 0, 0,
    (rs) => assert.ok(rs.every((r) => r.samplingInterval === 2048))],
  [['akvorado/netflow/icmp-template.pcap', 'akvorado/netflow/icmp-data.pcap'], 0, 0,
    (rs) => assert.ok(rs.some((r) => r.protocol === 1 && r.icmpType === 8) && rs.some((r) => r.protocol === 58 && r.icmpType === 128))],
  [['akvorado/netflow/ipfixprobe-templates.pcap', 'akvorado/netflow/ipfixprobe-data.pcap'], 0, 0],
  [['akvorado/netflow/mpls.pcap'], 2, 1],
  [['akvorado/netflow/nat.pcap'], 9, 0],
];

test('graylog and akvorado captures decode without error', async (t) => {
  if (!existsSync(root)) {
    t.skip(`shared data not found at ${root}`);
    return;
  }
  for (const [files, flows, options, check] of SEQUENCES) {
    await t.test(files.join(' + '), () => {
      const cache = new TemplateCache();
      const all: FlowRecord[] = [];
      let nFlows = 0;
      let nOptions = 0;
      for (const f of files) {
        const { datagrams, stats } = readPcapUdp(readFileSync(path.join(root, f)));
        assert.deepEqual(stats.errors, []);
        assert.ok(datagrams.length > 0);
        for (const d of datagrams) {
          const r = decodeFlowPacket(d.payload, { address: d.srcAddr, port: d.srcPort }, new Date(d.tsMs), cache);
          // Data ahead of its template (same packet or an earlier one) is buffered; checked below.
          assert.deepEqual(r.errors.filter((e) => e.code !== 'missing-template'), [], `${f} frame ${d.frame}`);
          for (const rec of r.records) {
            const doc = toEcs(rec);
            assert.ok(typeof doc['@timestamp'] === 'string');
          }
          nFlows += r.records.length;
          all.push(...r.records);
          nOptions += r.options.length;
        }
      }
      assert.equal(cache.pendingCount, 0, 'every buffered data set was decoded once its template arrived');
      assert.equal(cache.stats.pendingReplayed, cache.stats.missingTemplate);
      if (flows > 0 || options > 0) assert.deepEqual([nFlows, nOptions], [flows, options]);
      else assert.ok(nFlows > 0, 'data decoded once its template was known');
      check?.(all);
    });
  }
});
