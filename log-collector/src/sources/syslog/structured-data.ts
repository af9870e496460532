/**
 * RFC 5424 §6.3 STRUCTURED-DATA: one or more `[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]`.
 * In values, `\"`, `\\` and `\]` are escapes; a backslash before anything else is kept.
 * Repeated parameter names (allowed by the RFC) become arrays.
 */
import { sliceKey } from './key-cache.js';

export type StructuredData = Record<string, Record<string, string | string[]>>;

export interface SdResult {
  data: StructuredData;
  end: number;
  error?: string;
}

function nameEnd(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 61 || c === 93 || c === 34 || c < 33 || c > 126) break;
    i++;
  }
  return i;
}

/** Parse starting at the first '['. On error, `error` is set and `data` holds what was read. */
export function parseStructuredData(s: string, i: number): SdResult {
  const data: StructuredData = Object.create(null);
  while (s.charCodeAt(i) === 91 /* [ */) {
    const idEnd = nameEnd(s, i + 1);
    if (idEnd === i + 1) return { data, end: i, error: 'empty SD-ID' };
    const id = sliceKey(s, i + 1, idEnd);
    const params: Record<string, string | string[]> = data[id] ?? Object.create(null);
    data[id] = params;
    i = idEnd;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 93 /* ] */) {
        i++;
        break;
      }
      if (c !== 32) return { data, end: i, error: `unexpected character in SD element "${id}"` };
      while (s.charCodeAt(i) === 32) i++;
      if (s.charCodeAt(i) === 93) continue;
      const nEnd = nameEnd(s, i);
      if (nEnd === i || s.charCodeAt(nEnd) !== 61 || s.charCodeAt(nEnd + 1) !== 34) {
        return { data, end: i, error: `malformed SD-PARAM in "${id}"` };
      }
      const name = sliceKey(s, i, nEnd);
      let j = nEnd + 2;
      let value = '';
      let run = j;
      for (;;) {
        if (j >= s.length) return { data, end: j, error: `unterminated SD-PARAM value in "${id}"` };
        const v = s.charCodeAt(j);
        if (v === 92 /* \ */) {
          const n = s.charCodeAt(j + 1);
          if (n === 34 || n === 92 || n === 93) {
            value += s.slice(run, j) + s[j + 1];
            j += 2;
            run = j;
            continue;
          }
        } else if (v === 34) {
          break;
        }
        j++;
      }
      value += s.slice(run, j);
      const prev = params[name];
      if (prev === undefined) params[name] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else params[name] = [prev, value];
      i = j + 1;
    }
  }
  return { data, end: i };
}
