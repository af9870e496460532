// QR Code (ISO/IEC 18004) encoder for short texts such as otpauth:// URIs: byte mode, error-correction
// level M, versions 1-10 (up to 213 bytes). Pure (no DOM); the component draws the matrix as SVG.

/** Level M per version 1..10: error-correction codewords per block and the blocks' data-codeword counts. */
const LEVEL_M: { ec: number; blocks: number[] }[] = [
  { ec: 10, blocks: [16] },
  { ec: 16, blocks: [28] },
  { ec: 26, blocks: [44] },
  { ec: 18, blocks: [32, 32] },
  { ec: 24, blocks: [43, 43] },
  { ec: 16, blocks: [27, 27, 27, 27] },
  { ec: 18, blocks: [31, 31, 31, 31] },
  { ec: 22, blocks: [38, 38, 39, 39] },
  { ec: 22, blocks: [36, 36, 36, 37, 37] },
  { ec: 26, blocks: [43, 43, 43, 43, 44] },
];
/** Alignment pattern centre coordinates per version 1..10. */
const ALIGNMENT: number[][] = [[], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]];

// GF(256) with the QR primitive polynomial x^8 + x^4 + x^3 + x^2 + 1.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++, x = x & 0x80 ? ((x << 1) ^ 0x11d) & 0xff : x << 1) {
  EXP[i] = x;
  LOG[x] = i;
}
for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!);

/** Reed-Solomon check codewords: the remainder of data·x^n divided by ∏(x − α^i), i < n. */
export function reedSolomon(data: readonly number[], n: number): number[] {
  let gen = [1];
  for (let i = 0; i < n; i++) {
    const next = new Array<number>(gen.length + 1).fill(0);
    gen.forEach((c, j) => {
      next[j] = next[j]! ^ c;
      next[j + 1] = next[j + 1]! ^ mul(c, EXP[i]!);
    });
    gen = next;
  }
  const rem = new Array<number>(n).fill(0);
  for (const d of data) {
    const factor = d ^ rem.shift()!;
    rem.push(0);
    for (let j = 0; j < n; j++) rem[j] = rem[j]! ^ mul(gen[j + 1]!, factor);
  }
  return rem;
}

/** BCH remainder of `value` (already shifted) by `poly` of degree `deg`. */
function bch(value: number, poly: number, deg: number): number {
  let v = value;
  for (let i = 31 - Math.clz32(v); i >= deg; i--) if (v & (1 << i)) v ^= poly << (i - deg);
  return v;
}

const MASKS: ((r: number, c: number) => boolean)[] = [
  (r, c) => (r + c) % 2 === 0,
  (r) => r % 2 === 0,
  (_r, c) => c % 3 === 0,
  (r, c) => (r + c) % 3 === 0,
  (r, c) => (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0,
  (r, c) => ((r * c) % 2) + ((r * c) % 3) === 0,
  (r, c) => (((r * c) % 2) + ((r * c) % 3)) % 2 === 0,
  (r, c) => (((r + c) % 2) + ((r * c) % 3)) % 2 === 0,
];

/** The codewords of `bytes` for `version`: data with its padding, then check codewords, interleaved. */
function codewords(bytes: Uint8Array, version: number): number[] {
  const { ec, blocks } = LEVEL_M[version - 1]!;
  const capacity = blocks.reduce((a, b) => a + b, 0);
  const bits: number[] = [];
  const put = (value: number, len: number) => {
    for (let i = len - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(0b0100, 4);
  put(bytes.length, version < 10 ? 8 : 16);
  for (const b of bytes) put(b, 8);
  put(0, Math.min(4, capacity * 8 - bits.length));
  while (bits.length % 8) bits.push(0);
  const data: number[] = [];
  for (let i = 0; i < bits.length; i += 8) data.push(bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));
  for (let pad = 0xec; data.length < capacity; pad ^= 0xec ^ 0x11) data.push(pad);
  const split: number[][] = [];
  let at = 0;
  for (const n of blocks) split.push(data.slice(at, (at += n)));
  const checks = split.map((b) => reedSolomon(b, ec));
  const out: number[] = [];
  for (let i = 0; i < Math.max(...blocks); i++) for (const b of split) if (i < b.length) out.push(b[i]!);
  for (let i = 0; i < ec; i++) for (const c of checks) out.push(c[i]!);
  return out;
}

/** Penalty of a masked matrix (runs, 2×2 blocks, dark balance); the lowest wins. */
function penalty(m: boolean[][]): number {
  const size = m.length;
  let score = 0;
  for (let a = 0; a < size; a++) {
    for (const line of [(i: number) => m[a]![i]!, (i: number) => m[i]![a]!]) {
      let run = 1;
      for (let i = 1; i <= size; i++) {
        if (i < size && line(i) === line(i - 1)) run++;
        else {
          if (run >= 5) score += run - 2;
          run = 1;
        }
      }
    }
  }
  let dark = 0;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (m[r]![c]) dark++;
      if (r < size - 1 && c < size - 1 && m[r]![c] === m[r]![c + 1] && m[r]![c] === m[r + 1]![c] && m[r]![c] === m[r + 1]![c + 1]) score += 3;
    }
  }
  return score + 10 * Math.floor(Math.abs((dark * 100) / (size * size) - 50) / 5);
}

/** The module matrix (true = dark), rows first, without the quiet zone. Throws when the text is too long. */
export function qrMatrix(text: string): boolean[][] {
  const bytes = new TextEncoder().encode(text);
  const version = LEVEL_M.findIndex((v, i) => v.blocks.reduce((a, b) => a + b, 0) * 8 >= 4 + (i + 1 < 10 ? 8 : 16) + bytes.length * 8) + 1;
  if (version === 0) throw new Error(`text too long for a QR code here (${bytes.length} bytes)`);
  const size = 17 + 4 * version;
  const m = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  const fixed = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  const set = (r: number, c: number, dark: boolean) => {
    m[r]![c] = dark;
    fixed[r]![c] = true;
  };

  // Finder patterns with their separators, timing lines, alignment patterns, the dark module.
  for (const [fr, fc] of [[0, 0], [0, size - 7], [size - 7, 0]] as const) {
    for (let r = -1; r <= 7; r++) {
      for (let c = -1; c <= 7; c++) {
        const rr = fr + r;
        const cc = fc + c;
        if (rr < 0 || cc < 0 || rr >= size || cc >= size) continue;
        const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
        set(rr, cc, ring !== 2 && ring !== 4);
      }
    }
  }
  for (let i = 8; i < size - 8; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  const centres = ALIGNMENT[version - 1]!;
  for (const r of centres) {
    for (const c of centres) {
      if ((r === 6 && c === 6) || (r === 6 && c === size - 7) || (r === size - 7 && c === 6)) continue;
      for (let dr = -2; dr <= 2; dr++) for (let dc = -2; dc <= 2; dc++) set(r + dr, c + dc, Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
    }
  }
  // Version information (7 and up): 6 bits + 12-bit BCH (generator 0x1F25), two 6×3 copies.
  if (version >= 7) {
    const info = (version << 12) | bch(version << 12, 0x1f25, 12);
    for (let i = 0; i < 18; i++) {
      const bit = ((info >>> i) & 1) === 1;
      set(Math.floor(i / 3), size - 11 + (i % 3), bit);
      set(size - 11 + (i % 3), Math.floor(i / 3), bit);
    }
  }
  // Reserve the format areas (written after the mask is chosen).
  const format = (mask: number) => {
    const data = (0b00 << 3) | mask; // level M = 00
    const bits = ((data << 10) | bch(data << 10, 0x537, 10)) ^ 0x5412;
    const bit = (i: number) => ((bits >>> i) & 1) === 1;
    for (let i = 0; i <= 5; i++) set(i, 8, bit(i));
    set(7, 8, bit(6));
    set(8, 8, bit(7));
    set(8, 7, bit(8));
    for (let i = 9; i < 15; i++) set(8, 14 - i, bit(i));
    for (let i = 0; i < 8; i++) set(8, size - 1 - i, bit(i));
    for (let i = 8; i < 15; i++) set(size - 15 + i, 8, bit(i));
    set(size - 8, 8, true);
  };
  format(0);

  // Data in two-column zigzags from the bottom right, skipping the vertical timing column.
  const words = codewords(bytes, version);
  let bitIndex = 0;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let v = 0; v < size; v++) {
      for (let j = 0; j < 2; j++) {
        const c = right - j;
        const upward = ((right + 1) & 2) === 0;
        const r = upward ? size - 1 - v : v;
        if (fixed[r]![c]) continue;
        if (bitIndex < words.length * 8) m[r]![c] = ((words[bitIndex >>> 3]! >>> (7 - (bitIndex & 7))) & 1) === 1;
        bitIndex++;
      }
    }
  }

  const masked = (mask: number) => {
    const out = m.map((row, r) => row.map((dark, c) => (fixed[r]![c] ? dark : dark !== MASKS[mask]!(r, c))));
    return out;
  };
  let best = 0;
  let bestScore = Infinity;
  for (let mask = 0; mask < 8; mask++) {
    format(mask);
    const score = penalty(masked(mask));
    if (score < bestScore) {
      bestScore = score;
      best = mask;
    }
  }
  format(best);
  return masked(best);
}

/** SVG path data for the dark modules, offset by a quiet zone of `quiet` modules. */
export function qrPath(matrix: boolean[][], quiet = 4): string {
  let d = '';
  matrix.forEach((row, r) => row.forEach((dark, c) => (dark ? (d += `M${c + quiet},${r + quiet}h1v1h-1z`) : undefined)));
  return d;
}
