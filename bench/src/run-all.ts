/**
 * `npm run bench`: runs every benchmark script under bench/src (each prints JSON lines and exits),
 * one after the other. Library files are skipped: those whose first lines say `bench: library`, and
 * those another bench file imports (helpers such as store/util.ts).
 *   node --import tsx bench/src/run-all.ts [--only <substring>] [--list]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npm run bench -- [--only <substring>] [--list]');
  process.exit(0);
}
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const files = walk(here).filter((f) => f !== fileURLToPath(import.meta.url));
const imported = new Set<string>();
for (const f of files) {
  const text = fs.readFileSync(f, 'utf8');
  for (const m of text.matchAll(/from\s+['"](\.{1,2}\/[^'"]+)['"]/g)) imported.add(path.resolve(path.dirname(f), m[1]!.replace(/\.js$/, '.ts')));
}
const isLibrary = (f: string) => imported.has(f) || /bench:\s*library/.test(fs.readFileSync(f, 'utf8').slice(0, 400));
const benches = files.filter((f) => !isLibrary(f)).filter((f) => !only || path.relative(here, f).includes(only)).sort();
if (args.includes('--list')) {
  for (const f of benches) console.log(path.relative(root, f));
  process.exit(0);
}
let failed = 0;
for (const f of benches) {
  const rel = path.relative(root, f);
  console.error(`# ${rel}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', f], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], timeout: 30 * 60_000 });
  if (r.status !== 0) {
    failed++;
    console.log(JSON.stringify({ name: `bench_failed:${rel}`, value: r.status ?? -1, unit: 'exit status', peer: null, peer_value: null }));
  }
}
process.exit(failed ? 1 : 0);
