import { crc32 } from 'node:zlib';

/**
 * On-disk record framing for spool segments: [u32 length][u32 crc32(payload)][payload].
 * A record torn by a crash (short length or bad checksum at the tail) is detected on open and cut off;
 * everything before it was fully written and is kept.
 */
export const HEADER_BYTES = 8;
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export function frameRecord(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(crc32(payload) >>> 0, 4);
  payload.copy(out, HEADER_BYTES);
  return out;
}

export interface ScannedRecord {
  offset: number;
  payload: Buffer;
}

/** Reads whole, valid records from `buf` starting at `offset`; stops at the first torn or corrupt one. */
export function scanRecords(buf: Buffer, offset: number, maxRecords = Infinity): { records: ScannedRecord[]; end: number; corrupt: boolean } {
  const records: ScannedRecord[] = [];
  let pos = offset;
  while (records.length < maxRecords && pos + HEADER_BYTES <= buf.length) {
    const len = buf.readUInt32BE(pos);
    if (len > MAX_RECORD_BYTES) return { records, end: pos, corrupt: true };
    if (pos + HEADER_BYTES + len > buf.length) break;
    const payload = buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + len);
    if ((crc32(payload) >>> 0) !== buf.readUInt32BE(pos + 4)) return { records, end: pos, corrupt: true };
    records.push({ offset: pos, payload });
    pos += HEADER_BYTES + len;
  }
  return { records, end: pos, corrupt: false };
}
