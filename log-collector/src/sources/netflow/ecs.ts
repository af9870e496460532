/** FlowRecord -> ECS document (NetFlow/IPFIX and sFlow share it). */
import { createHash } from 'node:crypto';
import type { FlowRecord } from './types.js';
import { isoFromMs } from './values.js';

export { isoFromMs };

/** The record's own octets in its export packet (a view). */
export function recordBytes(r: FlowRecord): Uint8Array {
  return r.packet.subarray(r.rawStart, r.rawEnd);
}

const TRANSPORTS: ReadonlyMap<number, string> = new Map([
  [1, 'icmp'], [2, 'igmp'], [4, 'ipip'], [6, 'tcp'], [17, 'udp'], [41, 'ipv6'], [47, 'gre'], [50, 'esp'],
  [51, 'ah'], [58, 'ipv6-icmp'], [89, 'ospf'], [103, 'pim'], [112, 'vrrp'], [132, 'sctp'],
]);

/**
 * Deterministic id: SHA-256 over the exporter, domain, packet sequence, template and set index and
 * the data set's octets (first 128 bits, hex), followed by the record's index in the set (8 hex).
 * The same exporter packet decoded again (replay, retransmit through a relay, or a set buffered
 * until its template arrived) yields the same ids, so the store overwrites instead of duplicating.
 * Records of one set share the digest, computed once (hashing dominates toEcs otherwise).
 */
export function flowEventId(r: FlowRecord): string {
  const key = `flow|${r.version}|${r.exporter.address}|${r.exporter.port}|${r.observationDomain}|${r.sequence}|${r.templateId}|${Math.floor(r.recordIndex / 65536)}|`;
  if (r.packet !== memo.packet || r.setStart !== memo.setStart || r.setEnd !== memo.setEnd || key !== memo.key) {
    memo.packet = r.packet;
    memo.setStart = r.setStart;
    memo.setEnd = r.setEnd;
    memo.key = key;
    memo.digest = createHash('sha256').update(key, 'latin1').update(r.packet.subarray(r.setStart, r.setEnd)).digest('hex').slice(0, 32);
  }
  return memo.digest + (r.recordIndex % 65536).toString(16).padStart(8, '0');
}
const memo = { packet: undefined as Uint8Array | undefined, setStart: -1, setEnd: -1, key: '', digest: '' };

/** ISO text of epoch ms, remembering the last value (records of one packet share export/receive times). */
class IsoMemo {
  private ms = NaN;
  private text: string | undefined;
  get(ms: number | undefined): string | undefined {
    if (ms === undefined) return undefined;
    if (ms !== this.ms) {
      this.ms = ms;
      this.text = isoFromMs(ms);
    }
    return this.text;
  }
}
const startIso = new IsoMemo();
const endIso = new IsoMemo();
const exportIso = new IsoMemo();
const receivedIso = new IsoMemo();

type Obj = Record<string, unknown>;

/** Sets a member only when defined, so documents stay small and compare cleanly. */
function put(o: Obj, k: string, v: unknown): void {
  if (v !== undefined) o[k] = v;
}

/** ECS MAC format: upper case, dash separated. */
function ecsMac(m: string | undefined): string | undefined {
  return m === undefined ? undefined : m.replaceAll(':', '-').toUpperCase();
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : a + b;
}

export function toEcs(r: FlowRecord): Obj {
  const sflow = r.version === 'sflow5';
  const start = startIso.get(r.startMs);
  const end = endIso.get(r.endMs);
  const created = receivedIso.get(r.receivedMs);

  const event: Obj = {
    id: flowEventId(r), kind: 'event', category: ['network'], type: ['connection'],
    module: sflow ? 'sflow' : 'netflow', dataset: sflow ? 'sflow.flow' : 'netflow.flow',
  };
  put(event, 'start', start);
  put(event, 'end', end);
  if (r.startMs !== undefined && r.endMs !== undefined && r.endMs >= r.startMs) event.duration = (r.endMs - r.startMs) * 1_000_000;
  put(event, 'created', created);

  const source: Obj = {};
  put(source, 'ip', r.srcAddr);
  put(source, 'port', r.srcPort);
  put(source, 'bytes', r.bytes);
  put(source, 'packets', r.packets);
  put(source, 'mac', ecsMac(r.srcMac));
  if (r.srcAs) source.as = { number: r.srcAs };

  const destination: Obj = {};
  put(destination, 'ip', r.dstAddr);
  put(destination, 'port', r.dstPort);
  put(destination, 'bytes', r.reverseBytes);
  put(destination, 'packets', r.reversePackets);
  put(destination, 'mac', ecsMac(r.dstMac));
  if (r.dstAs) destination.as = { number: r.dstAs };

  const network: Obj = {};
  if (r.protocol !== undefined) {
    network.transport = TRANSPORTS.get(r.protocol) ?? String(r.protocol);
    network.iana_number = String(r.protocol);
  }
  if (r.srcAddr !== undefined) network.type = r.srcAddr.includes(':') ? 'ipv6' : 'ipv4';
  put(network, 'bytes', sum(r.bytes, r.reverseBytes));
  put(network, 'packets', sum(r.packets, r.reversePackets));
  put(network, 'direction', r.direction);
  if (r.vlan !== undefined) network.vlan = { id: String(r.vlan) };

  // Raw extras keep the exporter's view (netflow.* / sflow.*), ECS-style snake case for the named ones.
  const raw: Obj = {
    version: sflow ? 5 : r.version,
    exporter: { address: `${r.exporter.address}:${r.exporter.port}`, observation_domain: r.observationDomain },
    sequence: r.sequence,
  };
  if (r.templateId) raw.template_id = r.templateId;
  put(raw, 'tcp_flags', r.tcpFlags);
  put(raw, 'tos', r.tos);
  put(raw, 'next_hop', r.nextHop);
  put(raw, 'ingress_interface', r.inputInterface);
  put(raw, 'egress_interface', r.outputInterface);
  put(raw, 'src_mask', r.srcMask);
  put(raw, 'dst_mask', r.dstMask);
  put(raw, 'sampler_id', r.samplerId);
  put(raw, 'sampling_interval', r.samplingInterval);
  put(raw, 'icmp_type', r.icmpType);
  put(raw, 'icmp_code', r.icmpCode);
  const extras = r.extras;
  if (extras !== undefined) for (const k in extras) raw[k] = extras[k];

  const doc: Obj = { '@timestamp': end ?? exportIso.get(r.exportMs) ?? created, event };
  for (const [k, v] of [['source', source], ['destination', destination], ['network', network]] as const) {
    for (const _ in v) {
      doc[k] = v;
      break;
    }
  }
  doc.observer = { ip: typeof extras?.agentAddress === 'string' ? extras.agentAddress : r.exporter.address };
  doc[sflow ? 'sflow' : 'netflow'] = raw;
  return doc;
}
