// bench: library (a tool run by hand, not part of `npm run bench`)
// Where the CPU of one event goes, by stages run on the same 1,000-event slices in turn (so the load of a
// shared machine falls on all alike): (1) context reset + timestamp, (2) + rule index candidates,
// (3) + candidate rule bodies, (4) the whole engine.process() (adds match bookkeeping, correlation updates
// and alerts). Stages 1-3 drive the engine's own index and evaluation context, captured from its first
// event. Same rules and events as throughput.ts.
//   node --import tsx bench/src/detection/stages.ts [--rounds 3]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, loadPipelines, loadPlaceholders, loadRuleDir } from '@emsoc/detection';
import type { EvalContext } from '@emsoc/detection/eval-context';
import { RuleIndex } from '@emsoc/detection/rule-index';
import { sigmaRuleDirs } from '@emsoc/detection/sigma-corpus';
import { parseTime } from '@emsoc/detection/time-parts';
import { syntheticEvents } from './synthetic-events.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sigmaRoot = path.join(process.env.SOC_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data'), 'sigma');
const i = process.argv.indexOf('--rounds');
const rounds = i >= 0 ? Number(process.argv[i + 1]) : 3;

const engine = createEngine({
  rules: loadRuleDir(...sigmaRuleDirs(sigmaRoot), path.join(repoRoot, 'rules')).rules,
  pipelines: loadPipelines(path.join(repoRoot, 'policies', 'sigma-pipelines', 'ecs.yml')),
  placeholders: loadPlaceholders(path.join(repoRoot, 'policies', 'detection-placeholders.yaml')),
});
type Candidate = { det: { matchBody(ctx: EvalContext): boolean } };
let index: RuleIndex<never> | null = null;
let ctx: EvalContext | null = null;
const proto = RuleIndex.prototype as unknown as { candidates(this: RuleIndex<never>, c: EvalContext): number };
const original = proto.candidates;
proto.candidates = function (this: RuleIndex<never>, c) {
  ({ self: index, c: ctx } = { self: this, c });
  return original.call(this, c);
};
const events = syntheticEvents(100_000);
engine.process(events[0]!);
proto.candidates = original;
if (!index || !ctx) throw new Error('could not capture the engine index');
const idx = index as RuleIndex<never>;
const cx = ctx as EvalContext;

const stages: [string, (ev: Record<string, unknown>) => void][] = [
  ['reset+timestamp', (ev) => {
    cx.reset(ev);
    parseTime(cx.values('@timestamp')[0]);
  }],
  ['+index', (ev) => {
    cx.reset(ev);
    parseTime(cx.values('@timestamp')[0]);
    idx.candidates(cx);
  }],
  ['+bodies', (ev) => {
    cx.reset(ev);
    parseTime(cx.values('@timestamp')[0]);
    const n = idx.candidates(cx);
    const found = idx.found as Candidate[];
    for (let k = 0; k < n; k++) found[k]!.det.matchBody(cx);
  }],
  ['process', (ev) => void engine.process(ev)],
];
for (const [, f] of stages) for (let k = 0; k < 20_000; k++) f(events[k]!);
const cpu = stages.map(() => 0);
for (let r = 0; r < rounds; r++) {
  for (let off = 0; off < events.length; off += 1000) {
    stages.forEach(([, f], k) => {
      const c0 = process.cpuUsage();
      for (let e = off; e < off + 1000; e++) f(events[e]!);
      const c = process.cpuUsage(c0);
      cpu[k] += c.user + c.system;
    });
  }
}
for (const [k, [name]] of stages.entries()) {
  console.log(JSON.stringify({ name: `detection.stage.${name}`, value: Math.round((cpu[k]! / (rounds * events.length)) * 100) / 100, unit: 'µs CPU per event (cumulative)', peer: null, peer_value: null }));
}
