/**
 * Shared pieces of the in-process fuzz targets: a seeded xorshift generator (runs reproduce with
 * --seed), byte mutations, a per-input CPU-time bound and the command-line wrapper that prints a JSON
 * summary and exits 1 on any finding.
 */
export interface FuzzOptions {
  iterations: number;
  seed: number;
}

export interface Finding {
  kind: string;
  detail: string;
  input_hex: string;
}

export interface FuzzSummary {
  target: string;
  iterations: number;
  seconds: number;
  slowest_cpu_ms: number;
  findings: Finding[];
}

export function parseFuzzArgs(argv: string[]): FuzzOptions {
  let iterations = 1_000_000;
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--short') iterations = 20_000;
    else if (a === '--seed') seed = Number(argv[++i]) >>> 0 || 1;
    else if (/^\d+$/.test(a)) iterations = Number(a);
  }
  return { iterations, seed };
}

export function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const TOKENS = [0x00, 0x7f, 0x80, 0xc0, 0xc1, 0xc4, 0xd9, 0xdc, 0xdd, 0xde, 0xdf, 0xff, 0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x0a, 0x2c, 0x3a];

/** A few random edits of a seed: bit flips, interesting bytes, cuts, inserts, splices, repeats. */
export function mutateBytes(seeds: Uint8Array[], rand: (n: number) => number, maxLen: number): Buffer {
  let b = Buffer.from(seeds[rand(seeds.length)]!);
  const rounds = 1 + rand(4);
  for (let k = 0; k < rounds; k++) {
    const len = b.length;
    const pos = rand(len + 1);
    switch (rand(8)) {
      case 0: if (len) b[rand(len)]! ^= 1 << rand(8); break;
      case 1: if (len) b[rand(len)] = TOKENS[rand(TOKENS.length)]!; break;
      case 2: b = b.subarray(0, pos); break;
      case 3: b = Buffer.concat([b.subarray(0, pos), Buffer.from(Array.from({ length: 1 + rand(8) }, () => rand(256))), b.subarray(pos)]); break;
      case 4: b = Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(len, pos + 1 + rand(16)))]); break;
      case 5: { const o = seeds[rand(seeds.length)]!; const s = rand(o.length + 1); b = Buffer.concat([b.subarray(0, pos), o.subarray(s, s + rand(128)), b.subarray(pos)]); break; }
      case 6: { const chunk = b.subarray(pos, pos + 1 + rand(8)); if (chunk.length) b = Buffer.concat([b.subarray(0, pos), Buffer.alloc(chunk.length * (1 + rand(500)), chunk), b.subarray(pos)]); break; }
      default: if (len > 4) { const v = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff][rand(8)]!; const o = rand(len - 3); b.writeUInt32BE(v >>> 0, o); } break;
    }
    if (b.length > maxLen) b = b.subarray(0, maxLen);
  }
  return b;
}

/** Runs `one` on `iterations` inputs; exceptions and slow inputs become findings (at most 20). */
export function fuzzLoop(
  target: string,
  opts: FuzzOptions,
  next: (rand: (n: number) => number) => Buffer,
  one: (input: Buffer, rand: (n: number) => number) => string | undefined,
  maxCpuMs = 250,
): FuzzSummary {
  const rand = rng(opts.seed);
  const findings: Finding[] = [];
  let slowest = 0;
  const t0 = performance.now();
  for (let i = 0; i < opts.iterations && findings.length < 20; i++) {
    const input = next(rand);
    const c0 = process.cpuUsage();
    let problem: string | undefined;
    try {
      problem = one(input, rand);
    } catch (e) {
      problem = `throw: ${(e as Error).stack ?? String(e)}`;
    }
    const used = process.cpuUsage(c0);
    const ms = (used.user + used.system) / 1000;
    if (ms > slowest) slowest = ms;
    if (ms > maxCpuMs) problem ??= `slow: ${ms.toFixed(1)} ms CPU`;
    if (problem) findings.push({ kind: problem.split(':')[0]!, detail: problem, input_hex: input.subarray(0, 4096).toString('hex') });
  }
  return { target, iterations: opts.iterations, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)), slowest_cpu_ms: Number(slowest.toFixed(2)), findings };
}

/** Command-line wrapper: JSON summary on stdout, findings on stderr, exit 1 when there are any. */
export function reportAndExit(summary: FuzzSummary): void {
  const { findings, ...rest } = summary;
  console.log(JSON.stringify({ ...rest, findings: findings.length }));
  for (const f of findings) console.error(JSON.stringify(f));
  process.exitCode = findings.length ? 1 : 0;
}
