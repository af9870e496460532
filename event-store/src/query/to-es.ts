/**
 * Compiles the query AST to Elasticsearch/OpenSearch query DSL by building objects (never strings, never
 * scripts). Everything runs in filter context: scores are irrelevant to analysts' searches.
 */
import type { Node } from './ast.js';
import { boundValue, termValue, type TermValue } from './values.js';
import { fieldType } from '../schema/fields.js';
import { formatIp } from '../schema/ip.js';
import { ID_FIELD } from '../schema/document.js';

type Dsl = Record<string, unknown>;
const MATCH_NONE: Dsl = { match_none: {} };

export function toEs(node: Node, src: string, now?: number): Dsl {
  switch (node.kind) {
    case 'all': return { match_all: {} };
    case 'and': return { bool: { filter: node.children.map((c) => toEs(c, src, now)) } };
    case 'or': return { bool: { should: node.children.map((c) => toEs(c, src, now)), minimum_should_match: 1 } };
    case 'not': return { bool: { must_not: [toEs(node.child, src, now)] } };
    case 'exists': return existsEs(node.field);
    case 'term': return termEs(node.field, termValue(src, node.field, node.value, now));
    case 'range': {
      if (Object.keys(node.bounds).length === 0) return existsEs(node.field);
      const type = fieldType(node.field);
      const r: Dsl = {};
      for (const [op, v] of Object.entries(node.bounds)) {
        const b = boundValue(src, node.field, v!, now);
        r[op] = Buffer.isBuffer(b) ? formatIp(b) : b;
      }
      if (type === 'date') r.format = 'epoch_millis';
      return { range: { [esField(node.field)]: r } };
    }
  }
}

export function esField(field: string): string {
  return field === '_id' ? ID_FIELD : field;
}

function existsEs(field: string): Dsl {
  return field === '_id' ? { match_all: {} } : { exists: { field } };
}

export function termEs(field: string | undefined, v: TermValue): Dsl {
  const f = esField(field ?? 'message');
  switch (v.t) {
    case 'exists': return existsEs(field!);
    case 'text': return v.tokens.length ? { match_phrase: { [f]: { query: v.tokens.join(' ') } } } : MATCH_NONE;
    case 'textGlob': return { wildcard: { [f]: { value: v.pattern } } };
    case 'keyword': return { term: { [f]: { value: v.value } } };
    case 'glob': return { wildcard: { [f]: { value: v.pattern } } };
    case 'number': return { term: { [f]: { value: v.value } } };
    case 'bool': return { term: { [f]: { value: v.value } } };
    case 'date': return { range: { [f]: { gte: v.value, lte: v.value, format: 'epoch_millis' } } };
    case 'ip': return { term: { [f]: { value: v.text } } };
  }
}
