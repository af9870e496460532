import fs from 'node:fs';
import path from 'node:path';
import { HEADER_BYTES, scanRecords } from './segment-format.js';

export interface SpoolPosition {
  segment: number;
  offset: number;
}

export interface SpoolBatch {
  payloads: Buffer[];
  /** Acknowledge this to delete what the batch covered. */
  end: SpoolPosition;
  /** The position after each record (`ends[k]` covers payloads 0..k): to take only part of a batch, see `seek`. */
  ends?: SpoolPosition[];
}

const READ_WINDOW_BYTES = 1024 * 1024;

export const segmentPath = (dir: string, n: number): string => path.join(dir, `${String(n).padStart(10, '0')}.seg`);

export function segmentNumbers(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{10}\.seg$/.test(f))
    .map((f) => Number(f.slice(0, 10)))
    .sort((a, b) => a - b);
}

/**
 * The consuming side of a spool directory: reads records in order from the acknowledged position and
 * acknowledges what the store confirmed (ack cursor written atomically, wholly-acknowledged segments
 * deleted). It needs no state from the writer, so it can run in another thread than the appends: only
 * whole, checksummed records are returned, and a segment is left for the next one only once the
 * writer has rolled over (the next segment exists), after which the old one never grows again.
 */
export class SpoolReader {
  private readPos: SpoolPosition;
  private ackPos: SpoolPosition = { segment: 0, offset: 0 };
  private window: Buffer = Buffer.allocUnsafeSlow(READ_WINDOW_BYTES);

  constructor(private readonly dir: string) {
    const ackFile = path.join(dir, 'ack.json');
    if (fs.existsSync(ackFile)) {
      try {
        this.ackPos = JSON.parse(fs.readFileSync(ackFile, 'utf8')) as SpoolPosition;
      } catch {
        this.ackPos = { segment: 0, offset: 0 };
      }
    }
    const first = segmentNumbers(dir)[0];
    if (first !== undefined && this.ackPos.segment < first) this.ackPos = { segment: first, offset: 0 };
    this.readPos = { ...this.ackPos };
  }

  get acknowledged(): SpoolPosition {
    return { ...this.ackPos };
  }

  private hasLater(segment: number): boolean {
    return fs.existsSync(segmentPath(this.dir, segment + 1));
  }

  /**
   * Reads up to `max` records after the last read position (not the ack: unacked reads are not re-read).
   * With `borrow`, payloads are views into the reader's window, valid only until the next read (for a
   * consumer that decodes them at once: no copy per record).
   */
  read(max: number, opts: { borrow?: boolean } = {}): SpoolBatch | undefined {
    while (true) {
      const p = segmentPath(this.dir, this.readPos.segment);
      if (!fs.existsSync(p)) {
        if (this.hasLater(this.readPos.segment)) {
          this.readPos = { segment: this.readPos.segment + 1, offset: 0 };
          continue;
        }
        return undefined;
      }
      // A window sized for one batch of typical events (a larger single record is read whole, into a
      // buffer of its own that is not kept).
      const read = readFrom(p, this.readPos.offset, READ_WINDOW_BYTES, this.window);
      if (read.window.length <= READ_WINDOW_BYTES) this.window = read.window;
      const { records, end } = scanRecords(read.view, 0, max);
      if (records.length > 0) {
        const { segment, offset } = this.readPos;
        this.readPos = { segment, offset: offset + end };
        return {
          payloads: records.map((r) => (opts.borrow ? r.payload : Buffer.from(r.payload))),
          end: { ...this.readPos },
          ends: records.map((r) => ({ segment, offset: offset + r.offset + HEADER_BYTES + r.payload.length })),
        };
      }
      if (this.hasLater(this.readPos.segment)) {
        this.readPos = { segment: this.readPos.segment + 1, offset: 0 };
        continue;
      }
      return undefined;
    }
  }

  /** Continues reading from `pos`, a position of the last batch (its records after `pos` are read again). */
  seek(pos: SpoolPosition): void {
    this.readPos = { ...pos };
  }

  /** Rewinds reading to the acknowledged position (after a sink failure, to retry the same records). */
  rewind(): void {
    this.readPos = { ...this.ackPos };
  }

  /** Marks everything up to `pos` as stored, deletes segments wholly behind it; returns the bytes freed. */
  ack(pos: SpoolPosition): number {
    const before = this.ackPos;
    let freed = 0;
    for (const s of segmentNumbers(this.dir)) {
      if (s >= pos.segment) break;
      const size = fs.statSync(segmentPath(this.dir, s)).size;
      freed += s === before.segment ? size - before.offset : size;
      fs.rmSync(segmentPath(this.dir, s), { force: true });
    }
    freed += pos.segment === before.segment ? pos.offset - before.offset : pos.offset;
    this.ackPos = { ...pos };
    const tmp = path.join(this.dir, 'ack.json.tmp');
    fs.writeFileSync(tmp, JSON.stringify(this.ackPos));
    fs.renameSync(tmp, path.join(this.dir, 'ack.json'));
    return freed;
  }
}

/**
 * Reads up to `maxBytes` of `file` from `offset` into `window` (grown, and returned, when a single record
 * is larger); returns the view of what was read. One window per reader, reused: records are copied out of
 * it, and a fresh megabyte per read only churns the allocator (the RSS of a busy sink grew with it).
 */
function readFrom(file: string, offset: number, maxBytes: number, window: Buffer): { view: Buffer; window: Buffer } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let len = Math.min(maxBytes, size - offset);
    if (len <= 0) return { view: window.subarray(0, 0), window };
    // A single record larger than the window: read it whole.
    if (len >= 4) {
      fs.readSync(fd, window, 0, 4, offset);
      len = Math.min(size - offset, Math.max(len, window.readUInt32BE(0) + 8));
    }
    if (len > window.length) window = Buffer.allocUnsafeSlow(len);
    const got = fs.readSync(fd, window, 0, len, offset);
    return { view: window.subarray(0, got), window };
  } finally {
    fs.closeSync(fd);
  }
}
