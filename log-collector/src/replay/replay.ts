/**
 * Offline replay: turns a capture or dump into the normalized documents the running collector would
 * spool, without any listener or store. Formats:
 *   pcap / pcapng   UDP datagrams; by destination port: 6343 → sFlow, 514/5514 → syslog, anything else
 *                   whose first bytes are a NetFlow v5/v9/IPFIX version → flows, an sFlow v5 header → sFlow
 *   flow            one raw NetFlow/IPFIX/sFlow UDP payload per file
 *   flow-lp         several payloads, each preceded by its length as an unsigned 32-bit big-endian integer
 *   syslog          a text file, one syslog message per line
 * `auto` picks pcap/pcapng by magic number, `flow` when the file starts with a flow version, else `syslog`.
 */
import type { EcsDocument } from '@emsoc/event-store/contract';
import { iteratePcapUdp, newStats } from './pcap.js';
import { decodeFlowPacket, TemplateCache } from '../sources/netflow/index.js';
import { decodeSflowPacket } from '../sources/sflow/index.js';
import { flowDocuments } from '../sources/flow-udp.js';
import { syslogDecoder } from '../sources/syslog/decode.js';
import type { Enrichment } from '../transforms/index.js';

export const REPLAY_FORMATS = ['auto', 'pcap', 'flow', 'flow-lp', 'syslog'] as const;
export type ReplayFormat = (typeof REPLAY_FORMATS)[number];

export interface ReplayOptions {
  format: ReplayFormat;
  timezone: string;
  enrichment?: Enrichment;
  /** Exporter address for flow dumps without one (pcap carries its own). */
  exporter?: string;
  /** Receive time for inputs without a capture time (default now). */
  receivedAt?: Date;
}

export interface ReplayStats {
  format: Exclude<ReplayFormat, 'auto'>;
  inputs: number;
  documents: number;
  skipped: number;
  errors: string[];
}

function isPcap(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  const m = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1 || m === 0x0a0d0d0a;
}

function flowKind(b: Uint8Array): 'netflow' | 'sflow' | undefined {
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 5) return 'sflow';
  if (b.length >= 2 && b[0] === 0 && (b[1] === 5 || b[1] === 9 || b[1] === 10)) return 'netflow';
  return undefined;
}

export function detectFormat(b: Uint8Array): Exclude<ReplayFormat, 'auto'> {
  if (isPcap(b)) return 'pcap';
  if (flowKind(b)) return 'flow';
  return 'syslog';
}

/** Yields normalized documents in input order; `stats` is filled as it goes. */
export function* replay(file: Uint8Array, opts: ReplayOptions, stats: ReplayStats): Generator<EcsDocument> {
  const format = opts.format === 'auto' ? detectFormat(file) : opts.format;
  stats.format = format;
  const templates = new TemplateCache();
  const syslog = syslogDecoder(opts.enrichment, opts.timezone);
  const at = opts.receivedAt ?? new Date();
  const exporter = { address: opts.exporter ?? '0.0.0.0', port: 0 };
  const flow = function* (payload: Uint8Array, from: { address: string; port: number }, when: Date): Generator<EcsDocument> {
    const kind = flowKind(payload);
    stats.inputs++;
    if (!kind) {
      stats.skipped++;
      return;
    }
    const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    const docs =
      kind === 'sflow'
        ? flowDocuments('sflow', decodeSflowPacket, buf, from, when)
        : flowDocuments('netflow', (m, e, r) => decodeFlowPacket(m, e, r, templates), buf, from, when);
    for (const d of docs) {
      stats.documents++;
      yield d;
    }
  };
  if (format === 'pcap') {
    const ps = newStats();
    for (const d of iteratePcapUdp(file, ps)) {
      const when = new Date(Math.floor(d.tsMs));
      if (d.dstPort === 514 || d.dstPort === 5514) {
        stats.inputs++;
        for (const doc of syslog(Buffer.from(d.payload), { transport: 'udp', remoteAddress: d.srcAddr, remotePort: d.srcPort, receivedAt: when })) {
          stats.documents++;
          yield doc;
        }
      } else yield* flow(d.payload, { address: d.srcAddr, port: d.srcPort }, when);
    }
    stats.skipped += ps.skipped;
    stats.errors.push(...ps.errors);
  } else if (format === 'flow') {
    yield* flow(file, exporter, at);
  } else if (format === 'flow-lp') {
    let pos = 0;
    while (pos + 4 <= file.length) {
      const len = ((file[pos]! << 24) | (file[pos + 1]! << 16) | (file[pos + 2]! << 8) | file[pos + 3]!) >>> 0;
      if (len > 65535 || pos + 4 + len > file.length) {
        stats.errors.push(`length prefix ${len} at offset ${pos} runs past the file or a UDP payload`);
        return;
      }
      yield* flow(file.subarray(pos + 4, pos + 4 + len), exporter, at);
      pos += 4 + len;
    }
    if (pos !== file.length) stats.errors.push(`${file.length - pos} trailing bytes after the last payload`);
  } else {
    const text = Buffer.from(file.buffer, file.byteOffset, file.length).toString('utf8');
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end).replace(/\r$/, '');
      start = end + 1;
      if (line.trim() === '') continue;
      stats.inputs++;
      for (const doc of syslog(Buffer.from(line), { transport: 'udp', remoteAddress: opts.exporter ?? '', remotePort: 0, receivedAt: at })) {
        stats.documents++;
        yield doc;
      }
    }
  }
}
