/** NetFlow v5: fixed 24-octet header and 48-octet records (no templates). */
import type { DecodeResult, Exporter, FlowRecord } from './types.js';
import { formatIpv4, u16, u32 } from './values.js';

const HEADER = 24;
const RECORD = 48;
/** v5 headers carry a count of at most 30 records (Cisco limit); tolerate more but cap at what fits. */

export function decodeV5(b: Uint8Array, exporter: Exporter, receivedMs: number, out: DecodeResult): void {
  if (b.length < HEADER) {
    out.errors.push({ code: 'truncated', message: `NetFlow v5 header needs ${HEADER} octets, got ${b.length}`, offset: 0 });
    return;
  }
  const count = u16(b, 2);
  const sysUptime = u32(b, 4);
  const exportMs = u32(b, 8) * 1000 + Math.floor(u32(b, 12) / 1e6);
  const sequence = u32(b, 16);
  const engineType = b[20]!;
  const engineId = b[21]!;
  const sampling = u16(b, 22) & 0x3fff;
  const fits = Math.floor((b.length - HEADER) / RECORD);
  if (count > fits) {
    out.errors.push({ code: 'truncated', message: `NetFlow v5 header announces ${count} records, only ${fits} present`, offset: HEADER });
  }
  const n = Math.min(count, fits);
  // Uptime-relative times: boot time = export time - uptime.
  const bootMs = exportMs - sysUptime;
  for (let i = 0; i < n; i++) {
    const o = HEADER + i * RECORD;
    const rec: FlowRecord = {
      version: 5,
      exporter,
      observationDomain: (engineType << 8) | engineId,
      sequence,
      templateId: 0,
      recordIndex: i,
      receivedMs,
      exportMs,
      srcAddr: formatIpv4(b, o),
      dstAddr: formatIpv4(b, o + 4),
      nextHop: formatIpv4(b, o + 8),
      inputInterface: u16(b, o + 12),
      outputInterface: u16(b, o + 14),
      packets: u32(b, o + 16),
      bytes: u32(b, o + 20),
      startMs: bootMs + u32(b, o + 24),
      endMs: bootMs + u32(b, o + 28),
      srcPort: u16(b, o + 32),
      dstPort: u16(b, o + 34),
      tcpFlags: b[o + 37]!,
      protocol: b[o + 38]!,
      tos: b[o + 39]!,
      srcAs: u16(b, o + 40),
      dstAs: u16(b, o + 42),
      srcMask: b[o + 44]!,
      dstMask: b[o + 45]!,
      packet: b,
      rawStart: o,
      rawEnd: o + RECORD,
      setStart: 0,
      setEnd: HEADER + n * RECORD,
    };
    if (sampling > 0) rec.samplingInterval = sampling;
    out.records.push(rec);
  }
}
