/**
 * Syslog over TCP against rsyslog, same stream, same run (target: ≥ 0.5 × rsyslog, and ≥ 100,000 events/s
 * on one core).
 *
 * Headline: received over TCP (LF framing), spooled, parsed and normalized. The receive thread frames the
 * stream and appends the raw frames with their receipt to the spool, the collector's durable acceptance
 * point (append-only, checksummed, written with write(2) before anything is acknowledged, so it survives
 * kill -9; no fsync, as in production); parse + normalize + event id + the JSON text the store takes happen
 * when the spool is drained (in production in the sink worker thread). So that the figure covers the same
 * work as before the move, its CPU is the receiving process's (all threads) while the stream is received
 * and spooled, PLUS the CPU of draining exactly those records (SpoolDrain as the sink worker runs it:
 * frames → parsed, normalized documents → JSON text, held in batches of about 1000 as the sink holds
 * them); the store write itself is excluded, as before. The drain is timed on this thread after the stream
 * (no sink runs during the window). rsyslog's counterpart writes the same lines into a file (imtcp →
 * omfile, no fsync either; all its threads, from /proc). Also printed: the receive side alone and the
 * drain side alone, per CPU second each. Per wall second: first byte sent → last event spooled / last line
 * in the file (the drain is not in the wall figure).
 *
 * Secondary, so nothing is hidden: the same stream timed until every event is stored in the embedded SQLite
 * store by the sink worker thread (which decodes and stores), with the whole process's CPU and the receive
 * thread's own.
 *
 * `--decode-on receive` runs the former layout (decode on the receiving thread, then spool the JSON) for
 * comparison in the same conditions.
 *
 * The sender is a separate compiled process (harness.ts) writing many lines per write. Runs alternate
 * ours / rsyslog twice; the better of each side is kept (less disturbed by the other load on the machine).
 *
 *   node --import tsx bench/src/collector/syslog-tcp-e2e.ts [--count 200000] [--store-count 20000] [--decode-on drain|receive]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { listenSyslogTcp } from '../../../log-collector/src/sources/syslog/listen.js';
import { emit, inProcessCollector, procCpuSeconds, sender, threadCpuSeconds } from './harness.js';
import { freeTcpPort } from '@emsoc/common';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || dflt : dflt);
const count = opt('--count', 200_000);
const storeCount = opt('--store-count', 20_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const decodeOn = args.includes('--decode-on') && args[args.indexOf('--decode-on') + 1] === 'receive' ? 'receive' : 'drain';

interface Rate { wall: number; cpu: number; mainCpu?: number; receiveCpu?: number; drainCpu?: number; sender?: string }

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Ours: `until` 'spool' (headline, no sink; then the drain timed) or 'store' (sink worker running, timed until stored). */
async function ours(until: 'spool' | 'store', n: number): Promise<Rate> {
  const c = await inProcessCollector({ sink: until === 'spool' ? 'none' : 'worker', decodeOn });
  const port = await freeTcpPort();
  let spooled = 0;
  let spooledAt = 0;
  const counted = (ok: boolean, events: number) => {
    if (ok && (spooled += events) >= n && !spooledAt) spooledAt = performance.now();
    return ok;
  };
  const submit = c.pipeline.submit.bind(c.pipeline);
  c.pipeline.submit = (source, docs) => counted(submit(source, docs), docs.length);
  const submitRaw = c.pipeline.submitRaw.bind(c.pipeline);
  c.pipeline.submitRaw = (source, records, events) => counted(submitRaw(source, records, events), events);
  const server = await listenSyslogTcp({ host: '127.0.0.1', port, decode: c.decode, pipeline: c.pipeline, maxFrameBytes: 65536, logger: pino({ level: 'silent' }) });
  const cpu0 = cpuNow();
  const main0 = threadCpuSeconds(process.pid);
  const t0 = performance.now();
  const s = sender('tcp', { port, count: n });
  while (spooled < n || (until === 'store' && !c.sink.drained)) await sleep(until === 'spool' ? 5 : 20);
  const end = until === 'spool' ? spooledAt : performance.now();
  const receiveCpu = cpuNow() - cpu0;
  const mainCpu = threadCpuSeconds(process.pid) - main0;
  const r = await s.done;
  server.close();
  // The drain's share of the same events (raw records only; with --decode-on receive there is nothing to decode).
  let drainCpu = 0;
  if (until === 'spool' && decodeOn === 'drain') {
    const items: Parameters<typeof c.drain.drain>[1] = [];
    let docs = 0;
    let serialized = 0;
    const d0 = cpuNow();
    // As the sink: documents are held in batches of about 1000, then handed on (an object, e.g. an alert, is
    // serialised here, as the store would).
    const handOn = () => {
      for (const it of items) serialized += (it.json ?? JSON.stringify(it.doc)).length;
      docs += items.length;
      items.length = 0;
    };
    for (let b = c.spool.read(1000); b; b = c.spool.read(1000)) {
      for (const p of b.payloads) {
        c.drain.drain(p, items);
        if (items.length >= 1000) handOn();
      }
    }
    handOn();
    drainCpu = cpuNow() - d0;
    if (docs !== n || serialized < n) throw new Error(`the drain made ${docs} documents of ${n} events`);
  }
  await c.close(1000);
  const cpu = receiveCpu + drainCpu;
  return { wall: n / ((end - t0) / 1000), cpu: n / cpu, mainCpu: n / Math.max(mainCpu, 0.01), receiveCpu: n / receiveCpu, drainCpu: drainCpu ? n / drainCpu : 0, sender: r.sender };
}

/** Newline count of a growing file, read incrementally (the file is not re-read on every poll). */
function lineCounter(file: string): () => number {
  let offset = 0;
  let lines = 0;
  const buf = Buffer.allocUnsafe(1 << 20);
  return () => {
    if (!fs.existsSync(file)) return 0;
    const fd = fs.openSync(file, 'r');
    try {
      for (let got; (got = fs.readSync(fd, buf, 0, buf.length, offset)) > 0; offset += got) {
        for (let i = buf.indexOf(10); i >= 0 && i < got; i = buf.indexOf(10, i + 1)) lines++;
      }
    } finally {
      fs.closeSync(fd);
    }
    return lines;
  };
}

async function rsyslog(n: number): Promise<Rate | { error: string }> {
  if (spawnSync('rsyslogd', ['-v']).error) return { error: 'rsyslogd not installed (apt-get install rsyslog)' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rsyslog-'));
  const port = await freeTcpPort();
  const out = path.join(dir, 'out.log');
  fs.writeFileSync(
    path.join(dir, 'rsyslog.conf'),
    `global(workDirectory="${dir}")
module(load="imtcp")
input(type="imtcp" port="${port}" address="127.0.0.1")
template(name="raw" type="string" string="%msg%\\n")
action(type="omfile" file="${out}" template="raw" ioBufferSize="256k" flushOnTXEnd="on")
`,
  );
  const proc = spawn('rsyslogd', ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'pid')], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => r(false)));
      if (ok) break;
      await sleep(100);
    }
    const lines = lineCounter(out);
    const cpu0 = procCpuSeconds(proc.pid!);
    const t0 = performance.now();
    const s = sender('tcp', { port, count: n });
    const deadline = Date.now() + 120_000;
    while (lines() < n && Date.now() < deadline) await sleep(5);
    const wall = (performance.now() - t0) / 1000;
    const cpu = procCpuSeconds(proc.pid!) - cpu0;
    const r = await s.done;
    const got = lines();
    if (got < n) return { error: `rsyslog wrote ${got} of ${n} lines` };
    return { wall: n / wall, cpu: n / Math.max(cpu, 0.01), sender: r.sender };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const best = (xs: Rate[]): Rate => {
  const top = (k: keyof Rate) => Math.max(...xs.map((x) => Number(x[k] ?? 0)));
  return { wall: top('wall'), cpu: top('cpu'), mainCpu: top('mainCpu'), receiveCpu: top('receiveCpu'), drainCpu: top('drainCpu'), sender: xs[0]?.sender };
};

const mine: Rate[] = [];
const theirs: Rate[] = [];
let peerError: string | undefined;
for (let round = 0; round < 2; round++) {
  mine.push(await ours('spool', count));
  const p = await rsyslog(count);
  if ('error' in p) peerError = p.error;
  else theirs.push(p);
}
const toStore = await ours('store', storeCount);

const a = best(mine);
const peer = theirs.length ? best(theirs) : undefined;
const common = { count, sender: a.sender, decode_on: decodeOn, loadavg1: Number(os.loadavg()[0]!.toFixed(1)), ...(peerError ? { peer_error: peerError } : {}) };
const PEER = 'rsyslogd imtcp→omfile';
emit('collector.syslog_tcp_to_spool.events_per_cpu_s', a.cpu, 'events/cpu-s', PEER, peer?.cpu ?? null, {
  ...common, ratio: peer ? Math.round((a.cpu / peer.cpu) * 100) / 100 : null, target: 100_000, target_ratio: 0.5,
  note: decodeOn === 'drain'
    ? 'received over TCP, framed, spooled raw (write(2), no fsync; survives kill -9), then parsed + normalized + serialized by the drain: CPU of the receiving process (all threads) + CPU of draining the same records'
    : 'received over TCP, parsed, normalized, spooled as JSON (former layout); CPU of the receiving process, all threads',
});
emit('collector.syslog_tcp_to_spool.events_per_wall_s', a.wall, 'events/s', PEER, peer?.wall ?? null, {
  ...common, ratio: peer ? Math.round((a.wall / peer.wall) * 100) / 100 : null, note: 'first byte sent → last event spooled / last line in the file',
});
emit('collector.syslog_tcp_to_spool.receive_events_per_cpu_s', a.receiveCpu!, 'events/cpu-s', null, null, { ...common, note: 'receiving process only (all threads), up to the spool' });
if (decodeOn === 'drain') emit('collector.syslog_tcp_to_spool.drain_events_per_cpu_s', a.drainCpu!, 'events/cpu-s', null, null, { ...common, note: 'drain only: raw records → parsed, normalized documents as JSON text (store write excluded)' });
emit('collector.syslog_tcp_to_spool.receive_thread_events_per_cpu_s', a.mainCpu!, 'events/cpu-s', null, null, { ...common, note: 'main (receiving) thread only' });
emit('collector.syslog_tcp_to_store.events_per_wall_s', toStore.wall, 'events/s', null, null, {
  count: storeCount, note: 'secondary: until every event is stored in SQLite by the sink worker thread (store-bound)',
});
emit('collector.syslog_tcp_to_store.events_per_cpu_s', toStore.cpu, 'events/cpu-s', null, null, { count: storeCount, note: 'whole process including the sink worker (decode + SQLite)' });
emit('collector.syslog_tcp_to_store.receive_thread_events_per_cpu_s', toStore.mainCpu!, 'events/cpu-s', null, null, { count: storeCount });
process.exit(0);
