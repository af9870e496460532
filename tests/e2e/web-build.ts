import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@emsoc/common/paths';

export const WEB_DIR = path.join(repoRoot, 'soc-console', 'web');
export const WEB_DIST = path.join(WEB_DIR, 'dist', 'browser');

/** Builds the production app unless a build is already there (the console server serves WEB_DIST). */
export function ensureWebBuild(): void {
  if (fs.existsSync(path.join(WEB_DIST, 'index.html')) && !process.env.EMSOC_REBUILD_WEB) return;
  execFileSync(process.execPath, [path.join(repoRoot, 'node_modules', '@angular', 'cli', 'bin', 'ng.js'), 'build'], { cwd: WEB_DIR, stdio: 'inherit' });
}
