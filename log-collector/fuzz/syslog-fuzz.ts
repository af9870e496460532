/**
 * Mutational fuzzing of the syslog framer and parser pipeline, seeded from the shared corpora
 * (plus built-in seeds when they are absent). Checks: nothing throws; every call returns within
 * the hang limit (a watchdog thread reports the input that hung); parsed events serialise to
 * JSON and keep event.original; framer frames never exceed maxFrameSize; heap stays bounded.
 *
 *   node --import tsx log-collector/fuzz/syslog-fuzz.ts [iterations=1000000] [--short] [--seed N]
 *
 * `--short` runs ~20,000 iterations. Exit status 1 on any finding (written to stderr as JSON).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createSyslogFramer } from '../src/sources/syslog/index.js';
import { processSyslog } from '../src/transforms/index.js';

const HANG_MS = 2000;
const HEAP_LIMIT = 768 * 1024 * 1024;

interface Options {
  iterations: number;
  seed: number;
}

function parseArgs(argv: string[]): Options {
  let iterations = 1_000_000;
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--short') iterations = 20_000;
    else if (a === '--seed') seed = Number(argv[++i]) || 1;
    else if (/^\d+$/.test(a)) iterations = Number(a);
  }
  return { iterations, seed };
}

/** Seed inputs: every line of the shared syslog/loghub corpora, plus a few hand-made edge cases. */
export function loadSeeds(): Buffer[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const shared = process.env.SOC_SHARED_DATA ?? path.resolve(here, '..', '..', '..', 'shared', 'data');
  const seeds: Buffer[] = [
    '<34>1 2026-01-01T00:00:00Z h a 1 m [x@1 a="\\"" b="\\]"] \uFEFFmsg', '<13>1 - - - - - - m', '<0>x', '<191>Dec 31 23:59:59 h p[1]: m',
    '<189>521: r1: *Nov 14 08:30:56.699 MEST: %LINK-5-CHANGED: x', '%ASA-6-302013: Built outbound TCP connection 1 for a:1.2.3.4/1 (1.2.3.4/1) to b:5.6.7.8/2 (5.6.7.8/2)',
    'type=SYSCALL msg=audit(1.1:1): a0=41 msg=\'acct=726F6F74 res=success\'', 'k: IN=e OUT= SRC=1.1.1.1 DST=::1 PROTO=TCP SPT=1 DPT=2',
    '1.2.3.4 - u [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1 "r" "ua"', '%%01SHELL/5/LOGIN(s):x (UserName=a, Ip=1.2.3.4)',
    '12 <13>1 - - - -', '0 ', '99999999999 x',
  ].map((s) => Buffer.from(s));
  const roots = [path.join(shared, 'syslog'), path.join(shared, 'loghub')];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (!/LICENSE|\.md$|\.csv$|\.json$/.test(f) && st.size < 2_000_000) {
        const buf = readFileSync(p);
        if (f.endsWith('.jsonl')) {
          for (const l of buf.toString('utf8').split('\n')) if (l) seeds.push(Buffer.from(String(JSON.parse(l).log ?? '')));
        } else {
          for (const l of buf.toString('latin1').split('\n').slice(0, 400)) if (l) seeds.push(Buffer.from(l, 'latin1'));
        }
      }
    }
  };
  for (const r of roots) if (existsSync(r)) walk(r);
  return seeds;
}

/** xorshift32: deterministic per seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const TOKENS = ['<', '>', '[', ']', '"', '\\', '=', ':', ' ', '%', '\n', '\0', '\r\n', '-', '1 ', '<13>', '<999>', 'type=', 'msg=audit(', 'IN=', ' SRC=',
  '%ASA-6-', '%%01', 'junos@', '\uFEFF', '\u00ff', 'T', 'Z', '+08:00', 'Feb 29 ', ' 2026 ', '::ffff:', '/', '(', ')', ',', "'", '\t', 'MSWinEventLog\t'].map((t) => Buffer.from(t));

export function mutate(seeds: Buffer[], r: () => number): Buffer {
  let buf = Buffer.from(seeds[r() % seeds.length]!);
  const rounds = 1 + (r() % 4);
  for (let k = 0; k < rounds; k++) {
    const pos = buf.length ? r() % (buf.length + 1) : 0;
    switch (r() % 9) {
      case 0: // bit flip
        if (buf.length) buf[r() % buf.length]! ^= 1 << (r() % 8);
        break;
      case 1: // random byte
        if (buf.length) buf[r() % buf.length] = r() & 255;
        break;
      case 2: // delete a range
        buf = Buffer.concat([buf.subarray(0, pos), buf.subarray(Math.min(buf.length, pos + 1 + (r() % 16)))]);
        break;
      case 3: // insert a syntax token
        buf = Buffer.concat([buf.subarray(0, pos), TOKENS[r() % TOKENS.length]!, buf.subarray(pos)]);
        break;
      case 4: // splice with another seed
        buf = Buffer.concat([buf.subarray(0, pos), seeds[r() % seeds.length]!.subarray(r() % 64)]);
        break;
      case 5: // repeat a chunk (long inputs, pathological runs)
        {
          const chunk = buf.subarray(pos, pos + 1 + (r() % 8));
          buf = Buffer.concat([buf.subarray(0, pos), Buffer.alloc(chunk.length * (1 + (r() % 2000)), chunk.length ? chunk : ' '), buf.subarray(pos)]);
        }
        break;
      case 6: // truncate
        buf = buf.subarray(0, pos);
        break;
      case 7: // digit change
        for (let i = pos; i < buf.length; i++) if (buf[i]! >= 48 && buf[i]! <= 57) { buf[i] = 48 + (r() % 10); break; }
        break;
      default: // duplicate the whole
        buf = Buffer.concat([buf, buf]);
    }
    if (buf.length > 200_000) buf = buf.subarray(0, 200_000);
  }
  return buf;
}

function fuzzWorker(opts: Options, current: SharedArrayBuffer): void {
  const seeds = loadSeeds();
  const r = rng(opts.seed);
  const lenView = new Int32Array(current, 0, 2);
  const bytes = new Uint8Array(current, 8);
  const findings: object[] = [];
  const report = (kind: string, input: Buffer, detail: string): void => {
    findings.push({ kind, detail, input_hex: input.subarray(0, 4096).toString('hex') });
  };
  let slowest = 0;
  const t0 = Date.now();
  for (let i = 0; i < opts.iterations; i++) {
    const input = mutate(seeds, r);
    const n = Math.min(input.length, bytes.length);
    bytes.set(input.subarray(0, n));
    Atomics.store(lenView, 0, n);
    Atomics.store(lenView, 1, i + 1); // 0 = still loading seeds / compiling
    const s = performance.now();
    try {
      if (i % 4 === 3) {
        // framer: random chunking and limits; then parse every frame
        const max = 16 + (r() % 4096);
        const framer = createSyslogFramer({ maxFrameSize: max, mode: (['auto', 'octet-counting', 'non-transparent'] as const)[r() % 3] });
        const frames = [];
        for (let o = 0; o < input.length; ) {
          const len = 1 + (r() % 64);
          frames.push(...framer.push(input.subarray(o, o + len)));
          o += len;
        }
        frames.push(...framer.end());
        for (const f of frames) {
          if (f.data.length > max) report('frame-too-large', input, `${f.data.length} > ${max}`);
          processSyslog(f.data, { receivedAt: 1_764_000_000_000, truncated: f.truncated });
        }
      } else {
        const ev = processSyslog(input, { receivedAt: 1_764_000_000_000, sourceAddress: '192.0.2.1' });
        if (typeof ev.event?.original !== 'string' || typeof ev.event?.id !== 'string') report('missing-fields', input, 'event.original/event.id');
        JSON.stringify(ev);
      }
    } catch (e) {
      report('throw', input, (e as Error).stack ?? String(e));
    }
    let dt = performance.now() - s;
    if (dt > HANG_MS / 4) {
      // Re-time before reporting: on a shared machine one slow call is often a scheduling stall.
      for (let k = 0; k < 3 && dt > HANG_MS / 4; k++) {
        const s2 = performance.now();
        try {
          processSyslog(input, { receivedAt: 1_764_000_000_000 });
        } catch {
          /* reported above */
        }
        dt = Math.min(dt, performance.now() - s2);
      }
      if (dt > HANG_MS / 4) report('slow', input, `${dt.toFixed(0)} ms`);
    }
    if (dt > slowest) slowest = dt;
    if (i % 5000 === 0) {
      const heap = process.memoryUsage().heapUsed;
      if (heap > HEAP_LIMIT) report('memory', input, `heap ${heap}`);
      parentPort!.postMessage({ progress: i });
    }
    if (findings.length >= 20) break;
  }
  parentPort!.postMessage({
    done: true, iterations: opts.iterations, seeds: seeds.length, seconds: (Date.now() - t0) / 1000, slowest_ms: Math.round(slowest * 10) / 10,
    heap_mb: Math.round(process.memoryUsage().heapUsed / 1e6), findings,
  });
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const current = new SharedArrayBuffer(8 + 200_000);
  // Workers do not inherit the tsx loader: register it inside the worker, then load this file.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { opts, current } });
  const lenView = new Int32Array(current, 0, 2);
  let last = Date.now();
  let lastIter = -1;
  const timer = setInterval(() => {
    const iter = Atomics.load(lenView, 1);
    if (iter === 0) return; // not started: seed loading is not a hang
    if (iter !== lastIter) {
      lastIter = iter;
      last = Date.now();
    } else if (Date.now() - last > HANG_MS * 5) {
      const n = Atomics.load(lenView, 0);
      const input = Buffer.from(new Uint8Array(current, 8, n)).toString('hex');
      console.error(JSON.stringify({ kind: 'hang', iteration: iter - 1, input_hex: input.slice(0, 8192) }));
      void worker.terminate();
      clearInterval(timer);
      process.exitCode = 1;
    }
  }, 500);
  worker.on('message', (m: { done?: boolean; findings?: object[] }) => {
    if (!m.done) return;
    clearInterval(timer);
    const { findings = [], ...summary } = m as { findings: object[] };
    console.log(JSON.stringify({ target: 'syslog', ...summary, findings: findings.length }));
    for (const f of findings) console.error(JSON.stringify(f));
    if (findings.length) process.exitCode = 1;
  });
  worker.on('error', (e) => {
    clearInterval(timer);
    console.error(JSON.stringify({ kind: 'worker-crash', detail: String(e) }));
    process.exitCode = 1;
  });
}

if (isMainThread) main();
else fuzzWorker((workerData as { opts: Options }).opts, (workerData as { current: SharedArrayBuffer }).current);
