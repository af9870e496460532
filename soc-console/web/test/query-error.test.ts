import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellWidth, parseQueryError, queryMarker } from '../src/app/shared/query/query-error.js';
import { andClause, anyOfClause, fieldClause, notClause, quote } from '../src/app/features/search/query-builder.js';

test('the marker splits the query at the reported 1-based column', () => {
  const m = queryMarker('source.ip:10.0.0.1 AND AND x', { column: 24, expected: ['field', 'value'] });
  assert.equal(m.before, 'source.ip:10.0.0.1 AND ');
  assert.equal(m.at, 'A');
  assert.equal(m.after, 'ND x');
  assert.equal(m.indent.length, 23);
  assert.deepEqual(m.expected, ['field', 'value']);
});

test('columns count code points and the caret indent counts wide characters twice', () => {
  // "用户" are two CJK code points (4 cells); the emoji is one code point (two UTF-16 units).
  const q = 'user.name:"用户" 😀 AND (';
  const m = queryMarker(q, { column: Array.from(q).length + 1 });
  assert.equal(m.at, '', 'column past the end points at the end of the query');
  assert.equal(m.before, q);
  const m2 = queryMarker(q, { column: 16 });
  assert.equal(m2.before, 'user.name:"用户" ');
  assert.equal(m2.at, '😀');
  assert.equal(m2.indent.length, 17, '13 narrow + 2 wide characters');
  assert.equal(cellWidth('用'.codePointAt(0)!), 2);
  assert.equal(cellWidth('a'.codePointAt(0)!), 1);
  assert.equal(cellWidth('，'.codePointAt(0)!), 2);
});

test('out-of-range columns are clamped, not crashing', () => {
  assert.equal(queryMarker('abc', { column: 0 }).column, 1);
  assert.equal(queryMarker('abc', { column: -5 }).at, 'a');
  assert.equal(queryMarker('abc', { column: 999 }).column, 4);
  assert.equal(queryMarker('', { column: 1 }).at, '');
});

test('only well-formed details become a marker', () => {
  assert.deepEqual(parseQueryError({ column: 7, expected: ['AND', 'OR', 42] }), { column: 7, expected: ['AND', 'OR'] });
  assert.deepEqual(parseQueryError({ column: 3 }), { column: 3, expected: [] });
  assert.equal(parseQueryError({ column: '7' }), null);
  assert.equal(parseQueryError({ column: Number.NaN }), null);
  assert.equal(parseQueryError(null), null);
  assert.equal(parseQueryError('column 7'), null);
});

test('clicked values become quoted phrases, so event content never becomes query syntax', () => {
  assert.equal(quote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(fieldClause('user.name', 'x" OR _exists_:secret'), 'user.name:"x\\" OR _exists_:secret"');
  assert.equal(anyOfClause('event.id', ['a', 'b']), 'event.id:("a" OR "b")');
  assert.equal(anyOfClause('event.id', ['a']), 'event.id:"a"');
  assert.equal(notClause('a:"b"'), 'NOT a:"b"');
});

test('adding a filter respects OR precedence', () => {
  assert.equal(andClause('', 'a:"1"'), 'a:"1"');
  assert.equal(andClause('x:1', 'a:"1"'), 'x:1 AND a:"1"');
  assert.equal(andClause('x:1 OR y:2', 'a:"1"'), '(x:1 OR y:2) AND a:"1"');
  assert.equal(andClause('x:(1 OR 2)', 'a:"1"'), 'x:(1 OR 2) AND a:"1"', 'OR inside parentheses is already grouped');
  assert.equal(andClause('message:"this OR that"', 'a:"1"'), 'message:"this OR that" AND a:"1"', 'OR inside a phrase is text');
  assert.equal(andClause('ORACLE', 'a:"1"'), 'ORACLE AND a:"1"');
  assert.equal(andClause('x:1 or y:2', 'a:"1"'), '(x:1 or y:2) AND a:"1"');
});
