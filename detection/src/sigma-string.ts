// A Sigma string value as a sequence of literal text and wildcard/special segments.
// Keeping the structure (instead of a flat string) lets modifiers add wildcards or dash classes without
// ambiguity about escaping, and lets the compiler pick the cheapest matcher (equals/startsWith/includes/regex).

export type Segment =
  | { t: 'lit'; v: string }
  | { t: 'any' } // *
  | { t: 'one' } // ?
  | { t: 'dash' }; // windash: any of - / – — ―

export type SigmaString = Segment[];

export const WINDASH_CHARS = ['-', '/', '\u2013', '\u2014', '\u2015'];

function pushLit(out: SigmaString, v: string): void {
  if (v === '') return;
  const last = out[out.length - 1];
  if (last && last.t === 'lit') last.v += v;
  else out.push({ t: 'lit', v });
}

/** Parse Sigma escaping: `\*`, `\?` and `\\` are escapes; a lone backslash is literal (spec "Escape Character"). */
export function parseSigmaString(raw: string): SigmaString {
  const out: SigmaString = [];
  let buf = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const n = raw[i + 1];
      if (n === '*' || n === '?' || n === '\\') {
        buf += n;
        i++;
      } else buf += c;
    } else if (c === '*' || c === '?') {
      pushLit(out, buf);
      buf = '';
      out.push(c === '*' ? { t: 'any' } : { t: 'one' });
    } else buf += c;
  }
  pushLit(out, buf);
  return out;
}

export function literal(v: string): SigmaString {
  return v === '' ? [] : [{ t: 'lit', v }];
}

export function isPlain(s: SigmaString): boolean {
  return s.every((x) => x.t === 'lit');
}

export function plainText(s: SigmaString): string {
  return s.map((x) => (x.t === 'lit' ? x.v : '')).join('');
}

export function hasWildcardStart(s: SigmaString): boolean {
  return s[0]?.t === 'any';
}
export function hasWildcardEnd(s: SigmaString): boolean {
  return s[s.length - 1]?.t === 'any';
}

export function toDisplay(s: SigmaString): string {
  return s
    .map((x) => (x.t === 'lit' ? x.v.replace(/[*?\\]/g, (m) => '\\' + m) : x.t === 'any' ? '*' : x.t === 'one' ? '?' : '[-/]'))
    .join('');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function toRegexSource(s: SigmaString): string {
  let src = '^';
  for (const seg of s) {
    if (seg.t === 'lit') src += escapeRe(seg.v);
    else if (seg.t === 'any') src += '.*';
    else if (seg.t === 'one') src += '.';
    else src += '[' + WINDASH_CHARS.map(escapeRe).join('') + ']';
  }
  return src + '$';
}

/** The pattern with its literal text lower-cased unless matching is case-sensitive. */
function normalised(s: SigmaString, cased: boolean): SigmaString {
  return cased ? s : s.map((x) => (x.t === 'lit' ? { t: 'lit' as const, v: x.v.toLowerCase() } : x));
}

/** Patterns one string operation decides: `x` (eq), `*x*` (sub), `x*` (pre), `*x` (suf). */
type PlainShape = { kind: 'eq' | 'sub' | 'pre' | 'suf'; lit: string };

function plainShape(segs: SigmaString): PlainShape | null {
  if (segs.length === 0) return { kind: 'eq', lit: '' };
  if (segs.every((x) => x.t === 'lit')) return { kind: 'eq', lit: (segs[0] as { v: string }).v };
  const first = segs[0]!;
  const mid = segs[1]!;
  const last = segs[segs.length - 1]!;
  if (segs.length === 3 && first.t === 'any' && last.t === 'any' && mid.t === 'lit') return { kind: 'sub', lit: mid.v };
  if (segs.length === 2 && first.t === 'lit' && last.t === 'any') return { kind: 'pre', lit: first.v };
  if (segs.length === 2 && first.t === 'any' && last.t === 'lit') return { kind: 'suf', lit: last.v };
  return null;
}

/**
 * Compile to a string predicate. `cased` false means the caller passes lower-cased input and we lower-case
 * the pattern here once.
 */
export function compileStringMatch(s: SigmaString, cased: boolean): (v: string) => boolean {
  const segs = normalised(s, cased);
  const shape = plainShape(segs);
  if (shape) {
    const lit = shape.lit;
    if (shape.kind === 'eq') return (v) => v === lit;
    if (shape.kind === 'sub') return (v) => v.includes(lit);
    if (shape.kind === 'pre') return (v) => v.startsWith(lit);
    return (v) => v.endsWith(lit);
  }
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  if (segs.every((x) => x.t === 'lit' || x.t === 'any')) return globMatcher(segs as ({ t: 'lit'; v: string } | { t: 'any' })[]);
  // Leading/trailing `*` become unanchored ends instead of `.*`, which would backtrack quadratically.
  let src = toRegexSource(segs);
  if (first.t === 'any') src = src.replace(/^\^\.\*/, '');
  if (last.t === 'any') src = src.replace(/\.\*\$$/, '');
  const re = new RegExp(src, 's');
  return (v) => re.test(v);
}

/** `*`-only glob: anchored head/tail checks, then leftmost indexOf for the middle chunks (linear time). */
function globMatcher(segs: ({ t: 'lit'; v: string } | { t: 'any' })[]): (v: string) => boolean {
  const chunks: string[] = [];
  let cur = '';
  for (const s of segs) {
    if (s.t === 'lit') cur += s.v;
    else {
      chunks.push(cur);
      cur = '';
    }
  }
  chunks.push(cur);
  const head = chunks[0]!;
  const tail = chunks[chunks.length - 1]!;
  const mid = chunks.slice(1, -1).filter((c) => c !== '');
  const minLen = head.length + tail.length + mid.reduce((n, c) => n + c.length, 0);
  return (v) => {
    if (v.length < minLen || !v.startsWith(head) || !v.endsWith(tail)) return false;
    let pos = head.length;
    const end = v.length - tail.length;
    for (const c of mid) {
      const i = v.indexOf(c, pos);
      if (i < 0 || i + c.length > end) return false;
      pos = i + c.length;
    }
    return true;
  };
}

/**
 * One predicate for a list of patterns OR-ed together: exact values go to a Set, plain prefixes,
 * suffixes and substrings to tight loops over their literals, anything else keeps its own matcher.
 * Same answers as trying each compileStringMatch() in turn, without a closure call per pattern.
 */
export function compileAnyStringMatch(list: SigmaString[], cased: boolean): (v: string) => boolean {
  if (list.length === 1) return compileStringMatch(list[0]!, cased);
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const infixes: string[] = [];
  const other: ((v: string) => boolean)[] = [];
  for (const s of list) {
    const shape = plainShape(normalised(s, cased));
    if (shape === null) other.push(compileStringMatch(s, cased));
    else if (shape.kind === 'eq') exact.add(shape.lit);
    else if (shape.kind === 'sub') infixes.push(shape.lit);
    else if (shape.kind === 'pre') prefixes.push(shape.lit);
    else suffixes.push(shape.lit);
  }
  const hasExact = exact.size > 0;
  return (v) => {
    if (hasExact && exact.has(v)) return true;
    for (let k = 0; k < prefixes.length; k++) if (v.startsWith(prefixes[k]!)) return true;
    for (let k = 0; k < suffixes.length; k++) if (v.endsWith(suffixes[k]!)) return true;
    for (let k = 0; k < infixes.length; k++) if (v.includes(infixes[k]!)) return true;
    for (let k = 0; k < other.length; k++) if (other[k]!(v)) return true;
    return false;
  };
}
