/** Locates the read-only third-party corpus shared by the test suites. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SHARED_DATA = process.env.SOC_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');

/** Absolute path of a corpus folder, or undefined when the corpus is not installed. */
export function sharedDir(...parts: string[]): string | undefined {
  const p = path.join(SHARED_DATA, ...parts);
  return existsSync(p) ? p : undefined;
}
