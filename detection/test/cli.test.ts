import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './helpers.js';

const cli = path.join(repoRoot, 'detection', 'src', 'cli.ts');
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repoRoot, encoding: 'utf8', input });

test('soc-rules validate / eval / exit codes', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'soc-rules-'));
  try {
    writeFileSync(path.join(dir, 'good.yml'), `title: root login\nid: 11111111-1111-4111-8111-111111111111\nlogsource: {product: linux, service: sshd}\ndetection:\n  sel:\n    event.outcome: success\n    user.name: root\n  condition: sel\nlevel: high\n`);
    writeFileSync(path.join(dir, 'bad.yml'), `title: bad\nid: 22222222-2222-4222-8222-222222222222\nlogsource: {product: linux}\ndetection:\n  sel:\n    f|nosuchmod: x\n  condition: sel\n`);
    const v = run(['validate', dir]);
    assert.equal(v.status, 1);
    assert.match(v.stdout, /bad\.yml: \[22222222-2222-4222-8222-222222222222\] sel: unknown modifier 'nosuchmod'/);

    const events = [
      { '@timestamp': '2026-03-01T00:00:00Z', event: { dataset: 'system.auth', outcome: 'success', id: 'a' }, user: { name: 'root' } },
      { '@timestamp': '2026-03-01T00:00:01Z', event: { dataset: 'system.auth', outcome: 'success', id: 'b' }, user: { name: 'alice' } },
    ];
    const file = path.join(dir, 'events.ndjson');
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\nnot json\n');
    const e = run(['eval', '--rules', path.join(dir, 'good.yml'), '--events', file]);
    assert.equal(e.status, 0, e.stderr);
    const alerts = e.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule: { id: string }; eventIds: string[] });
    assert.equal(alerts.length, 1);
    assert.deepEqual(alerts[0]!.eventIds, ['a']);
    assert.match(e.stderr, /line 3: .*\n.*2 events, 1 alerts, 1 malformed lines/s);

    assert.equal(run(['eval', '--rules', dir]).status, 2); // usage: --events missing
    assert.equal(run(['eval', '--rules', dir, '--events', path.join(dir, 'nope.ndjson')]).status, 3);
    const b = run(['backtest', '--rules', dir]);
    assert.equal(b.status, 2);
    assert.match(b.stderr, /requires --store/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
