#!/usr/bin/env node
// Finds the test files of every workspace and runs them with node's test runner (Node 20's --test takes
// no globs). `node tests/run.mjs [--integration] [filter...]`: unit+skeleton tests by default
// (*.test.ts), the suites that need a real engine, PostgreSQL or peers with --integration
// (*.integration.ts). Filters keep files whose path contains any of them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const integration = args.includes('--integration');
const filters = args.filter((a) => !a.startsWith('--'));
const suffix = integration ? '.integration.ts' : '.test.ts';
const skip = new Set(['node_modules', 'data', 'dist', '.git', '.angular', 'fuzz', 'bench']);

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (entry.name.endsWith(suffix) && /(^|\/)(test|tests)\//.test(path.relative(root, p))) out.push(p);
  }
  return out;
}

const files = walk(root, [])
  .map((f) => path.relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no ${suffix} files matched`);
  process.exit(1);
}
console.log(`running ${files.length} test files`);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
