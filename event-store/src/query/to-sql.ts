/**
 * Compiles the query AST to a parameterized SQLite WHERE clause over a dataset table aliased `d`.
 * Values only ever travel as bound parameters; the SQL text is assembled from fixed fragments and column
 * names taken from the field model (never from the query). JSON paths are bound parameters too.
 */
import type { Node } from './ast.js';
import { boundValue, termValue, type BoundValue, type TermValue } from './values.js';
import { fieldType, hotColumn, isHot } from '../schema/fields.js';

export interface SqlFragment { sql: string; params: unknown[] }
export interface SqlContext {
  src: string;
  ftsTable: string;
  now?: number;
  /**
   * Rows with a larger rid are not in the text index yet (it is filled after the write transaction, see
   * sqlite/text-indexer): free text over them is matched by scanning their `message`. Undefined: all indexed.
   */
  textIndexedUpTo?: number;
  /** Rows whose document id is the given one, through an index; without it `_id` terms compare `d.id`. */
  idMatch?: (id: string) => SqlFragment;
}

export function jsonPath(field: string): string {
  return '$' + field.split('.').map((s) => `."${s}"`).join('');
}

/** Keyword view of a json_each value: JSON booleans as 'true'/'false', numbers as their text. */
const J_KEYWORD = `(CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(j.value AS TEXT) END)`;
const J_SCALAR = `j.type NOT IN ('object','array','null')`;
const RANGE_SQL = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

export function toSql(node: Node, ctx: SqlContext): SqlFragment {
  switch (node.kind) {
    case 'all': return { sql: '1', params: [] };
    case 'and': {
      // AND-ed free text becomes one FTS5 expression: FTS intersects its doclists far faster than SQL
      // intersects separate MATCH subqueries.
      const fts = node.children.map((c) => ftsExpression(c, ctx)).filter((x): x is FtsTerm => x !== undefined);
      if (fts.length >= 2) {
        const rest = node.children.filter((c) => ftsExpression(c, ctx) === undefined).map((c) => toSql(c, ctx));
        const parts = [ftsMatch(fts, ctx), ...rest];
        return { sql: '(' + parts.map((p) => p.sql).join(' AND ') + ')', params: parts.flatMap((p) => p.params) };
      }
      return join(node.children.map((c) => toSql(c, ctx)), ' AND ');
    }
    case 'or':
      return join(node.children.map((c) => toSql(c, ctx)), ' OR ');
    case 'not': {
      // NULL (field absent) must count as false before negation, as in Elasticsearch's must_not.
      const inner = toSql(node.child, ctx);
      return { sql: `(NOT IFNULL(${inner.sql}, 0))`, params: inner.params };
    }
    case 'exists': return existsSql(node.field);
    case 'term': return termSql(node.field, termValue(ctx.src, node.field, node.value, ctx.now), ctx);
    case 'range': {
      const parts = Object.entries(node.bounds).map(([op, v]) =>
        compareSql(node.field, RANGE_SQL[op as keyof typeof RANGE_SQL], boundValue(ctx.src, node.field, v!, ctx.now)));
      if (parts.length === 0) return existsSql(node.field);
      return { sql: '(' + parts.map((p) => p.sql).join(' AND ') + ')', params: parts.flatMap((p) => p.params) };
    }
  }
}

function join(parts: SqlFragment[], op: string): SqlFragment {
  return { sql: '(' + parts.map((p) => p.sql).join(op) + ')', params: parts.flatMap((p) => p.params) };
}

/** A free-text condition on `message` the FTS index answers: its FTS5 expression and the same test as a scan. */
interface FtsTerm { match: string; scan: SqlFragment }

const MESSAGE_TEXT = `json_extract(d.doc, '$.message')`;

/** The FTS term of a free-text term over `message` (a phrase or a prefix), if it is one. */
function ftsExpression(node: Node, ctx: SqlContext): FtsTerm | undefined {
  if (node.kind !== 'term' || (node.field !== undefined && node.field !== 'message')) return undefined;
  return ftsTerm(termValue(ctx.src, node.field, node.value, ctx.now));
}

function ftsTerm(v: TermValue): FtsTerm | undefined {
  if (v.t === 'text' && v.tokens.length > 0) {
    return { match: '"' + v.tokens.join(' ') + '"', scan: { sql: `emsoc_text_phrase(${MESSAGE_TEXT}, ?)`, params: [v.tokens.join(' ')] } };
  }
  if (v.t === 'textGlob') {
    const prefix = /^([\p{L}\p{N}]+)\*$/u.exec(v.pattern);
    if (prefix && !/\p{Script=Han}/u.test(prefix[1]!)) return { match: `"${prefix[1]}" *`, scan: { sql: `emsoc_text_glob(${MESSAGE_TEXT}, ?)`, params: [v.pattern] } };
  }
  return undefined;
}

/** Rows whose message matches all terms: the FTS index, plus a scan of the rows it does not cover yet. */
function ftsMatch(terms: FtsTerm[], ctx: SqlContext): SqlFragment {
  const indexed: SqlFragment = { sql: `d.rid IN (SELECT rowid FROM ${ctx.ftsTable} WHERE ${ctx.ftsTable} MATCH ?)`, params: [terms.map((t) => t.match).join(' AND ')] };
  if (ctx.textIndexedUpTo === undefined) return indexed;
  // Only string messages are indexed (see sqlite/store); the scan applies the same rule.
  const tail = [`d.rid > ?`, `json_type(d.doc, '$.message') = 'text'`, ...terms.map((t) => t.scan.sql)].join(' AND ');
  return { sql: `(${indexed.sql} OR (${tail}))`, params: [...indexed.params, ctx.textIndexedUpTo, ...terms.flatMap((t) => t.scan.params)] };
}

export function existsSql(field: string): SqlFragment {
  if (field === '_id') return { sql: '1', params: [] };
  if (isHot(field)) return { sql: `(d.${hotColumn(field)} IS NOT NULL)`, params: [] };
  return { sql: `EXISTS (SELECT 1 FROM json_each(d.doc, ?) j WHERE j.type <> 'null')`, params: [jsonPath(field)] };
}

/** A predicate over the value(s) of `field`: a typed column when hot, else every element of the JSON value. */
function over(field: string, colPred: (col: string) => string, jsonPred: string, params: unknown[]): SqlFragment {
  if (field === '_id') return { sql: `(${colPred('d.id')})`, params };
  if (isHot(field)) return { sql: `(${colPred(`d.${hotColumn(field)}`)})`, params };
  return { sql: `EXISTS (SELECT 1 FROM json_each(d.doc, ?) j WHERE ${J_SCALAR} AND ${jsonPred})`, params: [jsonPath(field), ...params] };
}

export function termSql(field: string | undefined, v: TermValue, ctx: SqlContext): SqlFragment {
  if (v.t === 'exists') return existsSql(field!);
  const f = field ?? 'message';
  switch (v.t) {
    case 'text': {
      if (v.tokens.length === 0) return { sql: '0', params: [] };
      if (f === 'message') return ftsMatch([ftsTerm(v)!], ctx);
      return over(f, () => '0', `emsoc_text_phrase(j.value, ?)`, [v.tokens.join(' ')]);
    }
    case 'textGlob': {
      const fts = f === 'message' ? ftsTerm(v) : undefined;
      if (fts) return ftsMatch([fts], ctx);
      return over(f, () => '0', `emsoc_text_glob(j.value, ?)`, [v.pattern]);
    }
    case 'keyword':
      if (f === '_id' && ctx.idMatch) return ctx.idMatch(v.value);
      return over(f, (c) => `${c} = ?`, `${J_KEYWORD} = ?`, [v.value]);
    case 'glob': return over(f, (c) => `${c} GLOB ?`, `${J_KEYWORD} GLOB ?`, [wildcardToGlob(v.pattern)]);
    case 'number': return over(f, (c) => `${c} = ?`, `j.type IN ('integer','real') AND j.value = ?`, [v.value]);
    case 'bool': return over(f, (c) => `${c} = ?`, `j.type = ?`, [v.value ? (isHot(f) ? 1 : 'true') : (isHot(f) ? 0 : 'false')]);
    case 'date': return over(f, (c) => `${c} = ?`, `emsoc_date_ms(j.value) = ?`, [v.value]);
    case 'ip': return over(f, (c) => `${c} BETWEEN ? AND ?`, `emsoc_ip(j.value) BETWEEN ? AND ?`, [v.lo, v.hi]);
  }
}

function compareSql(field: string, op: string, b: BoundValue): SqlFragment {
  const type = fieldType(field);
  const jsonExpr = type === 'ip' ? 'emsoc_ip(j.value)' : type === 'date' ? 'emsoc_date_ms(j.value)'
    : type === 'keyword' ? J_KEYWORD : `(CASE WHEN j.type IN ('integer','real') THEN j.value END)`;
  return over(field, (c) => `${c} ${op} ?`, `${jsonExpr} ${op} ?`, [b]);
}

/** Wildcard syntax (`*`, `?`, `\` escapes) → SQLite GLOB, where literals are escaped with brackets. */
export function wildcardToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[++i]!;
      out += n === '*' || n === '?' || n === '[' ? `[${n}]` : n;
    } else if (c === '[') out += '[[]';
    else out += c;
  }
  return out;
}
