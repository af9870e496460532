/**
 * Recursive-descent parser for the analyst query language:
 *   query   := or EOF
 *   or      := and (OR and)*
 *   and     := not ((AND)? not)*          -- adjacency is an implicit AND
 *   not     := NOT not | primary
 *   primary := '(' or ')' | clause
 *   clause  := FIELD ':' value | FIELD ':' '(' values ')' | FIELD ':' range | FIELD OP value
 *            | _exists_ ':' FIELD | value  -- a bare value is free text over `message`
 *   range   := ('['|'{') bound TO bound (']'|'}')
 */
import type { Node, RangeOp, Span, Value } from './ast.js';
import { decodeWord, tokenize, unescapedIndex, type Token } from './lexer.js';
import { syntaxError } from './errors.js';
import { isValidFieldName } from '../schema/fields.js';

export const QUERY_LIMITS = { maxLength: 32_768, maxDepth: 32, maxClauses: 1_024 } as const;

const OPS: Record<string, RangeOp> = { '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' };
const KEYWORD = (t: Token, kw: string) => t.kind === 'word' && t.text.toUpperCase() === kw;
const STARTS_OPERAND = new Set(['word', 'phrase', '(']);

/** Metadata-like names are reserved; `_id` is the document id. */
export function checkFieldName(src: string, name: string, at: number): string {
  const first = name.split('.')[0]!;
  if (!isValidFieldName(name) || (first.startsWith('_') && name !== '_id') || first === '__proto__') {
    throw syntaxError(src, at, `invalid field name "${name.slice(0, 64)}"`, ['field name like source.ip']);
  }
  return name;
}

class Parser {
  private pos = 0;
  private depth = 0;
  private clauses = 0;
  /** Set inside `field:( ... )`: bare values then belong to this field. */
  private groupField: string | undefined;

  constructor(private readonly src: string, private readonly toks: Token[]) {}

  parse(): Node {
    if (this.peek().kind === 'eof') return { kind: 'all', start: 0, end: 0 };
    const node = this.or();
    const t = this.peek();
    if (t.kind !== 'eof') throw this.err(t, `unexpected "${t.text.slice(0, 32)}"`, ['AND', 'OR', 'end of query']);
    return node;
  }

  private peek(k = 0): Token { return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!; }
  private next(): Token { return this.toks[this.pos++]!; }
  private err(t: Token, problem: string, expected: string[]) { return syntaxError(this.src, t.start, problem, expected); }

  private enter(t: Token) {
    if (++this.depth > QUERY_LIMITS.maxDepth) {
      throw this.err(t, `query nested deeper than ${QUERY_LIMITS.maxDepth} levels`, ['a flatter query']);
    }
  }

  private or(): Node {
    const first = this.and();
    const children = [first];
    while (KEYWORD(this.peek(), 'OR')) {
      this.next();
      children.push(this.and());
    }
    return children.length === 1 ? first : { kind: 'or', children, ...span(children) };
  }

  private and(): Node {
    const first = this.not();
    const children = [first];
    for (;;) {
      const t = this.peek();
      if (KEYWORD(t, 'AND')) { this.next(); children.push(this.not()); continue; }
      if (KEYWORD(t, 'OR') || !STARTS_OPERAND.has(t.kind)) break;
      children.push(this.not());
    }
    return children.length === 1 ? first : { kind: 'and', children, ...span(children) };
  }

  private not(): Node {
    const t = this.peek();
    if (KEYWORD(t, 'NOT')) {
      this.next();
      this.enter(t);
      const child = this.not();
      this.depth--;
      return { kind: 'not', child, start: t.start, end: child.end };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.peek();
    if (t.kind === '(') {
      this.next();
      this.enter(t);
      const inner = this.or();
      this.depth--;
      const close = this.next();
      if (close.kind !== ')') throw this.err(close, 'unclosed parenthesis', ['")"']);
      return { ...inner, start: t.start, end: close.end } as Node;
    }
    if (t.kind === 'phrase') {
      this.next();
      return this.term(this.groupField, { text: t.text, quoted: true, start: t.start, end: t.end }, t);
    }
    if (t.kind !== 'word' || KEYWORD(t, 'AND') || KEYWORD(t, 'OR') || KEYWORD(t, 'NOT')) {
      throw this.err(t, t.kind === 'eof' ? 'query ends too early' : `unexpected "${t.text.slice(0, 32)}"`,
        ['field:value', 'a word', 'a "phrase"', '"("', 'NOT']);
    }
    this.next();
    const colon = unescapedIndex(t.text, ':');
    if (colon >= 0 && this.groupField === undefined) return this.fieldClause(t, colon);
    if (this.peek().kind === 'op' && this.groupField === undefined) return this.comparison(t);
    return this.term(this.groupField, this.wordValue(t, t.text, t.start), t);
  }

  private fieldClause(t: Token, colon: number): Node {
    const name = t.text.slice(0, colon);
    const rest = t.text.slice(colon + 1);
    const restStart = t.start + colon + 1;
    if (name === '_exists_') {
      const fieldTok = rest ? { text: rest, start: restStart } : this.expectWord('field name');
      const field = checkFieldName(this.src, fieldTok.text, fieldTok.start);
      return this.count({ kind: 'exists', field, start: t.start, end: fieldTok.start + fieldTok.text.length });
    }
    const field = checkFieldName(this.src, name, t.start);
    if (rest) return this.term(field, this.wordValue(t, rest, restStart), t);
    const v = this.peek();
    if (v.kind === 'phrase') {
      this.next();
      return this.term(field, { text: v.text, quoted: true, start: v.start, end: v.end }, t);
    }
    if (v.kind === 'word' && !KEYWORD(v, 'AND') && !KEYWORD(v, 'OR') && !KEYWORD(v, 'NOT')) {
      this.next();
      return this.term(field, this.wordValue(v, v.text, v.start), t);
    }
    if (v.kind === '[' || v.kind === '{') return this.rangeClause(field, t);
    if (v.kind === '(') {
      this.next();
      this.enter(v);
      this.groupField = field;
      const inner = this.or();
      this.groupField = undefined;
      this.depth--;
      const close = this.next();
      if (close.kind !== ')') throw this.err(close, 'unclosed parenthesis', ['")"']);
      return { ...inner, start: t.start, end: close.end } as Node;
    }
    throw this.err(v, `missing value for field "${field}"`, ['a value', 'a "phrase"', '"["', '"("']);
  }

  private comparison(t: Token): Node {
    const field = checkFieldName(this.src, t.text, t.start);
    const op = this.next();
    const b = this.boundValue(this.peek());
    this.next();
    return this.count({ kind: 'range', field, bounds: { [OPS[op.text]!]: b }, start: t.start, end: b.end });
  }

  private rangeClause(field: string, t: Token): Node {
    const open = this.next();
    const lo = this.boundValue(this.peek());
    this.next();
    const to = this.next();
    if (!KEYWORD(to, 'TO')) throw this.err(to, 'malformed range', ['TO']);
    const hi = this.boundValue(this.peek());
    this.next();
    const close = this.next();
    if (close.kind !== ']' && close.kind !== '}') throw this.err(close, 'unclosed range', ['"]"', '"}"']);
    const bounds: Partial<Record<RangeOp, Value>> = {};
    if (lo.text !== '*' || lo.quoted) bounds[open.kind === '[' ? 'gte' : 'gt'] = lo;
    if (hi.text !== '*' || hi.quoted) bounds[close.kind === ']' ? 'lte' : 'lt'] = hi;
    return this.count({ kind: 'range', field, bounds, start: t.start, end: close.end });
  }

  private boundValue(v: Token): Value {
    if (v.kind === 'phrase') return { text: v.text, quoted: true, start: v.start, end: v.end };
    if (v.kind === 'word' && !KEYWORD(v, 'TO')) {
      const d = decodeWord(v.text);
      if (d.pattern !== undefined && d.text !== '*') throw this.err(v, 'wildcards are not allowed in a range', ['a value']);
      return { text: d.text, quoted: false, start: v.start, end: v.end };
    }
    throw this.err(v, 'missing range bound', ['a value', 'a "phrase"', '*']);
  }

  private expectWord(what: string): { text: string; start: number } {
    const v = this.next();
    if (v.kind !== 'word') throw this.err(v, `missing ${what}`, [what]);
    return { text: v.text, start: v.start };
  }

  private wordValue(t: Token, raw: string, start: number): Value {
    const d = decodeWord(raw);
    return { text: d.text, quoted: false, pattern: d.pattern, start, end: t.end };
  }

  private term(field: string | undefined, value: Value, t: Token): Node {
    if (!value.quoted && value.pattern === undefined && value.text === '') {
      throw this.err(t, 'empty value', ['a value']);
    }
    return this.count({ kind: 'term', field, value, start: t.start, end: value.end });
  }

  private count<N extends Node>(n: N): N {
    if (++this.clauses > QUERY_LIMITS.maxClauses) {
      throw syntaxError(this.src, n.start, `more than ${QUERY_LIMITS.maxClauses} clauses`, ['a shorter query']);
    }
    return n;
  }
}

function span(nodes: Span[]): Span {
  return { start: nodes[0]!.start, end: nodes[nodes.length - 1]!.end };
}

export function parseQuery(src: string | undefined): Node {
  const text = src ?? '';
  if (typeof text !== 'string') throw syntaxError('', 0, 'query must be a string', ['a string']);
  if (text.length > QUERY_LIMITS.maxLength) {
    throw syntaxError(text, QUERY_LIMITS.maxLength, `query longer than ${QUERY_LIMITS.maxLength} characters`,
      [`a query of at most ${QUERY_LIMITS.maxLength} characters`]);
  }
  return new Parser(text, tokenize(text)).parse();
}
