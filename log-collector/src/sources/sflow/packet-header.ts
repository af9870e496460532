/**
 * Parses the start of a captured packet (Ethernet / 802.1Q / QinQ, IPv4, IPv6, TCP, UDP, ICMP).
 * Used for sFlow raw-header samples and by the pcap reader. Reads are bounded by `end`; a header
 * cut short simply yields fewer fields.
 */
import { formatIpv4, formatIpv6, formatMac, u16, u32 } from '../netflow/values.js';

export interface ParsedPacket {
  srcMac?: string;
  dstMac?: string;
  /** Outermost 802.1Q VLAN id. */
  vlan?: number;
  etherType?: number;
  ipVersion?: 4 | 6;
  /** Offset of the IP header in the buffer. */
  ipOffset?: number;
  srcAddr?: string;
  dstAddr?: string;
  protocol?: number;
  tos?: number;
  ttl?: number;
  /** IP total length (v4) or payload length + 40 (v6), from the header. */
  ipLength?: number;
  /** IPv4 fragment: offset in octets, more-fragments flag and id. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  fragmentId?: number;
  /** Offset of the transport header (or fragment payload) in the buffer. */
  l4Offset?: number;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  icmpType?: number;
  icmpCode?: number;
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);

export function parseEthernet(b: Uint8Array, o: number, end: number, out: ParsedPacket = {}): ParsedPacket {
  if (end - o < 14) return out;
  out.dstMac = formatMac(b, o);
  out.srcMac = formatMac(b, o + 6);
  let type = u16(b, o + 12);
  let p = o + 14;
  // At most a few stacked tags: bounded loop even on crafted input.
  for (let i = 0; i < 4 && VLAN_TAGS.has(type); i++) {
    if (end - p < 4) return out;
    if (out.vlan === undefined) out.vlan = u16(b, p) & 0x0fff;
    type = u16(b, p + 2);
    p += 4;
  }
  out.etherType = type;
  if (type === ETH_IPV4 || type === ETH_IPV6) parseIp(b, p, end, out);
  return out;
}

/** Parses an IPv4 or IPv6 header (version taken from the first nibble) and its transport header. */
export function parseIp(b: Uint8Array, o: number, end: number, out: ParsedPacket = {}): ParsedPacket {
  if (end - o < 1) return out;
  const v = b[o]! >> 4;
  if (v === 4) {
    if (end - o < 20) return out;
    const ihl = (b[o]! & 0x0f) * 4;
    if (ihl < 20 || end - o < ihl) return out;
    out.ipVersion = 4;
    out.ipOffset = o;
    out.tos = b[o + 1]!;
    out.ipLength = u16(b, o + 2);
    out.fragmentId = u16(b, o + 4);
    const frag = u16(b, o + 6);
    out.moreFragments = (frag & 0x2000) !== 0;
    out.fragmentOffset = (frag & 0x1fff) * 8;
    out.ttl = b[o + 8]!;
    out.protocol = b[o + 9]!;
    out.srcAddr = formatIpv4(b, o + 12);
    out.dstAddr = formatIpv4(b, o + 16);
    out.l4Offset = o + ihl;
    if (out.fragmentOffset === 0) parseTransport(b, o + ihl, end, out);
  } else if (v === 6) {
    if (end - o < 40) return out;
    out.ipVersion = 6;
    out.ipOffset = o;
    out.tos = ((u16(b, o) >> 4) & 0xff);
    out.ipLength = u16(b, o + 4) + 40;
    out.ttl = b[o + 7]!;
    out.srcAddr = formatIpv6(b, o + 8);
    out.dstAddr = formatIpv6(b, o + 24);
    let next = b[o + 6]!;
    let p = o + 40;
    // Skip a bounded number of extension headers (hop-by-hop, routing, destination options, fragment).
    for (let i = 0; i < 8; i++) {
      if (next === 0 || next === 43 || next === 60) {
        if (end - p < 8) break;
        const n = b[p]!;
        p += (b[p + 1]! + 1) * 8;
        next = n;
      } else if (next === 44) {
        if (end - p < 8) break;
        const n = b[p]!;
        const fo = u16(b, p + 2);
        out.fragmentOffset = fo & 0xfff8;
        out.moreFragments = (fo & 1) === 1;
        out.fragmentId = u32(b, p + 4);
        p += 8;
        next = n;
      } else break;
    }
    out.protocol = next;
    out.l4Offset = p;
    if (!out.fragmentOffset) parseTransport(b, p, end, out);
  }
  return out;
}

function parseTransport(b: Uint8Array, o: number, end: number, out: ParsedPacket): void {
  const proto = out.protocol;
  if (proto === 6 || proto === 17 || proto === 132) {
    if (end - o < 4) return;
    out.srcPort = u16(b, o);
    out.dstPort = u16(b, o + 2);
    if (proto === 6 && end - o >= 14) out.tcpFlags = b[o + 13]!;
  } else if (proto === 1 || proto === 58) {
    if (end - o < 2) return;
    out.icmpType = b[o]!;
    out.icmpCode = b[o + 1]!;
  }
}
