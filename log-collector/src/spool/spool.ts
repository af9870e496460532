import fs from 'node:fs';
import { frameRecords, scanRecords } from './segment-format.js';
import { segmentNumbers, segmentPath, SpoolReader, type SpoolBatch, type SpoolPosition } from './spool-reader.js';

export interface SpoolOptions {
  dir: string;
  /** Upper bound of bytes on disk not yet acknowledged; writers see `full` beyond it. */
  maxBytes: number;
  /** Segment rollover size. */
  segmentBytes?: number;
}

export type { SpoolBatch, SpoolPosition } from './spool-reader.js';

/**
 * Durable, append-only spool between sources and sinks. Appends go to the OS with write(2) before the
 * source acknowledges, so a SIGKILL of the collector loses nothing accepted; the sink reads in order and
 * acknowledges after the store confirmed, and only then are whole segments deleted. The ack cursor is
 * replaced atomically (write + rename), so a crash between store and ack replays a batch, which
 * deterministic event ids make harmless. Reading and acknowledging is a SpoolReader: in this thread
 * through `read`/`ack`, or in a sink worker that reports freed bytes through `released`.
 */
export class Spool {
  private readonly segmentBytes: number;
  private writeSegment = 0;
  private writeFd = -1;
  private writeOffset = 0;
  private reader: SpoolReader | undefined;
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
    return segmentPath(this.opts.dir, n);
  }

  private open(): void {
    const segs = segmentNumbers(this.opts.dir);
    const ackPos = new SpoolReader(this.opts.dir).acknowledged;
    if (segs.length === 0) segs.push(Math.max(ackPos.segment, 0));
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
    this.writeSegment = last;
    this.writeFd = fs.openSync(this.segPath(last), 'a');
    this.writeOffset = fs.fstatSync(this.writeFd).size;
    this.pendingBytes = 0;
    for (const s of segs) {
      const size = fs.existsSync(this.segPath(s)) ? fs.statSync(this.segPath(s)).size : 0;
      if (s > ackPos.segment) this.pendingBytes += size;
      else if (s === ackPos.segment) this.pendingBytes += Math.max(0, size - ackPos.offset);
    }
  }

  /** Bytes spooled and not yet acknowledged by the sink. */
  get backlogBytes(): number {
    return this.pendingBytes;
  }

  get full(): boolean {
    return this.pendingBytes >= this.opts.maxBytes;
  }

  /** Appends records (bytes, or text stored as UTF-8) durably (to the OS) in one write; returns false (nothing written) when full. */
  append(payloads: ReadonlyArray<Buffer | string>): boolean {
    if (payloads.length === 0) return true;
    if (this.full) return false;
    const framed = frameRecords(payloads);
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

  /** The in-thread reader (created on first use, after the torn tail was cut). */
  private own(): SpoolReader {
    return (this.reader ??= new SpoolReader(this.opts.dir));
  }

  /** Reads up to `max` records after the last read position (not the ack: unacked reads are not re-read). */
  read(max: number): SpoolBatch | undefined {
    return this.own().read(max);
  }

  /** Continues reading from `pos`, a position of the last batch read here. */
  seek(pos: SpoolPosition): void {
    this.own().seek(pos);
  }

  /** Rewinds reading to the acknowledged position (after a sink failure, to retry the same records). */
  rewind(): void {
    this.own().rewind();
  }

  /** Marks everything up to `pos` as stored; deletes segments wholly behind it. */
  ack(pos: SpoolPosition): void {
    this.released(this.own().ack(pos));
  }

  /** A reader (possibly in another thread) acknowledged `bytes`: they no longer count against `maxBytes`. */
  released(bytes: number): void {
    this.pendingBytes = Math.max(0, this.pendingBytes - bytes);
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
