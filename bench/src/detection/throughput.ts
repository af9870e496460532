// Detection throughput on one core: all loadable shared Sigma rules + our library over a synthetic ECS mix,
// then event_count / value_count correlation with 1,000,000 distinct group keys (events/s, peak memory).
// Prints JSON lines {"name","value","unit","peer","peer_value"}; rsigma is the peer when installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, loadPipelines, loadPlaceholders, loadRuleDir, parseRuleText } from '@emsoc/detection';
import { linkedRuleRoot, rsigmaEvalCommand, sigmaRuleDirs } from '@emsoc/detection/sigma-corpus';
import { syntheticEvents } from './synthetic-events.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sharedData = process.env.SOC_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
const sigmaRoot = path.join(sharedData, 'sigma');
const quick = process.argv.includes('--quick');

const line = (name: string, value: number, unit: string, peer: string | null = null, peerValue: number | null = null): void =>
  console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit, peer, peer_value: peerValue === null ? null : Math.round(peerValue * 100) / 100 }));

function rsigmaBinary(): string | null {
  const candidates = [process.env.RSIGMA_BIN, path.join(os.homedir(), '.cargo', 'bin', 'rsigma'), 'rsigma'].filter(Boolean) as string[];
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  return null;
}

function throughput(): void {
  const pipelines = loadPipelines(path.join(repoRoot, 'policies', 'sigma-pipelines', 'ecs.yml'));
  const placeholders = loadPlaceholders(path.join(repoRoot, 'policies', 'detection-placeholders.yaml'));
  const loaded = loadRuleDir(...sigmaRuleDirs(sigmaRoot), path.join(repoRoot, 'rules'));
  const engine = createEngine({ rules: loaded.rules, pipelines, placeholders });
  const s0 = engine.stats().rules;
  const events = syntheticEvents(quick ? 20_000 : 100_000);
  // Warm-up (JIT) then timed passes over the same events.
  for (let i = 0; i < 20_000; i++) engine.process(events[i % events.length]!);
  const passes = quick ? 2 : 5;
  // The machine is shared: CPU time of this process (one thread) is the honest "one core" measure;
  // wall-clock throughput is printed too.
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let alerts = 0;
  for (let p = 0; p < passes; p++) for (const ev of events) alerts += engine.process(ev).length;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = process.cpuUsage(c0);
  const cpuSecs = (c1.user + c1.system) / 1e6;
  const eps = (passes * events.length) / cpuSecs;
  const wallEps = (passes * events.length) / secs;

  let peerEps: number | null = null;
  let sameEps: number | null = null;
  const bin = rsigmaBinary();
  if (bin) {
    // Same rules and events; rsigma reads NDJSON from a file. Startup/rule load is measured with one
    // event and subtracted so both figures are steady-state events/s.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rsigma-bench-'));
    try {
      const file = path.join(dir, 'events.ndjson');
      writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      writeFileSync(path.join(dir, 'one.ndjson'), JSON.stringify(events[0]) + '\n');
      // rsigma refuses the whole set when one rule uses something it lacks (our rules combine time and
      // comparison modifiers, e.g. `@timestamp|hour|lt`), so the peer runs on the upstream rules only,
      // without a pipeline, and so does our engine for this ratio.
      const root = linkedRuleRoot(dir, sigmaRuleDirs(sigmaRoot));
      const sigmaOnly = loadRuleDir(...sigmaRuleDirs(sigmaRoot)).rules;
      const same = createEngine({ rules: sigmaOnly });
      for (let i = 0; i < 20_000; i++) same.process(events[i % events.length]!);
      const s0c = process.cpuUsage();
      for (const ev of events) same.process(ev);
      const sc = process.cpuUsage(s0c);
      sameEps = events.length / ((sc.user + sc.system) / 1e6);
      const evalCmd = rsigmaEvalCommand((args) => spawnSync(bin, args).status);
      // CPU time of the child (user+sys), like ours: the machine is shared, wall time would mislead.
      const run = (f: string): number => {
        if (!existsSync('/usr/bin/time')) {
          const t = process.hrtime.bigint();
          const r = spawnSync(bin, [...evalCmd, '-r', root, '-e', `@${f}`], { stdio: 'ignore' });
          if (r.status !== 0) throw new Error(`rsigma exited ${r.status}`);
          return Number(process.hrtime.bigint() - t) / 1e9; // wall clock: GNU time not installed
        }
        const r = spawnSync('/usr/bin/time', ['-f', '%U %S', bin, ...evalCmd, '-r', root, '-e', `@${f}`], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 30 });
        if (r.status !== 0) throw new Error(`rsigma exited ${r.status}: ${r.stderr.slice(-500)}`);
        const [u, s] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
        return u! + s!;
      };
      const base = run(path.join(dir, 'one.ndjson'));
      const full = run(file);
      peerEps = events.length / Math.max(full - base, 1e-6);
    } catch (e) {
      console.error(`rsigma run failed: ${(e as Error).message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  line('detection.throughput', eps, 'events/s (per CPU-second, one core)');
  line('detection.throughput_wall', wallEps, 'events/s (wall clock)');
  if (sameEps !== null) line('detection.throughput_upstream_rules_no_pipeline', sameEps, 'events/s (per CPU-second, one core)', 'rsigma', peerEps);
  line('detection.rules_loaded', s0.detection + s0.correlation, 'rules');
  line('detection.alerts_per_1k_events', (alerts / (passes * events.length)) * 1000, 'alerts');
  line('detection.rule_evaluations_per_event', engine.stats().ruleEvaluations / engine.stats().events, 'rules');
}

function correlationBench(type: 'event_count' | 'value_count'): void {
  const keys = quick ? 100_000 : 1_000_000;
  const cond = type === 'event_count' ? 'condition: {gte: 1000}' : 'condition: {field: destination.port, gte: 1000}';
  const text = `title: flow\nid: base\nname: flow\nlogsource: {product: bench}\ndetection:\n  sel:\n    network.transport: tcp\n  condition: sel\n---\ntitle: corr\nid: corr\ncorrelation:\n  type: ${type}\n  rules: [flow]\n  group-by: [source.ip]\n  timespan: 1h\n  ${cond}\n`;
  const engine = createEngine({ rules: parseRuleText(text, 'bench.yml').rules, limits: { maxGroups: 2_000_000 } });
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const t0Ms = Date.UTC(2026, 2, 1);
  const total = keys * 2;
  const ev = { '@timestamp': '', event: { id: '' }, source: { ip: '' }, destination: { port: 0 }, network: { transport: 'tcp' } };
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < total; i++) {
    const k = i % keys;
    // Fresh objects like a real stream (the engine must not rely on object identity).
    const e = { ...ev, '@timestamp': new Date(t0Ms + i).toISOString(), event: { id: `e${i}` }, source: { ip: `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}` }, destination: { port: i & 1023 } };
    engine.process(e);
    if ((i & 0xffff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  peak = Math.max(peak, process.memoryUsage().rss);
  const s = engine.stats().correlation;
  global.gc?.();
  const heapRetained = process.memoryUsage().heapUsed;
  // CPU time includes building each event object (ISO timestamp, ip string), as a real stream would pay.
  line(`detection.correlation.${type}.throughput_${keys}_keys`, total / ((cpu.user + cpu.system) / 1e6), 'events/s (per CPU-second, one core)');
  line(`detection.correlation.${type}.throughput_wall_${keys}_keys`, total / secs, 'events/s (wall clock)');
  if (global.gc) line(`detection.correlation.${type}.heap_after_gc_${keys}_keys`, heapRetained / 1048576, 'MB');
  line(`detection.correlation.${type}.peak_rss_${keys}_keys`, peak / 1048576, 'MB');
  line(`detection.correlation.${type}.rss_growth_${keys}_keys`, (peak - rss0) / 1048576, 'MB');
  line(`detection.correlation.${type}.groups`, s.groups, 'keys');
}

const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
if (!only || only === 'throughput') throughput();
if (only === 'event_count' || only === 'value_count') correlationBench(only);
if (!only) {
  // Each memory benchmark in a fresh process: RSS left over from the rule-throughput phase (or the other
  // correlation type) would otherwise be counted against it.
  for (const type of ['event_count', 'value_count']) {
    const args = [...process.execArgv.filter((a) => a !== '--expose-gc'), '--expose-gc', fileURLToPath(import.meta.url), `--only=${type}`, ...(quick ? ['--quick'] : [])];
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) console.error(`${type} benchmark failed with status ${r.status}`);
  }
}
