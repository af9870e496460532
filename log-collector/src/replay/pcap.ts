/**
 * Reads UDP datagrams out of capture files: classic pcap (either byte order, micro- or nanosecond
 * timestamps) and pcapng (SHB/IDB/EPB/SPB, several sections and interfaces). Link types: Ethernet,
 * Linux cooked (SLL, SLL2), raw IP, BSD loopback. IPv4 fragments are reassembled (bounded).
 * Malformed input ends the walk with an error in the stats; nothing throws.
 */
import { parseEthernet, parseIp, type ParsedPacket } from '../sources/sflow/packet-header.js';

export interface UdpDatagram {
  /** Capture time, epoch milliseconds (fractional part keeps micro/nanoseconds as far as a double can). */
  tsMs: number;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  payload: Uint8Array;
  /** 0-based index of the frame (the last frame, for a reassembled datagram). */
  frame: number;
}

export interface PcapStats {
  format: 'pcap' | 'pcapng' | 'unknown';
  frames: number;
  datagrams: number;
  /** Frames that are not UDP over IP (or use an unsupported link type). */
  skipped: number;
  fragments: number;
  reassembled: number;
  /** Frames whose captured length is shorter than their headers/UDP length claim. */
  truncated: number;
  errors: string[];
}

const LINK_NULL = 0;
const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_LOOP = 108;
const LINK_SLL = 113;
const LINK_IPV4 = 228;
const LINK_IPV6 = 229;
const LINK_SLL2 = 276;

const MAX_FRAGMENT_GROUPS = 64;

export function newStats(): PcapStats {
  return { format: 'unknown', frames: 0, datagrams: 0, skipped: 0, fragments: 0, reassembled: 0, truncated: 0, errors: [] };
}

/** Reads every UDP datagram of a capture held in memory. */
export function readPcapUdp(buf: Uint8Array): { datagrams: UdpDatagram[]; stats: PcapStats } {
  const stats = newStats();
  const datagrams = [...iteratePcapUdp(buf, stats)];
  return { datagrams, stats };
}

/** Lazily yields the UDP datagrams of a capture held in memory. */
export function* iteratePcapUdp(buf: Uint8Array, stats: PcapStats = newStats()): Generator<UdpDatagram> {
  const frames = new FrameDecoder(stats);
  for (const f of iterateFrames(buf, stats)) {
    const d = frames.decode(f.data, f.linkType, f.tsMs, stats.frames - 1);
    if (d !== undefined) yield d;
  }
}

/**
 * Streaming variant: feeds chunks (e.g. a file read stream) and yields datagrams as complete
 * blocks arrive, holding at most one block plus one chunk in memory.
 */
export async function* streamPcapUdp(chunks: AsyncIterable<Uint8Array>, stats: PcapStats = newStats()): AsyncGenerator<UdpDatagram> {
  const frames = new FrameDecoder(stats);
  const reader = new BlockReader(stats);
  for await (const chunk of chunks) {
    for (const f of reader.push(chunk)) {
      const d = frames.decode(f.data, f.linkType, f.tsMs, stats.frames - 1);
      if (d !== undefined) yield d;
    }
    if (reader.failed) return;
  }
  reader.finish();
}

interface Frame {
  data: Uint8Array;
  linkType: number;
  tsMs: number;
}

function iterateFrames(buf: Uint8Array, stats: PcapStats): Frame[] {
  const reader = new BlockReader(stats);
  const out = reader.push(buf);
  reader.finish();
  return out;
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

interface Iface {
  linkType: number;
  /** Timestamp units per second. */
  tsPerSec: number;
}

/** Incremental block parser for both formats; keeps only the unconsumed tail between pushes. */
class BlockReader {
  failed = false;
  private pending: Uint8Array = new Uint8Array(0);
  private started = false;
  private ng = false;
  private le = true;
  // classic pcap
  private linkType = LINK_ETHERNET;
  private tsPerSec = 1e6;
  // pcapng
  private ifaces: Iface[] = [];

  constructor(private readonly stats: PcapStats) {}

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    if (this.failed) return frames;
    let b: Uint8Array;
    if (this.pending.length === 0) b = chunk;
    else {
      b = new Uint8Array(this.pending.length + chunk.length);
      b.set(this.pending, 0);
      b.set(chunk, this.pending.length);
    }
    let off = 0;
    if (!this.started) {
      if (b.length < 24) {
        this.pending = b.slice();
        return frames;
      }
      const used = this.start(b);
      if (used < 0) {
        this.failed = true;
        return frames;
      }
      off = used;
    }
    const d = dv(b);
    while (!this.failed) {
      const used = this.ng ? this.ngBlock(b, d, off, frames) : this.pcapRecord(b, d, off, frames);
      if (used === 0) break;
      off += used;
    }
    this.pending = off < b.length ? b.slice(off) : new Uint8Array(0);
    return frames;
  }

  finish(): void {
    if (!this.failed && this.pending.length > 0) {
      this.stats.truncated++;
      this.stats.errors.push(`capture ends inside a record (${this.pending.length} octets left)`);
    }
    if (!this.started && !this.failed) this.stats.errors.push('empty capture');
  }

  /** Returns octets consumed by the file header, or -1. */
  private start(b: Uint8Array): number {
    const d = dv(b);
    const magicLe = d.getUint32(0, true);
    this.started = true;
    if (magicLe === 0x0a0d0d0a) {
      this.ng = true;
      this.stats.format = 'pcapng';
      return 0; // the SHB is parsed as a block
    }
    const known: Record<number, [boolean, number]> = {
      0xa1b2c3d4: [true, 1e6], 0xa1b23c4d: [true, 1e9], 0xd4c3b2a1: [false, 1e6], 0x4d3cb2a1: [false, 1e9],
    };
    const k = known[magicLe];
    if (k === undefined) {
      this.stats.errors.push(`not a pcap/pcapng file (magic ${magicLe.toString(16)})`);
      return -1;
    }
    this.stats.format = 'pcap';
    [this.le, this.tsPerSec] = k;
    this.linkType = d.getUint32(20, this.le) & 0x0fffffff;
    return 24;
  }

  /** One classic record; returns octets consumed, 0 when more input is needed. */
  private pcapRecord(b: Uint8Array, d: DataView, off: number, frames: Frame[]): number {
    if (b.length - off < 16) return 0;
    const sec = d.getUint32(off, this.le);
    const frac = d.getUint32(off + 4, this.le);
    const incl = d.getUint32(off + 8, this.le);
    if (incl > 0x4000000) {
      this.fail(`record at ${off} claims ${incl} octets`);
      return 0;
    }
    if (b.length - off - 16 < incl) return 0;
    this.stats.frames++;
    frames.push({ data: b.subarray(off + 16, off + 16 + incl), linkType: this.linkType, tsMs: sec * 1000 + (frac * 1000) / this.tsPerSec });
    return 16 + incl;
  }

  private fail(msg: string): void {
    this.failed = true;
    this.stats.errors.push(msg);
  }

  /** One pcapng block; returns octets consumed, 0 when more input is needed. */
  private ngBlock(b: Uint8Array, d: DataView, off: number, frames: Frame[]): number {
    if (b.length - off < 12) return 0;
    const typeLe = d.getUint32(off, true);
    if (typeLe === 0x0a0d0d0a) {
      // Section header: byte order comes from its magic; interfaces are per section.
      const bom = d.getUint32(off + 8, true);
      if (bom === 0x1a2b3c4d) this.le = true;
      else if (bom === 0x4d3c2b1a) this.le = false;
      else {
        this.fail(`bad pcapng byte-order magic at ${off}`);
        return 0;
      }
      this.ifaces = [];
    }
    const type = d.getUint32(off, this.le);
    const len = d.getUint32(off + 4, this.le);
    if (len < 12 || len % 4 !== 0 || len > 0x4000000) {
      this.fail(`pcapng block at ${off} has bad length ${len}`);
      return 0;
    }
    if (b.length - off < len) return 0;
    const body = off + 8;
    const bodyEnd = off + len - 4;
    if (type === 1) {
      if (bodyEnd - body < 8) return this.badBlock(off, len);
      const linkType = d.getUint16(body, this.le);
      this.ifaces.push({ linkType, tsPerSec: this.tsResolution(b, d, body + 8, bodyEnd) });
    } else if (type === 6 || type === 2) {
      // EPB (and obsolete PB, whose interface id is 16 bits followed by a drop count).
      if (bodyEnd - body < 20) return this.badBlock(off, len);
      const ifId = type === 6 ? d.getUint32(body, this.le) : d.getUint16(body, this.le);
      const hi = d.getUint32(body + 4, this.le);
      const lo = d.getUint32(body + 8, this.le);
      const cap = d.getUint32(body + 12, this.le);
      const iface = this.ifaces[ifId];
      if (iface === undefined || cap > bodyEnd - body - 20) return this.badBlock(off, len);
      this.stats.frames++;
      // 64-bit tick count: split into whole seconds first so nanosecond captures keep their milliseconds exact.
      const ticks = (BigInt(hi) << 32n) | BigInt(lo);
      const per = BigInt(iface.tsPerSec);
      const ts = Number(ticks / per) * 1000 + (Number(ticks % per) * 1000) / iface.tsPerSec;
      frames.push({ data: b.subarray(body + 20, body + 20 + cap), linkType: iface.linkType, tsMs: ts });
    } else if (type === 3) {
      // SPB: no timestamp; always interface 0.
      const iface = this.ifaces[0];
      if (iface === undefined || bodyEnd - body < 4) return this.badBlock(off, len);
      const orig = d.getUint32(body, this.le);
      const cap = Math.min(orig, bodyEnd - body - 4);
      this.stats.frames++;
      frames.push({ data: b.subarray(body + 4, body + 4 + cap), linkType: iface.linkType, tsMs: 0 });
    }
    return len;
  }

  private badBlock(off: number, len: number): number {
    this.stats.skipped++;
    this.stats.errors.push(`malformed pcapng block at ${off}`);
    return len;
  }

  /** if_tsresol option (code 9): 10^-n or 2^-n seconds; default microseconds. */
  private tsResolution(b: Uint8Array, d: DataView, p: number, end: number): number {
    for (let i = 0; i < 64 && end - p >= 4; i++) {
      const code = d.getUint16(p, this.le);
      const olen = d.getUint16(p + 2, this.le);
      if (code === 0) break;
      if (code === 9 && olen >= 1 && end - p >= 5) {
        const v = b[p + 4]!;
        const exp = v & 0x7f;
        return v & 0x80 ? 2 ** Math.min(exp, 63) : 10 ** Math.min(exp, 18);
      }
      p += 4 + Math.ceil(olen / 4) * 4;
    }
    return 1e6;
  }
}

interface FragmentGroup {
  parts: Array<{ offset: number; data: Uint8Array }>;
  total: number;
  header: ParsedPacket;
}

/** Link layer -> IP -> UDP, with bounded IPv4/IPv6 fragment reassembly. */
class FrameDecoder {
  private readonly groups = new Map<string, FragmentGroup>();

  constructor(private readonly stats: PcapStats) {}

  decode(f: Uint8Array, linkType: number, tsMs: number, frame: number): UdpDatagram | undefined {
    const p = this.parseLink(f, linkType);
    if (p === undefined || p.l4Offset === undefined || p.protocol !== 17 || p.srcAddr === undefined || p.dstAddr === undefined) {
      this.stats.skipped++;
      return undefined;
    }
    // Trim link-layer padding: the IP length says where the packet really ends.
    const ipEnd = Math.min(f.length, (p.ipOffset ?? 0) + (p.ipLength ?? f.length));
    if (p.fragmentOffset || p.moreFragments) {
      this.stats.fragments++;
      const whole = this.reassemble(p, f.subarray(p.l4Offset, ipEnd));
      if (whole === undefined) return undefined;
      this.stats.reassembled++;
      return this.udp(whole, 0, whole.length, p, tsMs, frame);
    }
    return this.udp(f, p.l4Offset, ipEnd, p, tsMs, frame);
  }

  private udp(b: Uint8Array, o: number, end: number, p: ParsedPacket, tsMs: number, frame: number): UdpDatagram | undefined {
    if (end - o < 8) {
      this.stats.truncated++;
      return undefined;
    }
    const udpLen = (b[o + 4]! << 8) | b[o + 5]!;
    let stop = o + udpLen;
    if (udpLen < 8 || stop > end) {
      this.stats.truncated++;
      stop = end; // keep what was captured; decoders bound-check anyway
    }
    this.stats.datagrams++;
    return {
      tsMs, srcAddr: p.srcAddr!, dstAddr: p.dstAddr!, srcPort: (b[o]! << 8) | b[o + 1]!, dstPort: (b[o + 2]! << 8) | b[o + 3]!,
      payload: b.subarray(o + 8, stop), frame,
    };
  }

  private parseLink(f: Uint8Array, linkType: number): ParsedPacket | undefined {
    switch (linkType) {
      case LINK_ETHERNET:
        return parseEthernet(f, 0, f.length);
      case LINK_RAW:
      case LINK_IPV4:
      case LINK_IPV6:
        return parseIp(f, 0, f.length);
      case LINK_SLL:
        return f.length >= 16 ? parseIp(f, 16, f.length) : undefined;
      case LINK_SLL2:
        return f.length >= 20 ? parseIp(f, 20, f.length) : undefined;
      case LINK_NULL:
      case LINK_LOOP:
        return f.length >= 4 ? parseIp(f, 4, f.length) : undefined;
      default:
        return undefined;
    }
  }

  private reassemble(p: ParsedPacket, data: Uint8Array): Uint8Array | undefined {
    const key = `${p.srcAddr}|${p.dstAddr}|${p.fragmentId}|${p.ipVersion}`;
    let g = this.groups.get(key);
    if (g === undefined) {
      if (this.groups.size >= MAX_FRAGMENT_GROUPS) this.groups.delete(this.groups.keys().next().value as string);
      g = { parts: [], total: -1, header: p };
      this.groups.set(key, g);
    }
    const offset = p.fragmentOffset ?? 0;
    if (offset + data.length > 65535 || g.parts.length >= 64) {
      this.groups.delete(key);
      return undefined;
    }
    g.parts.push({ offset, data: data.slice() });
    if (offset === 0) g.header = p;
    if (!p.moreFragments) g.total = offset + data.length;
    if (g.total < 0) return undefined;
    const parts = [...g.parts].sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const part of parts) {
      if (part.offset > covered) return undefined;
      covered = Math.max(covered, part.offset + part.data.length);
    }
    if (covered < g.total) return undefined;
    const whole = new Uint8Array(g.total);
    for (const part of parts) whole.set(part.data.subarray(0, Math.max(0, g.total - part.offset)), part.offset);
    this.groups.delete(key);
    // Ports come from the first fragment's header.
    p.srcAddr = g.header.srcAddr;
    p.dstAddr = g.header.dstAddr;
    return whole;
  }
}
