import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alt, LsCond } from '../src/compile-detection.js';
import { EvalContext } from '../src/eval-context.js';
import { RuleIndex } from '../src/rule-index.js';

interface R {
  name: string;
  need: { alts: Alt[] } | null;
  ls: LsCond[];
  mark: number;
}

// Rules spread over 90 logsource groups (ix.kind = k0..k29, optionally with ix.os = linux/windows), each
// needing a literal in ix.text or an exact ix.code; events enter up to 2 groups, so more than 64
// combinations appear and the index also runs the one-group-at-a-time path past its cap.
function rules(): R[] {
  const out: R[] = [];
  for (let k = 0; k < 30; k++) {
    for (const os of [null, 'linux', 'windows']) {
      const ls: LsCond[] = [{ field: 'ix.kind', values: [`k${k}`] }];
      if (os) ls.push({ field: 'ix.os', values: [os] });
      out.push({ name: `lit-${k}-${os}`, need: { alts: [{ field: 'ix.text', kind: 'sub', values: [`w${k % 7}`] }] }, ls, mark: 0 });
      out.push({ name: `eq-${k}-${os}`, need: { alts: [{ field: 'ix.code', kind: 'eq', values: [String(k % 5)] }] }, ls, mark: 0 });
    }
  }
  out.push({ name: 'root-lit', need: { alts: [{ field: 'ix.text', kind: 'sub', values: ['w3'] }] }, ls: [], mark: 0 });
  out.push({ name: 'root-any', need: { alts: [{ field: 'ix.code', kind: 'present', values: [] }] }, ls: [], mark: 0 });
  return out;
}

/** Brute force: logsource conditions hold and the need holds. */
function expected(rs: R[], ev: { ix: { kind: string; os?: string; text: string; code: string } }): string[] {
  const val = (f: string): string | undefined => (ev.ix as Record<string, string | undefined>)[f.slice(3)];
  return rs
    .filter((r) => r.ls.every((c) => c.values.includes(val(c.field) ?? '\u0000')))
    .filter((r) =>
      r.need!.alts.some((a) => {
        const v = val(a.field);
        if (v === undefined) return false;
        if (a.kind === 'present') return true;
        return a.kind === 'eq' ? a.values.includes(v) : a.values.some((l) => v.includes(l));
      }),
    )
    .map((r) => r.name)
    .sort();
}

test('rule index: merged logsource combinations and the capped fallback give the brute-force candidates', () => {
  const rs = rules();
  const index = new RuleIndex(rs);
  const ctx = new EvalContext({}, null, null);
  let checked = 0;
  for (let round = 0; round < 2; round++) {
    for (let k = 0; k < 30; k++) {
      for (const os of [undefined, 'linux', 'windows', 'mac']) {
        const ev = { ix: { kind: `k${k}`, ...(os ? { os } : {}), text: `x w${(k + round) % 7} w3`, code: String((k + round) % 5) } };
        ctx.reset(ev);
        const n = index.candidates(ctx);
        const got = index.found.slice(0, n).map((r) => r.name).sort();
        assert.deepEqual(got, expected(rs, ev), JSON.stringify(ev));
        checked++;
      }
    }
  }
  assert.equal(checked, 240);
});
