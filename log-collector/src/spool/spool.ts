import fs from 'node:fs';
import path from 'node:path';
import { frameRecord, scanRecords } from './segment-format.js';

export interface SpoolOptions {
  dir: string;
  /** Upper bound of bytes on disk not yet acknowledged; writers see `full` beyond it. */
  maxBytes: number;
  /** Segment rollover size. */
  segmentBytes?: number;
}

export interface SpoolPosition {
  segment: number;
  offset: number;
}

export interface SpoolBatch {
  payloads: Buffer[];
  /** Acknowledge this to delete what the batch covered. */
  end: SpoolPosition;
}

/**
 * Durable, append-only spool between sources and sinks. Appends go to the OS with write(2) before the
 * source acknowledges, so a SIGKILL of the collector loses nothing accepted; the sink reads in order and
 * acknowledges after the store confirmed, and only then are whole segments deleted. The ack cursor is
 * replaced atomically (write + rename), so a crash between store and ack replays a batch, which
 * deterministic event ids make harmless.
 */
export class Spool {
  private readonly segmentBytes: number;
  private writeSegment = 0;
  private writeFd = -1;
  private writeOffset = 0;
  private readPos: SpoolPosition = { segment: 0, offset: 0 };
  private ackPos: SpoolPosition = { segment: 0, offset: 0 };
  private pendingBytes = 0;
  private readonly waiters: Array<() => void> = [];
  /** Records cut off at open because a crash tore them (they were never acknowledged to a sender). */
  truncatedTail = 0;

  constructor(private readonly opts: SpoolOptions) {
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    fs.mkdirSync(opts.dir, { recursive: true });
    this.open();
  }

  private segPath(n: number): string {
    return path.join(this.opts.dir, `${String(n).padStart(10, '0')}.seg`);
  }

  private segments(): number[] {
    return fs
      .readdirSync(this.opts.dir)
      .filter((f) => /^\d{10}\.seg$/.test(f))
      .map((f) => Number(f.slice(0, 10)))
      .sort((a, b) => a - b);
  }

  private open(): void {
    const ackFile = path.join(this.opts.dir, 'ack.json');
    if (fs.existsSync(ackFile)) {
      try {
        this.ackPos = JSON.parse(fs.readFileSync(ackFile, 'utf8')) as SpoolPosition;
      } catch {
        this.ackPos = { segment: 0, offset: 0 };
      }
    }
    const segs = this.segments();
    if (segs.length === 0) segs.push(Math.max(this.ackPos.segment, 0));
    const last = segs[segs.length - 1]!;
    // Cut a torn tail of the newest segment so appends continue after the last whole record.
    if (fs.existsSync(this.segPath(last))) {
      const buf = fs.readFileSync(this.segPath(last));
      const { end } = scanRecords(buf, 0);
      if (end < buf.length) {
        this.truncatedTail++;
        fs.truncateSync(this.segPath(last), end);
      }
    }
    if (this.ackPos.segment < segs[0]!) this.ackPos = { segment: segs[0]!, offset: 0 };
    this.readPos = { ...this.ackPos };
    this.writeSegment = last;
    this.writeFd = fs.openSync(this.segPath(last), 'a');
    this.writeOffset = fs.fstatSync(this.writeFd).size;
    this.pendingBytes = 0;
    for (const s of segs) {
      const size = fs.existsSync(this.segPath(s)) ? fs.statSync(this.segPath(s)).size : 0;
      if (s > this.ackPos.segment) this.pendingBytes += size;
      else if (s === this.ackPos.segment) this.pendingBytes += Math.max(0, size - this.ackPos.offset);
    }
  }

  /** Bytes spooled and not yet acknowledged by the sink. */
  get backlogBytes(): number {
    return this.pendingBytes;
  }

  get full(): boolean {
    return this.pendingBytes >= this.opts.maxBytes;
  }

  /** Appends records durably (to the OS) in one write; returns false (nothing written) when full. */
  append(payloads: Buffer[]): boolean {
    if (payloads.length === 0) return true;
    if (this.full) return false;
    const framed = Buffer.concat(payloads.map(frameRecord));
    if (this.writeOffset > 0 && this.writeOffset + framed.length > this.segmentBytes) this.roll();
    fs.writeSync(this.writeFd, framed);
    this.writeOffset += framed.length;
    this.pendingBytes += framed.length;
    for (const w of this.waiters.splice(0)) w();
    return true;
  }

  private roll(): void {
    fs.closeSync(this.writeFd);
    this.writeSegment++;
    this.writeFd = fs.openSync(this.segPath(this.writeSegment), 'a');
    this.writeOffset = 0;
  }

  /** Reads up to `max` records after the last read position (not the ack: unacked reads are not re-read). */
  read(max: number): SpoolBatch | undefined {
    while (true) {
      const p = this.segPath(this.readPos.segment);
      if (!fs.existsSync(p)) {
        if (this.readPos.segment < this.writeSegment) {
          this.readPos = { segment: this.readPos.segment + 1, offset: 0 };
          continue;
        }
        return undefined;
      }
      const buf = this.readFrom(p, this.readPos.offset, 8 * 1024 * 1024);
      const { records, end } = scanRecords(buf, 0, max);
      if (records.length > 0) {
        this.readPos = { segment: this.readPos.segment, offset: this.readPos.offset + end };
        return { payloads: records.map((r) => Buffer.from(r.payload)), end: { ...this.readPos } };
      }
      if (this.readPos.segment < this.writeSegment) {
        this.readPos = { segment: this.readPos.segment + 1, offset: 0 };
        continue;
      }
      return undefined;
    }
  }

  private readFrom(file: string, offset: number, maxBytes: number): Buffer {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      let len = Math.min(maxBytes, size - offset);
      if (len <= 0) return Buffer.alloc(0);
      // A single record larger than the window: read it whole.
      if (len >= 4) {
        const head = Buffer.alloc(4);
        fs.readSync(fd, head, 0, 4, offset);
        len = Math.min(size - offset, Math.max(len, head.readUInt32BE(0) + 8));
      }
      const buf = Buffer.allocUnsafe(len);
      fs.readSync(fd, buf, 0, len, offset);
      return buf;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Rewinds reading to the acknowledged position (after a sink failure, to retry the same records). */
  rewind(): void {
    this.readPos = { ...this.ackPos };
  }

  /** Marks everything up to `pos` as stored; deletes segments wholly behind it. */
  ack(pos: SpoolPosition): void {
    const before = this.ackPos;
    let freed = 0;
    for (const s of this.segments()) {
      if (s >= pos.segment) break;
      const size = fs.statSync(this.segPath(s)).size;
      freed += s === before.segment ? size - before.offset : size;
      fs.rmSync(this.segPath(s), { force: true });
    }
    freed += pos.segment === before.segment ? pos.offset - before.offset : pos.offset;
    this.ackPos = { ...pos };
    this.pendingBytes = Math.max(0, this.pendingBytes - freed);
    const tmp = path.join(this.opts.dir, 'ack.json.tmp');
    fs.writeFileSync(tmp, JSON.stringify(this.ackPos));
    fs.renameSync(tmp, path.join(this.opts.dir, 'ack.json'));
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when new records are appended or space is freed. */
  changed(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  close(): void {
    if (this.writeFd >= 0) fs.closeSync(this.writeFd);
    this.writeFd = -1;
  }
}
