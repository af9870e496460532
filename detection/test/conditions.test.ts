import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detection, engineFor, matches, refusalOf } from './helpers.js';

const rule = (cond: string): string =>
  detection(`  sel_a:\n    a: 1\n  sel_b:\n    b: 1\n  filter_c:\n    c: 1\n  _hidden:\n    h: 1\n  condition: ${cond}`);

test('and / or / not with precedence and parentheses', () => {
  assert.equal(matches(rule('sel_a and sel_b or filter_c'), { c: 1 }), true);
  assert.equal(matches(rule('sel_a and (sel_b or filter_c)'), { c: 1 }), false);
  assert.equal(matches(rule('sel_a and not filter_c'), { a: 1 }), true);
  assert.equal(matches(rule('sel_a and not filter_c'), { a: 1, c: 1 }), false);
  assert.equal(matches(rule('not sel_a and sel_b'), { b: 1 }), true);
  assert.equal(matches(rule('not (sel_a or sel_b)'), { c: 1 }), true);
});

test('1 of / all of patterns and them (underscore identifiers excluded)', () => {
  assert.equal(matches(rule('1 of sel_*'), { b: 1 }), true);
  assert.equal(matches(rule('all of sel_*'), { b: 1 }), false);
  assert.equal(matches(rule('all of sel_*'), { a: 1, b: 1 }), true);
  assert.equal(matches(rule('all of them'), { a: 1, b: 1, c: 1 }), true);
  assert.equal(matches(rule('1 of them'), { h: 1 }), false);
  assert.equal(matches(rule('1 of sel_* and not 1 of filter_*'), { a: 1, c: 1 }), false);
});

test('a list of conditions is OR-ed', () => {
  const r = detection('  x:\n    a: 1\n  y:\n    b: 1\n  condition:\n    - x\n    - y');
  assert.equal(matches(r, { b: 1 }), true);
});

test('alerts explain which selections matched', () => {
  const e = engineFor(rule('sel_a or sel_b'));
  const [a] = e.process({ a: 1, b: 1, c: 1 });
  assert.deepEqual(a!.reason.selections, ['sel_a', 'sel_b', 'filter_c']);
});

test('unsupported or broken conditions are refused with the reason', () => {
  assert.match(refusalOf(rule('sel_a | count() > 5'))!, /deprecated aggregation/);
  assert.match(refusalOf(rule('sel_a near sel_b'))!, /near/);
  assert.equal(refusalOf(rule('sel_z')), "condition references undefined search identifier 'sel_z'");
  assert.match(refusalOf(rule('1 of nothing_*'))!, /matches no search identifier/);
  assert.match(refusalOf(rule('(sel_a'))!, /missing '\)'/);
  assert.match(refusalOf(rule('2 of sel_*'))!, /'2 of' is not supported/);
});
