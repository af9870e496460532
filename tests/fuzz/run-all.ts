/**
 * `npm run fuzz`: every decoder's fuzz target, one after the other, each in its own process.
 *   node --import tsx tests/fuzz/run-all.ts [--short] [--only <substring>] [--seed N]
 * Default 1,000,000 inputs per target; --short ~20,000 (CI). Exit status 1 when any target reports a
 * finding (or crashes).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Target scripts; each takes [iterations] [--short] [--seed N] and exits non-zero on a finding. */
export const FUZZ_TARGETS = [
  { name: 'syslog', script: 'log-collector/fuzz/syslog-fuzz.ts' },
  { name: 'flow', script: 'log-collector/fuzz/flow.ts' },
  { name: 'forward', script: 'log-collector/fuzz/forward-fuzz.ts' },
  { name: 'http', script: 'log-collector/fuzz/http-fuzz.ts' },
];

const args = process.argv.slice(2);
const short = args.includes('--short');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const seed = args.includes('--seed') ? args[args.indexOf('--seed') + 1] : undefined;
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npm run fuzz -- [--short] [--only <substring>] [--seed N]');
  process.exit(0);
}

let failed = 0;
for (const t of FUZZ_TARGETS.filter((t) => !only || t.name.includes(only))) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, t.script), ...(short ? ['--short'] : []), ...(seed ? ['--seed', seed] : [])], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const ok = r.status === 0;
  if (!ok) failed++;
  console.log(JSON.stringify({ fuzz_target: t.name, ok, status: r.status, signal: r.signal, seconds: Math.round((Date.now() - started) / 100) / 10 }));
}
console.log(JSON.stringify({ fuzz: 'all', failed }));
process.exit(failed ? 1 : 0);
