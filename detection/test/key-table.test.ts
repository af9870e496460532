import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyTable } from '../src/key-table.js';

test('key table agrees with a Map under insert/delete churn (growth, wrap-around, backward shifts)', () => {
  const keys: string[] = [];
  const table = new KeyTable(keys);
  const ref = new Map<string, number>();
  const free: number[] = [];
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let step = 0; step < 60_000; step++) {
    // Few distinct keys relative to the steps: lookups hit, miss and delete in every state of a run.
    const key = `10.${rnd(40)}.${rnd(60)}`;
    const slot = table.get(key);
    assert.equal(slot, ref.get(key) ?? -1);
    if (slot >= 0 && rnd(3) === 0) {
      table.delete(key, slot);
      ref.delete(key);
      keys[slot] = '';
      free.push(slot);
    } else if (slot < 0) {
      const s = free.pop() ?? keys.length;
      keys[s] = key;
      table.set(key, s);
      ref.set(key, s);
    }
    assert.equal(table.size, ref.size);
  }
  for (const [k, s] of ref) assert.equal(table.get(k), s);
  assert.equal(table.get(''), -1);
  table.clear();
  assert.equal(table.size, 0);
  assert.equal(table.get([...ref.keys()][0]!), -1);
});
