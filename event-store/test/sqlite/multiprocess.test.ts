import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/sqlite/store.js';

const here = path.dirname(fileURLToPath(import.meta.url));

it('shares one file between a writing process and a reading/updating process', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'emsoc-mp-'));
  const db = path.join(dir, 'shared.db');
  const console_ = new SqliteEventStore({ path: db, busyTimeoutMs: 10_000 });
  await console_.init();
  const N = 2_000;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'writer-child.ts'), db, String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  const done = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
  // Meanwhile this process reads and updates incidents, as the console does.
  let reads = 0;
  let exited = false;
  void done.then(() => (exited = true));
  for (let i = 0; !exited; i++) {
    await console_.count({ dataset: 'events', query: 'child' });
    const r = await console_.bulk('incidents', [{ id: 'inc-1', doc: { '@timestamp': '2026-01-01T00:00:00Z', incident: { status: `rev-${i}` } } }]);
    assert.deepEqual(r.failed, []);
    reads++;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(await done, 0);
  assert.deepEqual(JSON.parse(out), { failed: 0 });
  assert.equal(await console_.count({ dataset: 'events' }), N);
  assert.equal(await console_.count({ dataset: 'incidents' }), 1);
  assert.ok(reads > 0);
  await console_.close();
  rmSync(dir, { recursive: true, force: true });
});
