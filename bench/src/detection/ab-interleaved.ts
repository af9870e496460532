// bench: library (a tool run by hand with --old, not part of `npm run bench`)
// Old-vs-new detection throughput in one process, interleaved in slices of 1,000 events so the load of a
// shared machine falls on both alike (separate runs a few seconds apart differ by ±30% here).
//   git worktree add /tmp/wt-det-old <commit> && ln -s "$PWD/node_modules" /tmp/wt-det-old/node_modules
//   node --import tsx bench/src/detection/ab-interleaved.ts --old /tmp/wt-det-old/detection/src/index.ts [--upstream] [--rounds 6]
// --upstream: upstream Sigma rules only, no pipeline (the rsigma comparison set); default: all 557 rules.
// Prints one JSON line {"name","value","unit","peer","peer_value"}: value = new, peer_value = old.
// Before timing, both engines (fresh) process the same events and their alerts are compared as JSON text;
// any difference is printed to stderr and the exit status is 1.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as NEW from '@emsoc/detection';
import { sigmaRuleDirs } from '@emsoc/detection/sigma-corpus';
import { syntheticEvents } from './synthetic-events.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const oldPath = arg('--old');
if (!oldPath || process.argv.includes('--help')) {
  console.error('usage: ab-interleaved.ts --old <old checkout>/detection/src/index.ts [--upstream] [--rounds N]');
  process.exit(oldPath ? 0 : 2);
}
const OLD = (await import(path.resolve(oldPath))) as typeof NEW;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sigmaRoot = path.join(process.env.SOC_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data'), 'sigma');
const upstream = process.argv.includes('--upstream');

function engineOf(M: typeof NEW): NEW.Engine {
  if (upstream) return M.createEngine({ rules: M.loadRuleDir(...sigmaRuleDirs(sigmaRoot)).rules });
  const pipelines = M.loadPipelines(path.join(repoRoot, 'policies', 'sigma-pipelines', 'ecs.yml'));
  const placeholders = M.loadPlaceholders(path.join(repoRoot, 'policies', 'detection-placeholders.yaml'));
  return M.createEngine({ rules: M.loadRuleDir(...sigmaRuleDirs(sigmaRoot), path.join(repoRoot, 'rules')).rules, pipelines, placeholders });
}

const events = syntheticEvents(20_000);
{
  // Byte-identical alerts: fresh engines, every event, then flush().
  const [o, n] = [engineOf(OLD), engineOf(NEW)];
  let diffs = 0;
  const check = (i: number | 'flush' | 'stats', a: unknown, b: unknown): void => {
    const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
    if (x !== y && ++diffs <= 5) console.error(`alerts differ at event ${i}:\n old ${x}\n new ${y}`);
  };
  for (let i = 0; i < events.length; i++) check(i, o.process(events[i]!), n.process(events[i]!));
  check('flush', o.flush(), n.flush());
  check('stats', { ...o.stats(), rules: null }, { ...n.stats(), rules: null });
  if (diffs) {
    console.error(`${diffs} differences in alerts`);
    process.exitCode = 1;
  } else console.error(`alerts identical (${n.stats().alerts} alerts over ${events.length} events + flush)`);
}
const engines = [engineOf(OLD), engineOf(NEW)];
for (const e of engines) for (let p = 0; p < 2; p++) for (const ev of events) e.process(ev);
const cpu = [0, 0];
const count = [0, 0];
const SLICE = 1000;
const rounds = Number(arg('--rounds') ?? 6);
for (let r = 0; r < rounds; r++) {
  for (let off = 0; off < events.length; off += SLICE) {
    // Alternate which side goes first.
    for (const k of (off / SLICE) & 1 ? [1, 0] : [0, 1]) {
      const c0 = process.cpuUsage();
      for (let i = off; i < off + SLICE; i++) engines[k]!.process(events[i]!);
      const c = process.cpuUsage(c0);
      cpu[k] += c.user + c.system;
      count[k] += SLICE;
    }
  }
}
const eps = cpu.map((c, k) => count[k]! / (c / 1e6));
console.log(JSON.stringify({
  name: `detection.throughput_ab${upstream ? '_upstream_rules_no_pipeline' : ''}`,
  value: Math.round(eps[1]!),
  unit: 'events/s (per CPU-second, one core, interleaved with the old engine)',
  peer: `old engine (${oldPath})`,
  peer_value: Math.round(eps[0]!),
}));
