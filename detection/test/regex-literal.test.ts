import assert from 'node:assert/strict';
import test from 'node:test';
import { requiredLiteral } from '../src/regex-literal.js';

test('required literal of a regex: only text every match must contain', () => {
  const cases: [RegExp, string | null][] = [
    [/new user: name=[^,]+, UID=0,/, 'new user: name='],
    [/(add '[^']+' to)|(new)/i, null], // top-level alternation
    [/-(W|R)\s?(\s|"|')([0-9a-fA-F]{2}\s?){2,20}/, null],
    [/abcd?e/, 'abc'], // the quantified d (and what follows) is not part of the run
    [/abc\.def/, 'abc.def'],
    [/a\/bin\/shx*/, 'a/bin/sh'],
    [/^\/tmp\/[a-z]+\.sh$/, '/tmp/'],
    [/ab\dcd/, null],
    [/xy(?=z)zzz/, 'zzz'],
    [/ABCDEF/i, 'abcdef'],
    [/ab{2}cdef/, 'cdef'],
    [/caf\u00e9bar/, 'caf'], // code point escapes end the run
    [/x{2,/, null], // a literal brace: given up
    [/\u00e9\u00e9\u00e9abc/, 'abc'],
  ];
  for (const [re, want] of cases) assert.equal(requiredLiteral(re), want, String(re));
});

test('the literal occurs (lower-cased) in every lower-cased value the regex matches', () => {
  const re = /Failed password for (invalid user )?\S+ from/i;
  const lit = requiredLiteral(re)!;
  assert.equal(lit, 'failed password for ');
  for (const v of ['Failed password for root from 1.2.3.4', 'FAILED PASSWORD FOR invalid user x from y']) {
    assert.ok(re.test(v));
    assert.ok(v.toLowerCase().includes(lit));
  }
});
