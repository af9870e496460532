/**
 * sFlow version 5 datagrams (sflow.org sflow_version_5.txt): flow samples and expanded flow samples
 * become FlowRecords (one per sampled packet); counter samples and unknown formats are skipped by
 * their length. All lengths are checked against the datagram; loops advance at least 8 octets.
 */
import type { DecodeError, DecodeResult, Exporter, FieldValue, FlowRecord } from '../netflow/types.js';
import { formatIpv4, formatIpv6, u32 } from '../netflow/values.js';
import { parseEthernet, parseIp, type ParsedPacket } from './packet-header.js';

export interface SflowDecodeResult extends DecodeResult {
  flowSamples: number;
  counterSamples: number;
  /** Samples of an unknown (or vendor) format, skipped by length. */
  otherSamples: number;
}

/** Interface index meaning "unknown" (0x3fffffff) in sFlow samples. */
const IF_UNKNOWN = 0x3fffffff;
const HEADER_ETHERNET = 1;
const HEADER_IPV4 = 11;
const HEADER_IPV6 = 12;

class Cursor {
  constructor(readonly b: Uint8Array, public p: number, readonly end: number) {}
  has(n: number): boolean {
    return this.end - this.p >= n;
  }
  u32(): number {
    const v = u32(this.b, this.p);
    this.p += 4;
    return v;
  }
  /** sFlow address: type (0 unknown, 1 IPv4, 2 IPv6) then the address. */
  address(): string | undefined {
    if (!this.has(4)) throw new RangeError('address type cut off');
    const type = this.u32();
    if (type === 1) {
      if (!this.has(4)) throw new RangeError('IPv4 address cut off');
      const a = formatIpv4(this.b, this.p);
      this.p += 4;
      return a;
    }
    if (type === 2) {
      if (!this.has(16)) throw new RangeError('IPv6 address cut off');
      const a = formatIpv6(this.b, this.p);
      this.p += 16;
      return a;
    }
    if (type === 0) return undefined;
    throw new RangeError(`unknown address type ${type}`);
  }
}

export function decodeSflowPacket(buf: Uint8Array, exporter: Exporter, receivedAt: Date): SflowDecodeResult {
  const out: SflowDecodeResult = {
    records: [], options: [], templatesLearned: 0, errors: [], flowSamples: 0, counterSamples: 0, otherSamples: 0,
  };
  const c = new Cursor(buf, 0, buf.length);
  const receivedMs = receivedAt.getTime();
  try {
    if (!c.has(8)) throw new RangeError('header cut off');
    const version = c.u32();
    if (version !== 5) {
      out.errors.push({ code: 'unsupported-version', message: `sFlow version ${version} is not supported`, offset: 0 });
      return out;
    }
    const agent = c.address();
    if (!c.has(16)) throw new RangeError('header cut off');
    const subAgent = c.u32();
    const sequence = c.u32();
    c.u32(); // uptime (ms): sFlow carries no absolute time, the receive time stands in
    const numSamples = c.u32();
    for (let i = 0; i < numSamples && c.has(8); i++) {
      const format = c.u32();
      const len = c.u32();
      if (!c.has(len)) {
        out.errors.push({ code: 'bad-length', message: `sample ${i} length ${len} exceeds datagram`, offset: c.p - 8 });
        break;
      }
      const start = c.p;
      const enterprise = format >>> 12;
      const kind = format & 0xfff;
      if (enterprise === 0 && (kind === 1 || kind === 3)) {
        out.flowSamples++;
        const rec = newRecord(buf, exporter, subAgent, sequence, i, receivedMs, agent);
        const err = decodeFlowSample(new Cursor(buf, start, start + len), kind === 3, rec);
        rec.packet = buf;
        rec.rawStart = start;
        rec.rawEnd = start + len;
        rec.setEnd = buf.length;
        if (err) out.errors.push({ ...err, offset: start });
        else out.records.push(rec);
      } else if (enterprise === 0 && (kind === 2 || kind === 4)) out.counterSamples++;
      else out.otherSamples++;
      c.p = start + len;
    }
  } catch (err) {
    out.errors.push({ code: 'truncated', message: `sFlow datagram: ${(err as Error).message}`, offset: c.p });
  }
  return out;
}

function newRecord(buf: Uint8Array, exporter: Exporter, subAgent: number, sequence: number, index: number, receivedMs: number, agent: string | undefined): FlowRecord {
  const extras: Record<string, FieldValue> = {};
  if (agent !== undefined) extras.agentAddress = agent;
  return {
    version: 'sflow5', exporter, observationDomain: subAgent, sequence, templateId: 0, recordIndex: index,
    receivedMs, exportMs: receivedMs, extras, packet: buf, rawStart: 0, rawEnd: 0, setStart: 0, setEnd: 0,
  };
}

/** Returns an error (record dropped) or undefined. */
function decodeFlowSample(c: Cursor, expanded: boolean, r: FlowRecord): Omit<DecodeError, 'offset'> | undefined {
  const x = r.extras!;
  try {
    if (!c.has(expanded ? 44 : 32)) return { code: 'truncated', message: 'flow sample header cut off' };
    x.sampleSequence = c.u32();
    if (expanded) {
      x.sourceIdType = c.u32();
      x.sourceIdIndex = c.u32();
    } else {
      const src = c.u32();
      x.sourceIdType = src >>> 24;
      x.sourceIdIndex = src & 0xffffff;
    }
    r.samplingInterval = c.u32();
    x.samplePool = c.u32();
    x.drops = c.u32();
    if (expanded) {
      const inFormat = c.u32();
      const inValue = c.u32();
      const outFormat = c.u32();
      const outValue = c.u32();
      if (inFormat === 0 && inValue !== IF_UNKNOWN) r.inputInterface = inValue;
      if (outFormat === 0 && outValue !== IF_UNKNOWN) r.outputInterface = outValue;
    } else {
      // Compact form: top 2 bits say how to read the rest (0 = ifIndex).
      const input = c.u32();
      const output = c.u32();
      if (input >>> 30 === 0 && input !== IF_UNKNOWN) r.inputInterface = input;
      if (output >>> 30 === 0 && output !== IF_UNKNOWN) r.outputInterface = output;
    }
    const n = c.u32();
    for (let i = 0; i < n && c.has(8); i++) {
      const format = c.u32();
      const len = c.u32();
      if (!c.has(len)) return { code: 'bad-length', message: `flow record ${i} length ${len} exceeds sample` };
      const start = c.p;
      if (format >>> 12 === 0) decodeFlowData(new Cursor(c.b, start, start + len), format & 0xfff, r);
      c.p = start + len;
    }
    r.packets ??= 1;
    return undefined;
  } catch (err) {
    return { code: 'truncated', message: `flow sample: ${(err as Error).message}` };
  }
}

function validVlan(v: number): boolean {
  return v > 0 && v < 4095;
}

function applyPacket(r: FlowRecord, p: ParsedPacket): void {
  r.srcMac ??= p.srcMac;
  r.dstMac ??= p.dstMac;
  r.vlan ??= p.vlan;
  r.srcAddr ??= p.srcAddr;
  r.dstAddr ??= p.dstAddr;
  r.protocol ??= p.protocol;
  r.tos ??= p.tos;
  r.srcPort ??= p.srcPort;
  r.dstPort ??= p.dstPort;
  r.tcpFlags ??= p.tcpFlags;
  r.icmpType ??= p.icmpType;
  r.icmpCode ??= p.icmpCode;
  if (p.ttl !== undefined) r.extras!.ipTTL = p.ttl;
}

function decodeFlowData(c: Cursor, format: number, r: FlowRecord): void {
  switch (format) {
    case 1: {
      // Raw packet header.
      if (!c.has(16)) return;
      const proto = c.u32();
      const frameLength = c.u32();
      c.u32(); // octets stripped
      const hlen = c.u32();
      const end = Math.min(c.end, c.p + hlen);
      r.packets = 1;
      let parsed: ParsedPacket | undefined;
      if (proto === HEADER_ETHERNET) parsed = parseEthernet(c.b, c.p, end);
      else if (proto === HEADER_IPV4 || proto === HEADER_IPV6) parsed = parseIp(c.b, c.p, end);
      if (parsed !== undefined) applyPacket(r, parsed);
      // Count IP octets (as NetFlow/IPFIX do) when the header says; else the whole frame.
      r.bytes = parsed?.ipLength ?? frameLength;
      r.extras!.frameLength = frameLength;
      return;
    }
    case 3:
    case 4: {
      // Sampled IPv4 / IPv6 data.
      const v6 = format === 4;
      if (!c.has(v6 ? 56 : 32)) return;
      r.bytes ??= c.u32();
      r.protocol ??= c.u32();
      const src = v6 ? formatIpv6(c.b, c.p) : formatIpv4(c.b, c.p);
      c.p += v6 ? 16 : 4;
      const dst = v6 ? formatIpv6(c.b, c.p) : formatIpv4(c.b, c.p);
      c.p += v6 ? 16 : 4;
      r.srcAddr ??= src;
      r.dstAddr ??= dst;
      r.srcPort ??= c.u32();
      r.dstPort ??= c.u32();
      const flags = c.u32() & 0xff;
      if (r.protocol === 6) r.tcpFlags ??= flags;
      r.tos ??= c.u32() & 0xff;
      return;
    }
    case 1001: {
      // Extended switch: source/destination VLAN and priority.
      if (!c.has(16)) return;
      const srcVlan = c.u32();
      c.u32();
      const dstVlan = c.u32();
      if (validVlan(srcVlan)) r.vlan ??= srcVlan;
      if (validVlan(dstVlan)) r.extras!.dstVlan = dstVlan;
      return;
    }
    case 1002: {
      // Extended router: next hop and prefix lengths.
      r.nextHop = c.address();
      if (!c.has(8)) return;
      r.srcMask = c.u32();
      r.dstMask = c.u32();
      return;
    }
    case 1003: {
      // Extended gateway: BGP next hop, AS numbers, destination AS path (last AS = origin).
      r.nextHop ??= c.address();
      if (!c.has(16)) return;
      const localAs = c.u32();
      r.srcAs = c.u32();
      r.extras!.srcPeerAs = c.u32();
      const segments = c.u32();
      let dstAs = localAs;
      for (let s = 0; s < segments && c.has(8); s++) {
        c.u32(); // segment type
        const n = c.u32();
        if (!c.has(n * 4)) return;
        if (n > 0) dstAs = u32(c.b, c.p + (n - 1) * 4);
        c.p += n * 4;
      }
      r.dstAs = dstAs;
      return;
    }
    default:
      return;
  }
}
