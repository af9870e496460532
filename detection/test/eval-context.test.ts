import assert from 'node:assert/strict';
import test from 'node:test';
import { EvalContext, fieldId } from '../src/eval-context.js';

test('mayHave is a superset of the fields with a value (nested, flattened keys, arrays, nulls)', () => {
  const fields = ['a.b.c', 'a.b', 'a', 'x.y', 'list.name', 'p.q.r', 'flat.key', 'constructor', 'n.v', 'deep.arr.v', 'missing.f'];
  const fids = fields.map(fieldId);
  const events: Record<string, unknown>[] = [
    { a: { b: { c: 1 } } },
    { 'a.b': { c: 'x' }, 'x.y': 2 },
    { a: { 'b.c': true } },
    { list: [{ name: 'n1' }, { name: 'n2' }, null] },
    { p: [[{ q: { r: 'deep' } }]] },
    { 'flat.key': ['v'], n: { v: null } },
    { constructor: 'own' },
    { deep: { arr: [{ v: 0 }, { w: 1 }] } },
    { a: 'scalar', x: { y: undefined } },
  ];
  const ctx = new EvalContext({}, null, null);
  for (const ev of events) {
    ctx.reset(ev);
    fids.forEach((id, i) => {
      if (ctx.valuesOf(id).length > 0) assert.ok(ctx.mayHave(id), `${fields[i]} in ${JSON.stringify(ev)}`);
    });
    // Absent top-level names are ruled out.
    assert.equal(ctx.mayHave(fieldId('missing.f')), false);
  }
});
