/**
 * Fluent Forward protocol v1: the four event modes carried by one MessagePack array.
 *   Message                 [tag, time, record, option?]
 *   Forward                 [tag, [[time, record], ...], option?]
 *   PackedForward           [tag, bin|str (concatenated [time, record] objects), option?]
 *   CompressedPackedForward same, entries gzip-compressed, option.compressed = "gzip"
 * `time` is an integer (seconds) or EventTime (ext type 0: u32 seconds, u32 nanoseconds, big endian).
 * Throws ForwardProtocolError on anything else; nothing here trusts a length it has not bounded.
 */
import { gunzipSync } from 'node:zlib';
import { Decoder, ExtData } from '@msgpack/msgpack';
import { scanMsgpack, type ScanLimits } from './msgpack-scan.js';

export type ForwardMode = 'Message' | 'Forward' | 'PackedForward' | 'CompressedPackedForward';

export interface ForwardEntry {
  /** Epoch seconds and nanoseconds of the event. */
  sec: number;
  nsec: number;
  record: Record<string, unknown>;
}

export interface ForwardMessage {
  mode: ForwardMode;
  tag: string;
  entries: ForwardEntry[];
  /** Present when the client wants an ack: `{ack: chunk}` is returned after the entries are spooled. */
  chunk?: string;
}

export interface ForwardLimits extends ScanLimits {
  /** Largest decompressed PackedForward stream. */
  maxDecompressedBytes: number;
  /** Most entries in one message. */
  maxEntries: number;
}

export const DEFAULT_FORWARD_LIMITS: ForwardLimits = {
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 32,
  maxDecompressedBytes: 64 * 1024 * 1024,
  maxEntries: 1_000_000,
};

export class ForwardProtocolError extends Error {}

function decoderFor(limits: ForwardLimits): Decoder {
  return new Decoder({
    maxStrLength: limits.maxDecompressedBytes,
    maxBinLength: limits.maxDecompressedBytes,
    maxArrayLength: limits.maxEntries,
    maxMapLength: 65536,
    maxExtLength: 1024,
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof ExtData);
}

function eventTime(v: unknown): { sec: number; nsec: number } {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return { sec: Math.floor(v), nsec: Math.round((v % 1) * 1e9) };
  if (typeof v === 'bigint' && v >= 0n && v < 2n ** 53n) return { sec: Number(v), nsec: 0 };
  if (v instanceof ExtData && v.type === 0 && v.data instanceof Uint8Array && v.data.length === 8) {
    const dv = new DataView(v.data.buffer, v.data.byteOffset, 8);
    const nsec = dv.getUint32(4);
    if (nsec > 999_999_999) throw new ForwardProtocolError('EventTime nanoseconds out of range');
    return { sec: dv.getUint32(0), nsec };
  }
  // The Date-typed msgpack timestamp (ext -1) appears from some libraries.
  if (v instanceof Date && !Number.isNaN(v.getTime())) return { sec: Math.floor(v.getTime() / 1000), nsec: (v.getTime() % 1000) * 1e6 };
  throw new ForwardProtocolError('entry time is neither an integer nor an EventTime');
}

function entry(v: unknown): ForwardEntry {
  if (!Array.isArray(v) || v.length !== 2) throw new ForwardProtocolError('entry is not [time, record]');
  if (!isRecord(v[1])) throw new ForwardProtocolError('entry record is not a map');
  return { ...eventTime(v[0]), record: v[1] };
}

/** Splits a PackedForward stream into entries, with the same bounds as the outer message. */
function unpack(stream: Uint8Array, limits: ForwardLimits, out: ForwardEntry[]): void {
  const decoder = decoderFor(limits);
  let pos = 0;
  while (pos < stream.length) {
    if (out.length >= limits.maxEntries) throw new ForwardProtocolError(`more than ${limits.maxEntries} entries`);
    const r = scanMsgpack(stream, pos, { maxBytes: limits.maxDecompressedBytes, maxDepth: limits.maxDepth });
    if (r.kind !== 'complete') throw new ForwardProtocolError(`packed entries: ${r.kind === 'invalid' ? r.reason : 'truncated entry'}`);
    let v: unknown;
    try {
      v = decoder.decode(stream.subarray(pos, r.end));
    } catch (e) {
      throw new ForwardProtocolError(`packed entry: invalid MessagePack: ${(e as Error).message}`);
    }
    out.push(entry(v));
    pos = r.end;
  }
}

/** Decodes one whole MessagePack object (as cut by `scanMsgpack`) into a forward message. */
export function decodeForwardMessage(bytes: Uint8Array, limits: ForwardLimits = DEFAULT_FORWARD_LIMITS): ForwardMessage {
  let v: unknown;
  try {
    v = decoderFor(limits).decode(bytes);
  } catch (e) {
    throw new ForwardProtocolError(`invalid MessagePack: ${(e as Error).message}`);
  }
  if (!Array.isArray(v) || v.length < 2 || v.length > 4) throw new ForwardProtocolError('message is not an array of 2 to 4 elements');
  const [tag, second] = v;
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > 1024) throw new ForwardProtocolError('tag is not a non-empty string');
  let mode: ForwardMode;
  let option: unknown;
  const entries: ForwardEntry[] = [];
  if (Array.isArray(second)) {
    mode = 'Forward';
    option = v[2];
    if (v.length > 3) throw new ForwardProtocolError('Forward mode takes [tag, entries, option?]');
    if (second.length > limits.maxEntries) throw new ForwardProtocolError(`more than ${limits.maxEntries} entries`);
    for (const e of second) entries.push(entry(e));
  } else if (second instanceof Uint8Array || typeof second === 'string') {
    option = v[2];
    if (v.length > 3) throw new ForwardProtocolError('PackedForward mode takes [tag, entries, option?]');
    let stream = typeof second === 'string' ? Buffer.from(second, 'latin1') : second;
    const compressed = isRecord(option) ? option.compressed : undefined;
    if (compressed !== undefined && compressed !== 'text') {
      if (compressed !== 'gzip') throw new ForwardProtocolError(`unsupported compression ${JSON.stringify(compressed)}`);
      mode = 'CompressedPackedForward';
      try {
        // Concatenated gzip members are allowed by the spec; gunzip handles them.
        stream = gunzipSync(stream, { maxOutputLength: limits.maxDecompressedBytes });
      } catch (e) {
        throw new ForwardProtocolError(`gzip: ${(e as Error).message}`);
      }
    } else mode = 'PackedForward';
    unpack(stream, limits, entries);
  } else {
    mode = 'Message';
    if (v.length < 3) throw new ForwardProtocolError('Message mode takes [tag, time, record, option?]');
    entries.push(entry([second, v[2]]));
    option = v[3];
  }
  if (option !== undefined && option !== null && !isRecord(option)) throw new ForwardProtocolError('option is not a map');
  const msg: ForwardMessage = { mode, tag, entries };
  if (isRecord(option) && option.chunk !== undefined) {
    if (typeof option.chunk !== 'string' || option.chunk.length > 256) throw new ForwardProtocolError('option.chunk is not a short string');
    msg.chunk = option.chunk;
  }
  return msg;
}
