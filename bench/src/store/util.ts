/** Bench helpers: JSON-line output, percentiles, peak RSS sampling. */
export function emit(name: string, value: number | null, unit: string, peer: string | null = null, peerValue: number | null = null, extra: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ name, value, unit, peer, peer_value: peerValue, ...extra }) + '\n');
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
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
