/** FlowRecord -> ECS document (NetFlow/IPFIX and sFlow share it). */
import { stableId } from '@emsoc/common/ecs';
import type { FlowRecord } from './types.js';

const TRANSPORTS: ReadonlyMap<number, string> = new Map([
  [1, 'icmp'], [2, 'igmp'], [4, 'ipip'], [6, 'tcp'], [17, 'udp'], [41, 'ipv6'], [47, 'gre'], [50, 'esp'],
  [51, 'ah'], [58, 'ipv6-icmp'], [89, 'ospf'], [103, 'pim'], [112, 'vrrp'], [132, 'sctp'],
]);

/**
 * Deterministic id: the same exporter packet decoded again (replay, retransmit through a relay)
 * yields the same id, so the store overwrites instead of duplicating.
 */
export function flowEventId(r: FlowRecord): string {
  return stableId(
    'flow', String(r.version), r.exporter.address, r.exporter.port, r.observationDomain, r.sequence, r.templateId,
    r.recordIndex, r.raw,
  );
}

function iso(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Drops undefined members so documents stay small and compare cleanly. */
function compact<T extends Record<string, unknown>>(o: T): T | undefined {
  let any = false;
  for (const k of Object.keys(o)) {
    if (o[k] === undefined) delete o[k];
    else any = true;
  }
  return any ? o : undefined;
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : a + b;
}

export function toEcs(r: FlowRecord): Record<string, unknown> {
  const sflow = r.version === 'sflow5';
  const start = iso(r.startMs);
  const end = iso(r.endMs);
  const duration = r.startMs !== undefined && r.endMs !== undefined && r.endMs >= r.startMs
    ? (r.endMs - r.startMs) * 1_000_000 : undefined;
  const ipType = r.srcAddr?.includes(':') ? 'ipv6' : r.srcAddr !== undefined ? 'ipv4' : undefined;
  const observerIp = typeof r.extras?.agentAddress === 'string' ? r.extras.agentAddress : r.exporter.address;
  const raw = compact({
    version: r.version === 'sflow5' ? 5 : r.version,
    exporter: { address: `${r.exporter.address}:${r.exporter.port}`, observation_domain: r.observationDomain },
    sequence: r.sequence,
    template_id: r.templateId || undefined,
    tcp_flags: r.tcpFlags,
    tos: r.tos,
    next_hop: r.nextHop,
    ingress_interface: r.inputInterface,
    egress_interface: r.outputInterface,
    src_mask: r.srcMask,
    dst_mask: r.dstMask,
    sampler_id: r.samplerId,
    sampling_interval: r.samplingInterval,
    icmp_type: r.icmpType,
    icmp_code: r.icmpCode,
    ...r.extras,
  });
  const doc: Record<string, unknown> = {
    '@timestamp': iso(r.endMs) ?? iso(r.exportMs) ?? iso(r.receivedMs),
    event: compact({
      id: flowEventId(r),
      kind: 'event',
      category: ['network'],
      type: ['connection'],
      module: sflow ? 'sflow' : 'netflow',
      dataset: sflow ? 'sflow.flow' : 'netflow.flow',
      start,
      end,
      duration,
      created: iso(r.receivedMs),
    }),
    source: compact({
      ip: r.srcAddr,
      port: r.srcPort,
      bytes: r.bytes,
      packets: r.packets,
      mac: r.srcMac?.replaceAll(':', '-').toUpperCase(),
      as: r.srcAs ? { number: r.srcAs } : undefined,
    }),
    destination: compact({
      ip: r.dstAddr,
      port: r.dstPort,
      bytes: r.reverseBytes,
      packets: r.reversePackets,
      mac: r.dstMac?.replaceAll(':', '-').toUpperCase(),
      as: r.dstAs ? { number: r.dstAs } : undefined,
    }),
    network: compact({
      transport: r.protocol !== undefined ? TRANSPORTS.get(r.protocol) ?? String(r.protocol) : undefined,
      iana_number: r.protocol !== undefined ? String(r.protocol) : undefined,
      type: ipType,
      bytes: sum(r.bytes, r.reverseBytes),
      packets: sum(r.packets, r.reversePackets),
      direction: r.direction,
      vlan: r.vlan !== undefined ? { id: String(r.vlan) } : undefined,
    }),
    observer: { ip: observerIp },
    [sflow ? 'sflow' : 'netflow']: raw,
  };
  for (const k of Object.keys(doc)) if (doc[k] === undefined) delete doc[k];
  return doc;
}
