import { syntaxError } from './errors.js';

export type TokenKind = 'word' | 'phrase' | '(' | ')' | '[' | ']' | '{' | '}' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Raw source text (escapes not resolved) for words and operators; the resolved text for phrases. */
  text: string;
  start: number;
  end: number;
  /** A phrase or a word is directly followed by no whitespace (used to reject `a:b:c` style junk). */
}

const PUNCT = new Set(['(', ')', '[', ']', '{', '}']);
const WORD_STOP = /[\s()[\]{}"<>]/;

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    const start = i;
    if (PUNCT.has(ch)) {
      out.push({ kind: ch as TokenKind, text: ch, start, end: ++i });
    } else if (ch === '<' || ch === '>') {
      i += src[i + 1] === '=' ? 2 : 1;
      out.push({ kind: 'op', text: src.slice(start, i), start, end: i });
    } else if (ch === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= src.length) throw syntaxError(src, start, 'unterminated quoted phrase', ['closing "']);
        const c = src[i]!;
        if (c === '\\') {
          if (i + 1 >= src.length) throw syntaxError(src, i, 'dangling escape', ['escaped character']);
          text += src[i + 1];
          i += 2;
        } else if (c === '"') { i++; break; }
        else { text += c; i++; }
      }
      out.push({ kind: 'phrase', text, start, end: i });
    } else {
      while (i < src.length && !WORD_STOP.test(src[i]!)) {
        if (src[i] === '\\') {
          if (i + 1 >= src.length) throw syntaxError(src, i, 'dangling escape', ['escaped character']);
          i += 2;
        } else i++;
      }
      out.push({ kind: 'word', text: src.slice(start, i), start, end: i });
    }
  }
  out.push({ kind: 'eof', text: '', start: src.length, end: src.length });
  return out;
}

/** Index of the first unescaped occurrence of `ch` in a raw word, or -1. */
export function unescapedIndex(raw: string, ch: string): number {
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') { i++; continue; }
    if (raw[i] === ch) return i;
  }
  return -1;
}

/** Resolves escapes; reports whether unescaped `*`/`?` occur and the wildcard pattern (`\`-escaped literals). */
export function decodeWord(raw: string): { text: string; pattern?: string } {
  let text = '';
  let pattern = '';
  let wild = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const n = raw[++i]!;
      text += n;
      pattern += n === '*' || n === '?' || n === '\\' ? '\\' + n : n;
    } else {
      if (c === '*' || c === '?') wild = true;
      text += c;
      pattern += c;
    }
  }
  return wild ? { text, pattern } : { text };
}
