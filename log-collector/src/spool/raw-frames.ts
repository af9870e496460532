/**
 * The raw-frame spool record: syslog frames as received, with their receipt, written by the receive path
 * without parsing them (the drain parses, normalizes and enriches before the store write). Raw is what
 * was accepted, so a parser bug can never lose it.
 *
 * A spool record is either a SpoolEntry as JSON text (first byte `{`, the older and still current kind for
 * decoded documents) or binary, marked by a first byte that JSON text never starts with:
 *
 *   0x00 RAW_SYSLOG: [u8 0x00][u8 version=1][u8 transport][u8 n][n bytes source id]
 *                    [f64 BE received-at ms][u16 BE peer port][u8 n][n bytes peer address]
 *                    [u8 n][n bytes client certificate SHA-256 hex, n = 0 when none]
 *                    then frames: [u32 BE: bit 31 = truncated, bits 0–30 = length][length bytes] …
 *
 * One record holds the frames of one read (one receipt), so the spool's per-record header and checksum are
 * paid per read, not per event.
 */
export const RAW_SYSLOG = 0x00;
const VERSION = 1;
const TRUNCATED = 0x80000000;
const MAX_FRAME = 0x7fffffff;

export type RawTransport = 'udp' | 'tcp' | 'tls';
const TRANSPORTS: readonly RawTransport[] = ['udp', 'tcp', 'tls'];

/** Receipt metadata of the frames of one raw record. */
export interface RawReceipt {
  /** Metric label of the source (syslog_tcp, …). */
  source: string;
  transport: RawTransport;
  receivedAtMs: number;
  remoteAddress: string;
  remotePort: number;
  clientCertificate?: string | undefined;
}

export interface RawFrameRef {
  data: Buffer;
  truncated: boolean;
}

/** Short ASCII fields (source id, address, hex fingerprint): longer ones are cut, never mis-framed. */
const short = (s: string): string => (s.length > 255 ? s.slice(0, 255) : s);

/** Encodes the frames of one receipt as one record (one allocation, frames copied once). */
export function encodeRawFrames(r: RawReceipt, frames: ReadonlyArray<RawFrameRef>, from = 0, to = frames.length): Buffer {
  const source = short(r.source);
  const address = short(r.remoteAddress);
  const cert = short(r.clientCertificate ?? '');
  let total = 4 + source.length + 8 + 2 + 1 + address.length + 1 + cert.length;
  for (let k = from; k < to; k++) total += 4 + frames[k]!.data.length;
  const out = Buffer.allocUnsafe(total);
  out[0] = RAW_SYSLOG;
  out[1] = VERSION;
  out[2] = TRANSPORTS.indexOf(r.transport);
  out[3] = source.length;
  let o = 4 + out.write(source, 4, 'latin1');
  o = out.writeDoubleBE(r.receivedAtMs, o);
  o = out.writeUInt16BE(r.remotePort & 0xffff, o);
  out[o++] = address.length;
  o += out.write(address, o, 'latin1');
  out[o++] = cert.length;
  o += out.write(cert, o, 'latin1');
  for (let k = from; k < to; k++) {
    const f = frames[k]!;
    const len = Math.min(f.data.length, MAX_FRAME);
    out.writeUInt32BE((f.truncated ? TRUNCATED : 0) + len, o);
    o += 4 + f.data.copy(out, o + 4, 0, len);
  }
  return out;
}

export function isRawSyslog(payload: Buffer): boolean {
  return payload.length > 0 && payload[0] === RAW_SYSLOG;
}

/** A raw record that cannot be read (only a format change or a bug could produce one: records are checksummed). */
export class RawRecordError extends Error {}

/** Reads the receipt of a raw record; `framesAt` is where its frames start. */
export function readRawReceipt(payload: Buffer): RawReceipt & { framesAt: number } {
  if (payload.length < 4 || payload[0] !== RAW_SYSLOG) throw new RawRecordError('not a raw syslog record');
  if (payload[1] !== VERSION) throw new RawRecordError(`raw syslog record version ${payload[1]} unknown`);
  const transport = TRANSPORTS[payload[2]!];
  if (!transport) throw new RawRecordError(`raw syslog record transport ${payload[2]} unknown`);
  let o = 4 + payload[3]!;
  if (o + 8 + 2 + 1 > payload.length) throw new RawRecordError('raw syslog record header cut short');
  const source = payload.toString('latin1', 4, o);
  const receivedAtMs = payload.readDoubleBE(o);
  const remotePort = payload.readUInt16BE(o + 8);
  o += 10;
  const addrEnd = o + 1 + payload[o]!;
  if (addrEnd + 1 > payload.length) throw new RawRecordError('raw syslog record header cut short');
  const remoteAddress = payload.toString('latin1', o + 1, addrEnd);
  const certEnd = addrEnd + 1 + payload[addrEnd]!;
  if (certEnd > payload.length) throw new RawRecordError('raw syslog record header cut short');
  const cert = payload.toString('latin1', addrEnd + 1, certEnd);
  return { source, transport, receivedAtMs, remoteAddress, remotePort, clientCertificate: cert || undefined, framesAt: certEnd };
}

/**
 * Calls `onFrame` for each frame from `at` on (`data` is a view into `payload`). A frame that cannot be
 * delimited throws RawFrameError with the offset of the unread rest; the frames before it were delivered.
 */
export function forEachRawFrame(payload: Buffer, at: number, onFrame: (data: Buffer, truncated: boolean) => void): void {
  const n = payload.length;
  for (let o = at; o < n; ) {
    if (o + 4 > n) throw new RawFrameError(o, 'raw syslog frame header cut short');
    const word = payload.readUInt32BE(o);
    const len = word & MAX_FRAME;
    const end = o + 4 + len;
    if (end > n) throw new RawFrameError(o, `raw syslog frame of ${len} bytes overruns its record`);
    onFrame(payload.subarray(o + 4, end), word >= TRUNCATED);
    o = end;
  }
}

/** A frame of a raw record could not be delimited; the bytes from `offset` on were not read. */
export class RawFrameError extends RawRecordError {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}
