/** Bench helpers: JSON-line output, percentiles, CPU time, peak RSS sampling, scratch directories, ids. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function emit(name: string, value: number | null, unit: string, peer: string | null = null, peerValue: number | null = null, extra: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ name, value, unit, peer, peer_value: peerValue, ...extra }) + '\n');
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU seconds (user + system) of this process since `since`: the machine is shared, so wall time alone is noisy. */
export function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

/** 64-character SHA-256 hex of `text`: the shape of the ids the collector writes (random order in an index). */
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A fresh scratch directory under the OS temp dir, removed when the process exits. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Removes an SQLite file with its WAL and shared-memory companions. */
export function removeDatabase(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Samples RSS every 50 ms; `peakMb()` returns the maximum seen. */
export function rssSampler() {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 50);
  t.unref();
  return { peakMb: () => { peak = Math.max(peak, process.memoryUsage.rss()); return round(peak / 1048576, 1); }, stop: () => clearInterval(t) };
}

export function engineUrl(): string | undefined {
  return process.env.SOC_BENCH_ENGINE_URL ?? process.env.SOC_TEST_ENGINE_URL;
}

export function intArg(name: string, fallback: number): number {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : fallback;
}
