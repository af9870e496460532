// A small pass of every fuzz target, so `npm test` runs them (the long runs are `npm run fuzz`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzzForward } from '../fuzz/forward-fuzz.js';
import { fuzzHttp } from '../fuzz/http-fuzz.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('forward/msgpack fuzz target, in process, 3,000 inputs', () => {
  const r = fuzzForward({ iterations: 3000, seed: 7 });
  assert.deepEqual(r.findings, []);
});

test('HTTP ingest body fuzz target, in process, 1,000 inputs', () => {
  const r = fuzzHttp({ iterations: 1000, seed: 7 });
  assert.deepEqual(r.findings, []);
});

// The syslog and flow targets are scripts (the syslog one runs its loop in a worker with a hang
// watchdog), so they run as child processes with a small count.
for (const [name, script, n] of [['syslog', 'log-collector/fuzz/syslog-fuzz.ts', '2000'], ['flow', 'log-collector/fuzz/flow.ts', '2000']] as const) {
  test(`${name} fuzz target, ${n} inputs`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, script), n, '--seed', '7'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });
}
