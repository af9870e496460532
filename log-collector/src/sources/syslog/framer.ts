/**
 * Incremental RFC 6587 framer for syslog over TCP (and TLS, RFC 5425).
 *
 * Two framings exist in the wild and some senders mix them on one connection, so the
 * method is detected at the start of every frame (a per-connection choice is the special
 * case where every frame agrees):
 *   - octet counting: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN without leading zero;
 *   - non-transparent: the message ends at LF, NUL or CRLF (the CR is dropped).
 * Bytes may arrive split anywhere. Memory is bounded by `maxFrameSize`: a longer frame is
 * cut at that size, emitted with `truncated: true`, and the rest of it is skipped.
 */

export type FramingMode = 'auto' | 'octet-counting' | 'non-transparent';

export interface SyslogFramerOptions {
  /** Largest frame kept, in bytes (default 64 KiB). Longer frames are cut and marked. */
  maxFrameSize?: number;
  /** 'auto' (default) detects per frame; the others force one method. */
  mode?: FramingMode;
}

export interface SyslogFrame {
  data: Buffer;
  /** The frame was longer than maxFrameSize (or the stream ended inside it). */
  truncated: boolean;
  framing: 'octet-counting' | 'non-transparent';
  /** Declared length for octet-counted frames, or bytes seen for non-transparent ones. */
  length: number;
}

export interface SyslogFramer {
  /** Feed bytes; returns the frames completed by them (possibly none). */
  push(chunk: Buffer): SyslogFrame[];
  /** End of stream: returns a pending partial frame, if any, marked truncated when incomplete. */
  end(): SyslogFrame[];
  /** Counters for monitoring. */
  readonly stats: { frames: number; truncated: number; bytes: number };
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
/** A length of more than 10 digits is not an octet count (and would overflow meaningfully). */
const MAX_COUNT_DIGITS = 10;

const enum State {
  FrameStart,
  Count,
  Counted,
  Line,
}

export function createSyslogFramer(opts: SyslogFramerOptions = {}): SyslogFramer {
  const max = Math.max(1, opts.maxFrameSize ?? 65536);
  const mode = opts.mode ?? 'auto';
  const stats = { frames: 0, truncated: 0, bytes: 0 };

  let state = State.FrameStart;
  let parts: Buffer[] = [];
  let kept = 0; // bytes stored in parts
  let seen = 0; // bytes belonging to the current frame, stored or not
  let truncated = false;
  let count = 0; // octet count being read, then bytes still expected
  let declared = 0;
  let countDigits = '';

  function keep(buf: Buffer): void {
    seen += buf.length;
    if (kept >= max) {
      truncated = true;
      return;
    }
    const room = max - kept;
    if (buf.length > room) {
      truncated = true;
      buf = buf.subarray(0, room);
    }
    if (buf.length > 0) {
      parts.push(buf);
      kept += buf.length;
    }
  }

  function take(framing: SyslogFrame['framing'], out: SyslogFrame[], incomplete = false): void {
    let data = parts.length === 1 ? parts[0]! : Buffer.concat(parts, kept);
    if (framing === 'non-transparent' && data.length > 0 && data[data.length - 1] === CR && !truncated) {
      data = data.subarray(0, data.length - 1);
    }
    const cut = truncated || incomplete;
    if (data.length > 0 || framing === 'octet-counting') {
      out.push({ data, truncated: cut, framing, length: framing === 'octet-counting' ? declared : seen });
      stats.frames++;
      if (cut) stats.truncated++;
    }
    parts = [];
    kept = 0;
    seen = 0;
    truncated = false;
    state = State.FrameStart;
  }

  /** Digits read so far turned out not to be an octet count: they start a line frame. */
  function digitsAreText(): void {
    state = State.Line;
    if (countDigits) keep(Buffer.from(countDigits, 'latin1'));
    countDigits = '';
  }

  function push(chunk: Buffer): SyslogFrame[] {
    const out: SyslogFrame[] = [];
    stats.bytes += chunk.length;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (state) {
        case State.FrameStart: {
          const b = chunk[i]!;
          // Stray separators between frames (LF after counted frames, blank lines, spaces).
          if (b === LF || b === CR || b === NUL || b === SP) {
            i++;
            break;
          }
          if (mode !== 'non-transparent' && b >= 0x31 && b <= 0x39) {
            state = State.Count;
            count = 0;
            countDigits = '';
          } else {
            state = State.Line;
          }
          break;
        }
        case State.Count: {
          const b = chunk[i]!;
          if (b >= 0x30 && b <= 0x39 && countDigits.length < MAX_COUNT_DIGITS) {
            countDigits += String.fromCharCode(b);
            count = count * 10 + (b - 0x30);
            i++;
          } else if (b === SP && countDigits.length > 0) {
            i++;
            declared = count;
            countDigits = '';
            state = State.Counted;
            if (count === 0) take('octet-counting', out);
          } else {
            digitsAreText();
          }
          break;
        }
        case State.Counted: {
          const avail = Math.min(count, n - i);
          keep(chunk.subarray(i, i + avail));
          i += avail;
          count -= avail;
          if (count === 0) take('octet-counting', out);
          break;
        }
        case State.Line: {
          let j = i;
          while (j < n) {
            const b = chunk[j]!;
            if (b === LF || b === NUL) break;
            j++;
          }
          if (j > i) keep(chunk.subarray(i, j));
          if (j < n) {
            take('non-transparent', out);
            i = j + 1;
          } else {
            i = n;
          }
          break;
        }
      }
    }
    return out;
  }

  function end(): SyslogFrame[] {
    const out: SyslogFrame[] = [];
    if (state === State.Count) digitsAreText();
    if (state === State.Line) take('non-transparent', out);
    else if (state === State.Counted) take('octet-counting', out, true);
    state = State.FrameStart;
    return out;
  }

  return { push, end, stats };
}
