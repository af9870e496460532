import { crc32 } from 'node:zlib';

/**
 * On-disk record framing for spool segments: [u32 length][u32 crc32(payload)][payload].
 * A record torn by a crash (short length or bad checksum at the tail) is detected on open and cut off;
 * everything before it was fully written and is kept.
 */
export const HEADER_BYTES = 8;
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export function frameRecord(payload: Buffer): Buffer {
  return frameRecords([payload]);
}

/**
 * Frames records into one buffer (one allocation; string payloads are UTF-8 encoded in place, so a
 * batch of serialized events costs no intermediate Buffer per event).
 */
export function frameRecords(payloads: ReadonlyArray<Buffer | string>): Buffer {
  let total = 0;
  const lengths = new Array<number>(payloads.length);
  for (let k = 0; k < payloads.length; k++) {
    const p = payloads[k]!;
    const len = typeof p === 'string' ? Buffer.byteLength(p) : p.length;
    lengths[k] = len;
    total += HEADER_BYTES + len;
  }
  const out = Buffer.allocUnsafe(total);
  let o = 0;
  for (let k = 0; k < payloads.length; k++) {
    const p = payloads[k]!;
    const len = lengths[k]!;
    const start = o + HEADER_BYTES;
    if (typeof p === 'string') out.write(p, start, len, 'utf8');
    else p.copy(out, start);
    out.writeUInt32BE(len, o);
    out.writeUInt32BE(crc32(out.subarray(start, start + len)) >>> 0, o + 4);
    o = start + len;
  }
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
