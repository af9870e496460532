/**
 * Peer comparison with nfdump: the shared captures' payloads are replayed over loopback to a real
 * nfcapd, and its flow/packet/byte totals (`nfdump -I`) are compared with ours for the same packets.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nfdumpAvailable, replayToNfcapd } from '@emsoc/bench/collector/flow-decode-peer';
import { sharedDataDir } from '@emsoc/common/paths';
import { readPcapUdp } from '../../src/replay/pcap.js';
import { decodeFlowPacket, TemplateCache } from '../../src/sources/netflow/index.js';

const root = path.join(sharedDataDir, 'netflow');

const SEQUENCES: string[][] = [
  ['graylog-plugin-netflow/netflow5.pcap'],
  ['graylog-plugin-netflow/pmacctd-netflow5.pcap'],
  ['graylog-plugin-netflow/netflow9.pcap'],
  ['graylog-plugin-netflow/nprobe-netflow9.pcap'],
  ['graylog-plugin-netflow/nprobe-netflow9-2.pcap'],
  ['akvorado/netflow/nfv5.pcap'],
  ['akvorado/netflow/options-template.pcap', 'akvorado/netflow/options-data.pcap', 'akvorado/netflow/template.pcap', 'akvorado/netflow/data.pcap'],
  ['akvorado/netflow/data+templates.pcap'],
  ['akvorado/netflow/samplingrate-template.pcap', 'akvorado/netflow/samplingrate-data.pcap'],
  ['akvorado/netflow/icmp-template.pcap', 'akvorado/netflow/icmp-data.pcap'],
  ['akvorado/netflow/ipfixprobe-templates.pcap', 'akvorado/netflow/ipfixprobe-data.pcap'],
  ['akvorado/netflow/mpls.pcap'],
  ['akvorado/netflow/nat.pcap'],
  ['pmacct/100-IPFIXv10-CISCO/traffic-00.pcap'],
  ['pmacct/101-NFv9-CISCO-cust_primitives/traffic-00.pcap'],
  ['pmacct/102-NFv9-CISCO-f2rd-pretag-sampling-reload/traffic-00.pcap'],
  ['pmacct/104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap'],
];

test('flow record counts equal nfdump (nfcapd) for the same packets', async (t) => {
  if (!existsSync(root)) {
    t.skip(`shared data not found at ${root}`);
    return;
  }
  if (!nfdumpAvailable()) {
    t.skip('nfdump/nfcapd not installed (apt-get install -y nfdump): peer comparison not run');
    return;
  }
  for (const files of SEQUENCES) {
    await t.test(files.join(' + '), async () => {
      const payloads = files.flatMap((f) => readPcapUdp(readFileSync(path.join(root, f))).datagrams.map((d) => d.payload));
      const peer = await replayToNfcapd(payloads);
      const exporter = { address: '127.0.0.1', port: peer.sourcePort };
      // nfcapd drops data that arrives before its template, so compare with buffering off.
      const cache = new TemplateCache({ maxPendingSets: 0 });
      const raw = { flows: 0, packets: 0, bytes: 0 };
      const scaled = { packets: 0, bytes: 0 };
      for (const p of payloads) {
        for (const r of decodeFlowPacket(p, exporter, new Date(), cache).records) {
          const packets = (r.packets ?? 0) + (r.reversePackets ?? 0);
          const bytes = (r.bytes ?? 0) + (r.reverseBytes ?? 0);
          const k = r.samplingInterval ?? 1;
          raw.flows++;
          raw.packets += packets;
          raw.bytes += bytes;
          scaled.packets += packets * k;
          scaled.bytes += bytes * k;
        }
      }
      t.diagnostic(`${files.join('+')}: ours ${raw.flows} flows, nfdump ${peer.flows}`);
      assert.equal(raw.flows, peer.flows, 'flow records');
      // nfcapd scales counters by the sampling rate for some sources (v5 header, options records)
      // and not for others (per-record or PSAMP sampling), so accept either of our sums.
      const sums = [peer.packets, peer.bytes];
      assert.ok(
        (sums[0] === raw.packets && sums[1] === raw.bytes) || (sums[0] === scaled.packets && sums[1] === scaled.bytes),
        `nfdump packets/bytes ${sums} vs ours raw ${[raw.packets, raw.bytes]} scaled ${[scaled.packets, scaled.bytes]}`,
      );
    });
  }
});
