import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, CanonicalJsonError } from '../src/canonical-json.js';

test('RFC 8785 §3.2.3: members sorted by UTF-16 code units, recursively, no whitespace', () => {
  // The sorting example of RFC 8785 §3.2.3 (keys chosen to differ in UTF-16 vs code point order).
  const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
  // Read the keys from the text: JSON.parse would move integer-like keys to the front.
  const keys = [...canonicalJson(input).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
  assert.deepEqual(keys, ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  assert.equal(canonicalJson({ b: [3, { z: 1, a: null }], a: true }), '{"a":true,"b":[3,{"a":null,"z":1}]}');
});

test('RFC 8785 numbers use the ECMAScript form (Appendix B samples)', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [-0, '0'],
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [0.000001, '0.000001'],
    [333333333.3333333, '333333333.3333333'],
    [9007199254740991, '9007199254740991'],
    [4.5, '4.5'],
    [2e-3, '0.002'],
    [1e30, '1e+30'],
  ];
  for (const [n, s] of cases) assert.equal(canonicalJson(n), s);
  assert.throws(() => canonicalJson(Number.NaN), CanonicalJsonError);
  assert.throws(() => canonicalJson({ x: Number.POSITIVE_INFINITY }), CanonicalJsonError);
});

test('strings: minimal escapes, non-ASCII kept as is, lone surrogates refused', () => {
  assert.equal(canonicalJson('\u2028"\\\n\u0001é中'), '"\u2028\\"\\\\\\n\\u0001é中"');
  assert.throws(() => canonicalJson('\ud800'), /lone surrogate/);
  assert.throws(() => canonicalJson({ ['\udc00']: 1 }), /lone surrogate/);
});

test('the same value in any member order gives the same bytes; undefined members are dropped; non-JSON types refused', () => {
  assert.equal(canonicalJson({ a: 1, b: { c: 2, d: 3 } }), canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
  assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  assert.throws(() => canonicalJson([undefined]), CanonicalJsonError);
  assert.throws(() => canonicalJson(new Date()), CanonicalJsonError);
  assert.throws(() => canonicalJson(10n), CanonicalJsonError);
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = [deep];
  assert.throws(() => canonicalJson(deep), /deeper/);
});
