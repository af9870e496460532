/** Test helpers: temp dirs and running the openssl peer. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `emsoc-pki-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs openssl; returns { code, out } with stdout+stderr, never throws on a non-zero exit. */
export function openssl(args: string[], input?: string | Uint8Array): { code: number; out: string } {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** Runs openssl, throws with its output on a non-zero exit; returns stdout+stderr. */
export function opensslOk(args: string[], input?: string | Uint8Array): string {
  const r = openssl(args, input);
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} exited ${r.code}:\n${r.out}`);
  return r.out;
}
