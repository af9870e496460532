/** Turns query values into typed values per the field model; a value that does not fit its field is a syntax error. */
import type { Value } from './ast.js';
import { syntaxError } from './errors.js';
import { fieldType, type FieldType } from '../schema/fields.js';
import { parseCidr } from '../schema/ip.js';
import { textTokens } from '../schema/text.js';
import { parseDateMs } from '../schema/document.js';

export type TermValue =
  | { t: 'text'; tokens: string[] }
  | { t: 'textGlob'; pattern: string }
  | { t: 'keyword'; value: string }
  | { t: 'glob'; pattern: string }
  | { t: 'number'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'date'; value: number }
  | { t: 'ip'; lo: Buffer; hi: Buffer; text: string }
  | { t: 'exists' };

export type BoundValue = string | number | Buffer;

export function termValue(src: string, field: string | undefined, v: Value, now = Date.now()): TermValue {
  const type: FieldType = field === undefined ? 'text' : field === '_id' ? 'keyword' : fieldType(field);
  if (!v.quoted && v.text === '*' && field !== undefined) return { t: 'exists' };
  const wild = v.pattern !== undefined;
  const fail = (what: string): never => { throw syntaxError(src, v.start, `"${v.text.slice(0, 64)}" is not ${what} (field ${field})`, [what]); };
  switch (type) {
    case 'text':
      return wild ? { t: 'textGlob', pattern: v.pattern!.toLowerCase() } : { t: 'text', tokens: textTokens(v.text) };
    case 'keyword':
      return wild ? { t: 'glob', pattern: v.pattern! } : { t: 'keyword', value: v.text };
    case 'long':
    case 'double': {
      if (wild) fail('a number');
      const n = parseNumber(v.text, type);
      return n === undefined ? fail(type === 'long' ? 'an integer' : 'a number') : { t: 'number', value: n };
    }
    case 'boolean':
      if (v.text !== 'true' && v.text !== 'false') fail('true or false');
      return { t: 'bool', value: v.text === 'true' };
    case 'date': {
      const ms = wild ? undefined : parseDateMs(v.text, now);
      return ms === undefined ? fail('a date (ISO-8601, epoch millis or now-1h)') : { t: 'date', value: ms };
    }
    case 'ip': {
      const r = wild ? undefined : parseCidr(v.text);
      return r ? { t: 'ip', ...r, text: v.text } : fail('an IP address or CIDR block');
    }
  }
}

export function boundValue(src: string, field: string, v: Value, now = Date.now()): BoundValue {
  const type = fieldType(field);
  const fail = (what: string): never => { throw syntaxError(src, v.start, `"${v.text.slice(0, 64)}" is not ${what} (field ${field})`, [what]); };
  switch (type) {
    case 'text':
      throw syntaxError(src, v.start, `ranges are not supported on text field ${field}`, ['a keyword, number, date or ip field']);
    case 'boolean':
      throw syntaxError(src, v.start, `ranges are not supported on boolean field ${field}`, ['a keyword, number, date or ip field']);
    case 'keyword':
      if (field === '_id') throw syntaxError(src, v.start, 'ranges are not supported on _id', ['a field']);
      return v.text;
    case 'long':
    case 'double':
      return parseNumber(v.text, type) ?? fail(type === 'long' ? 'an integer' : 'a number');
    case 'date':
      return parseDateMs(v.text, now) ?? fail('a date (ISO-8601, epoch millis or now-1h)');
    case 'ip': {
      const r = v.text.includes('/') ? undefined : parseCidr(v.text);
      return r ? r.lo : fail('an IP address');
    }
  }
}

function parseNumber(text: string, type: 'long' | 'double'): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  if (type === 'long' && (!Number.isSafeInteger(n))) return undefined;
  return n;
}
