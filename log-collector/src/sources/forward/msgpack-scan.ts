/**
 * Finds where one MessagePack object ends without decoding it, so a stream can be cut into messages
 * before any allocation happens and every bound (size, depth, element count) is checked up front.
 * Formats per the MessagePack specification.
 */

export interface ScanLimits {
  /** Largest object accepted, in bytes. */
  maxBytes: number;
  /** Deepest array/map nesting accepted. */
  maxDepth: number;
}

export type ScanResult =
  /** A whole object spans [start, end). */
  | { kind: 'complete'; end: number }
  /** More bytes are needed; at least `need` bytes from `start` in total (a lower bound). */
  | { kind: 'incomplete'; need: number }
  | { kind: 'invalid'; reason: string };

/** Scans the object starting at `start` in `buf` (only bytes below `limit` are looked at). */
export function scanMsgpack(buf: Uint8Array, start: number, limits: ScanLimits, limit = buf.length): ScanResult {
  // Stack of how many elements each open array/map still expects.
  const pending: number[] = [];
  let pos = start;
  let remaining = 1;
  const avail = Math.min(limit, start + limits.maxBytes);
  const short = (need: number): ScanResult =>
    need - start > limits.maxBytes ? { kind: 'invalid', reason: `object larger than ${limits.maxBytes} bytes` } : { kind: 'incomplete', need: need - start };
  while (true) {
    while (remaining === 0) {
      if (pending.length === 0) return { kind: 'complete', end: pos };
      remaining = pending.pop()!;
    }
    if (pos >= avail) return short(pos + 1);
    const b = buf[pos]!;
    remaining--;
    let skip = 0; // payload bytes after the header
    let head = 1; // header bytes
    let children = 0;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) head = 1;
    else if (b <= 0x8f) children = (b & 0x0f) * 2;
    else if (b <= 0x9f) children = b & 0x0f;
    else if (b <= 0xbf) skip = b & 0x1f;
    else {
      const lenBytes = LEN_BYTES[b - 0xc4];
      switch (b) {
        case 0xca: head = 5; break;
        case 0xcb: head = 9; break;
        case 0xcc: case 0xd0: head = 2; break;
        case 0xcd: case 0xd1: head = 3; break;
        case 0xce: case 0xd2: head = 5; break;
        case 0xcf: case 0xd3: head = 9; break;
        case 0xd4: head = 3; break;
        case 0xd5: head = 4; break;
        case 0xd6: head = 6; break;
        case 0xd7: head = 10; break;
        case 0xd8: head = 18; break;
        default: {
          if (lenBytes === undefined) return { kind: 'invalid', reason: `reserved byte 0x${b.toString(16)} at ${pos - start}` };
          if (pos + 1 + lenBytes > avail) return short(pos + 1 + lenBytes);
          let n = 0;
          for (let i = 1; i <= lenBytes; i++) n = n * 256 + buf[pos + i]!;
          head = 1 + lenBytes;
          if (b >= 0xc7 && b <= 0xc9) head++; // ext: type byte
          if (b === 0xdc || b === 0xdd) children = n;
          else if (b === 0xde || b === 0xdf) children = n * 2;
          else skip = n;
        }
      }
    }
    if (children > 0) {
      // Every element takes at least one byte: a count beyond the size bound can never complete.
      if (children > limits.maxBytes) return { kind: 'invalid', reason: `container of ${children} elements exceeds the size bound` };
      if (pending.length + 1 > limits.maxDepth) return { kind: 'invalid', reason: `nesting deeper than ${limits.maxDepth}` };
      pending.push(remaining);
      remaining = children;
    }
    const next = pos + head + skip;
    if (next > avail) return short(next);
    pos = next;
  }
}

// Length-field widths for 0xc4..0xdf (undefined: fixed-size or reserved).
const LEN_BYTES: Array<number | undefined> = [];
for (const [b, n] of [[0xc4, 1], [0xc5, 2], [0xc6, 4], [0xc7, 1], [0xc8, 2], [0xc9, 4], [0xd9, 1], [0xda, 2], [0xdb, 4], [0xdc, 2], [0xdd, 4], [0xde, 2], [0xdf, 4]] as const) LEN_BYTES[b - 0xc4] = n;
