// bench: library — a check run by hand around parser rewrites, not a benchmark.
/**
 * Golden output of the syslog transforms: every line of the shared syslog corpora and loghub (plus the
 * loghub lines again behind a `<13>` PRI so the vendor parsers run on them, plus 3,000 benchmark lines)
 * through processSyslog, without and with enrichment, serialized as NDJSON. Prints the event count and the
 * SHA-256 of the whole output; a parser rewrite must leave it unchanged. `--root <dir>` loads the transforms
 * from another checkout (e.g. `git worktree add /tmp/wt-old <commit>`), so old and new are compared by
 * digest; `--out <file>` also writes the NDJSON, to find the first differing line with `cmp`.
 *
 *   node --import tsx bench/src/collector/parse-golden.ts [--root <checkout>] [--out <file>]
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEMPLATES } from './parse-lines.js';

const args = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(args.includes('--root') ? args[args.indexOf('--root') + 1]! : path.join(here, '..', '..', '..'));
const outFile = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
const shared = process.env.SOC_SHARED_DATA ?? path.resolve(here, '..', '..', '..', '..', 'shared', 'data');
if (!fs.existsSync(path.join(shared, 'syslog'))) {
  console.error(`shared data not found at ${shared}`);
  process.exit(2);
}

const { processSyslog, loadEnrichment } = (await import(path.join(root, 'log-collector/src/transforms/index.ts'))) as typeof import('../../../log-collector/src/transforms/index.js');
const enrichment = await loadEnrichment(path.join(root, 'policies'));

const files: string[] = [];
const walk = (d: string): void => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (!p.endsWith('.csv')) files.push(p);
  }
};
walk(path.join(shared, 'syslog'));
walk(path.join(shared, 'loghub'));
files.sort();
const lines: string[] = [];
for (const f of files) for (const l of fs.readFileSync(f, 'utf8').split('\n')) if (l.length) lines.push(l);
const all = [...lines, ...lines.filter((l) => !l.startsWith('<')).map((l) => `<13>${l}`), ...Array.from({ length: 3000 }, (_, i) => TEMPLATES[i % TEMPLATES.length]!(i))];

const digest = createHash('sha256');
const fd = outFile ? fs.openSync(outFile, 'w') : -1;
let events = 0;
all.forEach((l, i) => {
  // Receive times and senders vary a little so time keys and ids are exercised.
  const ctx = { receivedAt: Date.parse('2026-11-29T02:00:00Z') + (i % 7) * 1000, sourceAddress: i % 3 ? '10.99.10.1' : '192.0.2.7' };
  const text = JSON.stringify(processSyslog(l, ctx)) + '\n' + JSON.stringify(processSyslog(l, ctx, enrichment)) + '\n';
  digest.update(text);
  if (fd >= 0) fs.writeSync(fd, text);
  events += 2;
});
if (fd >= 0) fs.closeSync(fd);
console.log(JSON.stringify({ root, lines: all.length, files: files.length, events, sha256: digest.digest('hex') }));
