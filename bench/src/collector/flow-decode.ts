/**
 * Flow decode throughput on one core: NetFlow v9 and IPFIX records per CPU-second from a synthetic
 * capture (24 flow records per export packet, the common 5-tuple + counters + times template).
 * Peer: nfdump's nfcapd receiving the same v9/IPFIX packets over loopback, as records per CPU-second
 * of the nfcapd process; and goflow2 (decode + JSON output to a file, all its threads' CPU time), compared
 * with our decode + ECS mapping since goflow2 also turns every record into an output document. Prints JSON lines {"name","value","unit","peer","peer_value"}.
 *
 *   node --import tsx bench/src/collector/flow-decode.ts [--seconds 3] [--no-peer]
 */
import { decodeFlowPacket, TemplateCache, toEcs } from '@emsoc/log-collector/sources/netflow/index';
import {
  FLOW_SPECS, flowRecord, concat, ipfixMessage, ipfixTemplate, set, v9Packet, v9Template,
} from '../../../log-collector/test/netflow/build.js';
import { goflow2Path, nfdumpAvailable, replayToGoflow2, replayToNfcapd } from './flow-decode-peer.js';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 3) || 3;
const withPeer = !args.includes('--no-peer');

const RECORDS_PER_PACKET = 24;
const PACKETS = 4000;
const V9_SPECS = FLOW_SPECS.map(([id, len]) => [id, len] as [number, number]);

/** Export packets: the template rides in every 100th packet, as exporters resend it periodically. */
function capture(version: 9 | 10): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = 0; p < PACKETS; p++) {
    const recs = concat(...Array.from({ length: RECORDS_PER_PACKET }, (_, i) => flowRecord(p * RECORDS_PER_PACKET + i)));
    const sets: Uint8Array[] = [];
    if (p % 100 === 0) sets.push(version === 9 ? set(0, v9Template(300, V9_SPECS)) : set(2, ipfixTemplate(300, FLOW_SPECS)));
    sets.push(set(300, recs));
    out.push(version === 9 ? v9Packet(sets, { sequence: p }) : ipfixMessage(sets, { sequence: p }));
  }
  return out;
}

function measure(packets: Uint8Array[], ecs: boolean): number {
  const cache = new TemplateCache();
  const exporter = { address: '192.0.2.1', port: 2055 };
  const at = new Date();
  // Warm-up (JIT) and template learning.
  for (const p of packets.slice(0, 500)) decodeFlowPacket(p, exporter, at, cache);
  let records = 0;
  let sink = 0;
  // CPU time, not wall time: the machine is shared, and the peer is measured the same way.
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const limit = start + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < limit) {
    for (const p of packets) {
      const r = decodeFlowPacket(p, exporter, at, cache);
      records += r.records.length;
      if (ecs) for (const rec of r.records) sink += Object.keys(toEcs(rec)).length;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  if (sink < 0) console.error(sink);
  return records / ((cpu.user + cpu.system) / 1e6);
}

function line(name: string, value: number, unit: string, peer: string | null, peerValue: number | null): void {
  console.log(JSON.stringify({ name, value: Math.round(value), unit, peer, peer_value: peerValue === null ? null : Math.round(peerValue) }));
}

/** Rounds of the capture sent to the peer: enough records that 10 ms CPU-tick resolution is ~1%. */
const PEER_ROUNDS = 5;

/**
 * A peer's records per CPU-second for the capture sent PEER_ROUNDS times; null when the peer is absent.
 * `burst` is how many packets go back to back before a 1 ms pause (goflow2 needs gentler pacing).
 */
async function peerRate(
  name: string, present: boolean, replay: (p: Uint8Array[], o: { burst: number; pauseMs: number }) => Promise<{ flows: number; cpuSeconds: number }>,
  packets: Uint8Array[], burst: number,
): Promise<number | null> {
  if (!withPeer || !present) return null;
  const stream = Array.from({ length: PEER_ROUNDS }, () => packets).flat();
  const sent = stream.length * RECORDS_PER_PACKET;
  const r = await replay(stream, { burst, pauseMs: 1 });
  if (r.cpuSeconds <= 0) return null;
  if (r.flows !== sent) console.error(`${name} stored ${r.flows} of ${sent} records (loopback drops)`);
  return r.flows / r.cpuSeconds;
}
const nfcapdRate = (packets: Uint8Array[]) => peerRate('nfcapd', nfdumpAvailable(), replayToNfcapd, packets, 32);
const goflow2Rate = (packets: Uint8Array[]) => peerRate('goflow2', goflow2Path() !== null, replayToGoflow2, packets, 8);

const v9 = capture(9);
const ipfix = capture(10);
const peer = withPeer && nfdumpAvailable() ? 'nfdump nfcapd 1.7 (records per CPU-second, loopback UDP)' : null;
const unit = 'records per CPU-second (one thread)';
line('flow_decode_netflow_v9', measure(v9, false), unit, peer, await nfcapdRate(v9));
line('flow_decode_ipfix', measure(ipfix, false), unit, peer, await nfcapdRate(ipfix));
const goflow2 = withPeer && goflow2Path() ? 'goflow2 (records per CPU-second of all its threads, JSON output, loopback UDP)' : null;
line('flow_decode_netflow_v9_to_ecs', measure(v9, true), unit, goflow2, await goflow2Rate(v9));
line('flow_decode_ipfix_to_ecs', measure(ipfix, true), unit, goflow2, await goflow2Rate(ipfix));
