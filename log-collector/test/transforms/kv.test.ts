import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKv } from '../../src/transforms/parse/util.js';

/** The reference reading: pairs stored one by one into `{}` (first position, last value). */
function reference(pairs: Array<[string, string]>): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of pairs) o[k] = v;
  return o;
}

const many = Array.from({ length: 25 }, (_, i): [string, string] => [`k${i}`, `v${i}`]);

test('parseKv: long field lists (templated objects) read like plain stores, key order included', () => {
  for (let round = 0; round < 3; round++) {
    const line = many.map(([k, v]) => `${k}=${v}${round}`).join(' ');
    const got = parseKv(line);
    const want = reference(many.map(([k, v]) => [k, `${v}${round}`]));
    assert.equal(JSON.stringify(got), JSON.stringify(want));
    assert.deepEqual(got, want);
  }
});

test('parseKv: objects from the same field list are independent', () => {
  const line = many.map(([k, v]) => `${k}=${v}`).join(' ');
  const a = parseKv(line);
  a.k0 = 'changed';
  delete a.k1;
  const b = parseKv(line);
  assert.equal(b.k0, 'v0');
  assert.equal(b.k1, 'v1');
});

test('parseKv: repeated keys, numeric keys, quotes and __proto__ in long lists', () => {
  const pairs: Array<[string, string]> = [...many.slice(0, 14), ['k3', 'again'], ['7', 'seven'], ['msg', 'a "q" b'], ['__proto__', 'x'], ['tail', 'end']];
  const line = pairs.map(([k, v]) => (v.includes(' ') ? `${k}="${v.replace(/"/g, '\\"')}"` : `${k}=${v}`)).join(' ');
  for (let round = 0; round < 2; round++) {
    const got = parseKv(line);
    const want = reference(pairs);
    assert.equal(JSON.stringify(got), JSON.stringify(want));
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.equal(Object.hasOwn(got, '__proto__'), false);
  }
  const noProto = pairs.filter(([k]) => k !== '__proto__');
  const line2 = noProto.map(([k, v]) => (v.includes(' ') ? `${k}="${v.replace(/"/g, '\\"')}"` : `${k}=${v}`)).join(' ');
  assert.equal(JSON.stringify(parseKv(line2)), JSON.stringify(reference(noProto)));
});

test('parseKv: field lists sharing a template slot do not mix', () => {
  const a = Array.from({ length: 13 }, (_, i): [string, string] => [`a${i}`, String(i)]);
  const b = Array.from({ length: 13 }, (_, i): [string, string] => [`b${i}`, String(i)]);
  for (const pairs of [a, b, a, b]) {
    assert.equal(JSON.stringify(parseKv(pairs.map(([k, v]) => `${k}=${v}`).join(' '))), JSON.stringify(reference(pairs)));
  }
});
