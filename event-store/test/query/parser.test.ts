import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery, QUERY_LIMITS } from '../../src/query/parser.js';
import { QuerySyntaxError } from '../../src/contract.js';

function syntaxError(q: string, column: number, expectedPart?: string) {
  assert.throws(() => parseQuery(q), (e: unknown) => {
    assert.ok(e instanceof QuerySyntaxError, `expected QuerySyntaxError for ${JSON.stringify(q.slice(0, 40))}, got ${e}`);
    assert.equal(e.column, column, `${e.message}`);
    if (expectedPart) assert.ok(e.expected.some((x) => x.includes(expectedPart)), e.expected.join('|'));
    assert.match(e.message, new RegExp(`column ${column}`));
    return true;
  });
}

describe('query parser', () => {
  it('parses field terms, phrases, free text and implicit AND with positions', () => {
    const n = parseQuery('user.name:alice "failed login" root') as any;
    assert.equal(n.kind, 'and');
    assert.deepEqual(n.children.map((c: any) => [c.kind, c.field, c.value.text, c.value.quoted, c.start, c.end]), [
      ['term', 'user.name', 'alice', false, 0, 15],
      ['term', undefined, 'failed login', true, 16, 30],
      ['term', undefined, 'root', false, 31, 35],
    ]);
  });

  it('gives AND precedence over OR and honours parentheses and NOT', () => {
    const n = parseQuery('a OR b AND NOT (c OR d)') as any;
    assert.equal(n.kind, 'or');
    assert.equal(n.children[1].kind, 'and');
    assert.equal(n.children[1].children[1].kind, 'not');
    assert.equal(n.children[1].children[1].child.kind, 'or');
    assert.equal(parseQuery('a or b').kind, 'or'); // operators are case-insensitive
    assert.equal((parseQuery('"OR"') as any).value.text, 'OR'); // quoted keywords are words
  });

  it('parses ranges in both notations, with open ends', () => {
    const cmp = parseQuery('source.port >= 1024') as any;
    assert.deepEqual([cmp.kind, cmp.field, Object.keys(cmp.bounds), cmp.bounds.gte.text], ['range', 'source.port', ['gte'], '1024']);
    const br = parseQuery('destination.port:[80 TO 443}') as any;
    assert.deepEqual(Object.keys(br.bounds), ['gte', 'lt']);
    const open = parseQuery('@timestamp:[* TO "2026-01-01"]') as any;
    assert.deepEqual(Object.keys(open.bounds), ['lte']);
    assert.equal((parseQuery('x>5') as any).bounds.gt.text, '5');
  });

  it('keeps IPv6 and CIDR values whole and recognises wildcards and escapes', () => {
    assert.equal((parseQuery('source.ip:2001:db8::/32') as any).value.text, '2001:db8::/32');
    const w = parseQuery('host.hostname:web-?1*') as any;
    assert.equal(w.value.pattern, 'web-?1*');
    const esc = parseQuery('file.path:c\\:\\\\temp\\*') as any;
    assert.equal(esc.value.text, 'c:\\temp*');
    assert.equal(esc.value.pattern, undefined);
    assert.equal((parseQuery('_exists_:user.name') as any).kind, 'exists');
    const grp = parseQuery('source.ip:(10.0.0.0/8 OR ::1)') as any;
    assert.deepEqual(grp.children.map((c: any) => [c.field, c.value.text]), [['source.ip', '10.0.0.0/8'], ['source.ip', '::1']]);
  });

  it('names the 1-based column and what was expected', () => {
    syntaxError('user.name:alice AND', 20, 'field:value');
    syntaxError('(a OR b', 8, ')');
    syntaxError('a)', 2, 'end of query');
    syntaxError('message:"unterminated', 9, '"');
    syntaxError('x:[1 TO', 8, 'value');
    syntaxError('x:[1 2]', 6, 'TO');
    syntaxError('bad-field!:1', 1, 'field name');
    syntaxError('_source:x', 1, 'field name');
    syntaxError('__proto__.x:1', 1, 'field name');
    syntaxError('登录 AND (', 9, 'field:value'); // columns count characters, not bytes
    syntaxError('😀😀 OR', 6);
    syntaxError('a\\', 2, 'escaped');
    syntaxError('x:[a* TO b]', 4, 'value');
  });

  it('enforces length, depth and clause limits with clear errors', () => {
    syntaxError('a'.repeat(QUERY_LIMITS.maxLength + 1), QUERY_LIMITS.maxLength + 1, 'at most');
    syntaxError('('.repeat(100) + 'a' + ')'.repeat(100), QUERY_LIMITS.maxDepth + 1, 'flatter');
    syntaxError('NOT '.repeat(40) + 'a', 4 * QUERY_LIMITS.maxDepth + 1, 'flatter');
    assert.throws(() => parseQuery(Array.from({ length: 1100 }, (_, i) => `t${i}`).join(' ')), /more than 1024 clauses/);
    assert.doesNotThrow(() => parseQuery('('.repeat(QUERY_LIMITS.maxDepth) + 'a' + ')'.repeat(QUERY_LIMITS.maxDepth)));
  });
});
