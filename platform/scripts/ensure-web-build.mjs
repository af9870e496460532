#!/usr/bin/env node
// Builds the console's web app when its build is missing or older than its sources, so that
// `npm ci && npm start` serves the real app on a fresh clone. Skips quickly when the build is current.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const web = path.join(root, 'soc-console', 'web');
const built = path.join(web, 'dist', 'browser', 'index.html');

function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

const sourcesTime = Math.max(newest(path.join(web, 'src')), fs.statSync(path.join(web, 'angular.json')).mtimeMs);
if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= sourcesTime) process.exit(0);
console.log('Building the SOC console web app (first start or changed sources; about a minute)…');
const r = spawnSync('npm', ['run', 'build', '-w', '@emsoc/soc-console-web'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
});
process.exit(r.status ?? 1);
