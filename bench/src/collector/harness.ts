// bench: library — shared by the collector benchmarks (not a benchmark itself).
/**
 * An in-process collector (listeners → raw-frame spool → store sink decoding in a worker thread, into an embedded SQLite store) on
 * loopback ports, plus load senders that run as separate processes so their CPU is not ours.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Spool } from '../../../log-collector/src/spool/spool.js';
import { EventPipeline } from '../../../log-collector/src/pipeline/event-pipeline.js';
import { openEventStore } from '@emsoc/event-store/factory';
import { StoreSink } from '../../../log-collector/src/sinks/store/store-sink.js';
import { WorkerStoreSink, type RunningSink } from '../../../log-collector/src/sinks/store/worker-store-sink.js';
import { syslogDecoder } from '../../../log-collector/src/sources/syslog/decode.js';
import type { SyslogDecoder } from '../../../log-collector/src/sources/syslog/listen.js';
import { SpoolDrain } from '../../../log-collector/src/pipeline/spool-drain.js';
import { openSpoolDrain, type DrainSpec } from '../../../log-collector/src/pipeline/drain-spec.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function line(i: number): string {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  switch (i % 4) {
    case 0: return `<38>Nov 29 09:00:01 bastion sshd[${1000 + (i % 5000)}]: Failed password for invalid user u${i % 97} from ${ip} port ${30000 + (i % 30000)} ssh2`;
    case 1: return `<85>Nov 29 10:00:00 app${i % 9} sudo:   alice : TTY=pts/${i % 5} ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart svc${i % 13}`;
    case 2: return `<190>1 2026-11-29T10:00:00.${String(i % 1000).padStart(3, '0')}Z web nginx - - - ${ip} - - [29/Nov/2026:18:00:00 +0800] "GET /api/items/${i} HTTP/1.1" 200 ${i % 9000} "-" "curl/8"`;
    default: return `<4>Nov 29 10:00:00 fw kernel: DROP IN=eth0 OUT= SRC=192.0.2.${i & 255} DST=${ip} LEN=60 TTL=50 PROTO=TCP SPT=${1024 + (i % 60000)} DPT=22 SYN seq=${i}`;
  }
}

export interface InProcessCollector {
  pipeline: EventPipeline;
  spool: Spool;
  sink: RunningSink;
  decode: SyslogDecoder;
  /** What turns spooled records (raw syslog frames included) into store documents, as the sink does. */
  drain: SpoolDrain;
  dir: string;
  /** Stops, storing what is spooled for up to `drainMs` (what is left stays in the deleted temp dir). */
  close(drainMs?: number): Promise<void>;
}

/**
 * `sink: 'worker'` (default) runs the store sink as the collector does, in a worker thread; `inline` on this
 * thread (the former layout, for comparison); `none` runs no sink, so what is measured ends at the spool (the
 * collector's durable acceptance point, as when the store lags behind). `decodeOn: 'drain'` (default, as the
 * collector runs) spools syslog frames raw and decodes them in the sink; `'receive'` decodes on the receiving
 * thread before spooling (the former layout, for comparison). `stages: 'full'` drains as `npm start` does: asset/IOC
 * enrichment from policies/ and the live detection stage with the rules library (no certificate-status CRLs);
 * `'bare'` (default) parses and normalizes only.
 */
export async function inProcessCollector(opts: { sink?: 'worker' | 'inline' | 'none'; decodeOn?: 'drain' | 'receive'; stages?: 'bare' | 'full' } = {}): Promise<InProcessCollector> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-collector-'));
  const logger = pino({ level: 'silent' });
  const spoolDir = path.join(dir, 'spool');
  const spool = new Spool({ dir: spoolDir, maxBytes: 4 * 1024 ** 3 });
  const raw = opts.decodeOn !== 'receive';
  const pipeline = new EventPipeline(spool, undefined, { drainDecodes: raw });
  const timezone = 'Asia/Shanghai';
  const decode = syslogDecoder(undefined, timezone);
  const policiesDir = path.join(repo, 'policies');
  const spec: DrainSpec =
    opts.stages === 'full'
      ? { timezone, enrichmentPoliciesDir: policiesDir, detection: { rulesDir: path.join(repo, 'rules'), policiesDir, dataDir: dir } }
      : { timezone };
  const full = opts.stages === 'full' && opts.sink === 'inline' ? await openSpoolDrain(spec, logger) : undefined;
  const drain = full?.drain ?? new SpoolDrain(decode);
  const storeConfig = { engine: 'sqlite' as const, path: path.join(dir, 'events.db') };
  const store = opts.sink === 'inline' ? await openEventStore(storeConfig) : undefined;
  let sink: RunningSink = { drained: false, stop: async () => undefined };
  if (opts.sink !== 'none') {
    const running = store
      ? new StoreSink(spool, store, logger, {}, drain)
      : new WorkerStoreSink(spool, spoolDir, { kind: 'event-store', config: storeConfig }, logger, {}, spec);
    running.start();
    sink = running;
  }
  return {
    pipeline,
    spool,
    sink,
    decode,
    drain,
    dir,
    async close(drainMs = 60_000) {
      await sink.stop(drainMs);
      full?.close();
      spool.close();
      await store?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SenderOptions {
  port: number;
  count: number;
  rate?: number;
  payloadHex?: string;
  /** UDP, compiled sender only: sending sockets, the rate split between them. */
  conns?: number;
}
export interface SenderResult { sent: number; seconds: number; bytes?: number; sender: 'go' | 'node' }

const SENDER_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sender', 'main.go');
let goSenderPath: string | null | undefined;

/**
 * The compiled sender (sender/main.go), built once per source version into the temp dir; null when Go
 * is missing or the build fails (the Node sender is used then, which tops out far lower).
 */
export function goSender(): string | null {
  if (goSenderPath !== undefined) return goSenderPath;
  const digest = createHash('sha256').update(fs.readFileSync(SENDER_SOURCE)).digest('hex').slice(0, 12);
  const bin = path.join(os.tmpdir(), `emsoc-collector-sender-${digest}`);
  if (!fs.existsSync(bin)) {
    const tmp = `${bin}.${process.pid}`;
    const r = spawnSync('go', ['build', '-o', tmp, SENDER_SOURCE], { encoding: 'utf8', cwd: os.tmpdir() });
    if (r.status !== 0) {
      console.error(`go build of the sender failed, using the Node sender: ${r.error?.message ?? r.stderr}`);
      return (goSenderPath = null);
    }
    fs.renameSync(tmp, bin);
  }
  return (goSenderPath = bin);
}

/**
 * A sender process. `tcp`: writes `count` lines (from `line(i)`) as fast as the socket takes them, or at
 * `rate` lines/s, many lines per write. `udp`: sends `count` datagrams at `rate` per second.
 * The compiled Go sender is used when it builds; otherwise a Node one (same lines). Resolves with what the
 * sender reported (JSON on stdout).
 */
export function sender(kind: 'tcp' | 'udp', opts: SenderOptions): { proc: ChildProcess; done: Promise<SenderResult> } {
  const bin = goSender();
  if (bin) {
    const a = ['-kind', kind, '-port', String(opts.port), '-count', String(opts.count), '-rate', String(opts.rate ?? 0), '-conns', String(opts.conns ?? 1)];
    if (opts.payloadHex) a.push('-payload-hex', opts.payloadHex);
    return collect(spawn(bin, a, { stdio: ['ignore', 'pipe', 'inherit'] }), 'go');
  }
  const script = `
    const net = require('node:net'), dgram = require('node:dgram');
    const o = ${JSON.stringify({ kind, ...opts })};
    ${line.toString().replace(/^function line/, 'function line')}
    const t0 = process.hrtime.bigint();
    const fin = (sent) => { process.stdout.write(JSON.stringify({ sent, seconds: Number(process.hrtime.bigint() - t0) / 1e9 })); };
    if (o.kind === 'tcp') {
      const s = net.connect(o.port, '127.0.0.1', () => {
        let i = 0;
        const pump = () => {
          while (i < o.count) {
            if (o.rate) { const due = Math.min(o.count, Math.floor(Number(process.hrtime.bigint() - t0) / 1e9 * o.rate)); if (i >= due) { setTimeout(pump, 5); return; } }
            let chunk = ''; const end = Math.min(o.count, i + 500);
            for (; i < end; i++) chunk += line(i) + '\\n';
            if (!s.write(chunk)) { s.once('drain', pump); return; }
          }
          s.end(() => fin(i));
        };
        pump();
      });
    } else {
      const s = dgram.createSocket('udp4');
      const payload = o.payloadHex ? Buffer.from(o.payloadHex, 'hex') : null;
      let i = 0;
      const tick = () => {
        const due = Math.min(o.count, Math.floor(Number(process.hrtime.bigint() - t0) / 1e9 * o.rate));
        for (; i < due; i++) s.send(payload ?? Buffer.from(line(i)), o.port, '127.0.0.1');
        if (i < o.count) setImmediate(tick); else setTimeout(() => { s.close(); fin(i); }, 50);
      };
      tick();
    }`;
  return collect(spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] }), 'node');
}

function collect(proc: ChildProcess, kind: 'go' | 'node'): { proc: ChildProcess; done: Promise<SenderResult> } {
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<SenderResult>((resolve, reject) =>
    proc.on('exit', (code) => (code === 0 ? resolve({ ...(JSON.parse(out) as { sent: number; seconds: number }), sender: kind }) : reject(new Error(`sender exited ${code}`)))),
  );
  return { proc, done };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function procCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** CPU seconds one thread of a process has used (the main thread's id is the pid), from /proc. */
export function threadCpuSeconds(pid: number, tid: number = pid): number {
  const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function emit(name: string, value: number, unit: string, peer: string | null = null, peerValue: number | null = null, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit, peer, peer_value: peerValue === null ? null : Math.round(peerValue * 100) / 100, ...extra }));
}
