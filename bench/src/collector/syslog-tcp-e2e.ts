/**
 * Syslog over TCP end to end on one core: a sender process writes N lines to our TCP listener; the time
 * runs until every event is parsed, normalized, spooled and stored in the embedded SQLite store.
 * Peer: rsyslogd (imtcp on a loopback port, omfile to a file) receiving the same stream, timed until the
 * file holds N lines. Reported per wall second and per CPU second of the receiving process (the machine
 * is shared, so CPU seconds are the steadier figure); ratio = ours / rsyslog (target ≥ 0.5). The store sink
 * runs in a worker thread as in the collector; the receive thread's own CPU is reported too, and one run
 * with the sink on the receive thread (the former layout) for comparison.
 *
 *   node --import tsx bench/src/collector/syslog-tcp-e2e.ts [--count 50000]
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
const count = Number(args[args.indexOf('--count') + 1] ?? 50_000) || 50_000;

async function ours(sinkMode: 'worker' | 'inline' = 'worker'): Promise<{ wall: number; cpu: number; spoolCpu: number; mainCpu: number }> {
  const c = await inProcessCollector({ sink: sinkMode });
  const port = await freeTcpPort();
  let frames = 0;
  let firstAt = 0;
  let spooledCpu = 0;
  const decode: typeof c.decode = (f, r) => {
    if (frames++ === 0) firstAt = performance.now();
    if (frames === count) {
      // The last frame is being decoded; its batch is spooled in this same tick.
      setImmediate(() => {
        const u = process.cpuUsage(cpu0);
        spooledCpu = (u.user + u.system) / 1e6;
      });
    }
    return c.decode(f, r);
  };
  const server = await listenSyslogTcp({ host: '127.0.0.1', port, decode, pipeline: c.pipeline, maxFrameBytes: 65536, logger: pino({ level: 'silent' }) });
  const cpu0 = process.cpuUsage();
  const main0 = threadCpuSeconds(process.pid);
  const t0 = performance.now();
  const s = sender('tcp', { port, count });
  await s.done;
  while (frames < count || !c.sink.drained) await new Promise((r) => setTimeout(r, 20));
  const wall = (performance.now() - Math.min(t0, firstAt || t0)) / 1000;
  const cpuUsed = process.cpuUsage(cpu0);
  const mainCpu = threadCpuSeconds(process.pid) - main0;
  server.close();
  await c.close();
  // spoolCpu: CPU of the whole process up to "all spooled" (the sink ran alongside; an upper bound).
  return { wall: count / wall, cpu: count / ((cpuUsed.user + cpuUsed.system) / 1e6), spoolCpu: count / spooledCpu, mainCpu: count / Math.max(mainCpu, 0.01) };
}

async function rsyslog(): Promise<{ wall: number; cpu: number } | { error: string }> {
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
    // Wait for the port.
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => r(false)));
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const cpu0 = procCpuSeconds(proc.pid!);
    const t0 = performance.now();
    const s = sender('tcp', { port, count });
    await s.done;
    const countLines = () => {
      if (!fs.existsSync(out)) return 0;
      const b = fs.readFileSync(out);
      let n = 0;
      for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
      return n;
    };
    const deadline = Date.now() + 120_000;
    while (countLines() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const wall = (performance.now() - t0) / 1000;
    const cpu = procCpuSeconds(proc.pid!) - cpu0;
    const got = countLines();
    if (got < count) return { error: `rsyslog wrote ${got} of ${count} lines` };
    return { wall: count / wall, cpu: count / Math.max(cpu, 0.01) };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Interleave: ours, peer, ours, peer; keep the better of each (less disturbed by other load). The former
// layout (store sink on the receive thread) runs once in the same session for comparison.
const a = [await ours()];
const p1 = await rsyslog();
const inline = await ours('inline');
a.push(await ours());
const p2 = await rsyslog();
const best = { wall: Math.max(...a.map((x) => x.wall)), cpu: Math.max(...a.map((x) => x.cpu)), spoolCpu: Math.max(...a.map((x) => x.spoolCpu)), mainCpu: Math.max(...a.map((x) => x.mainCpu)) };
const peers = [p1, p2].filter((p): p is { wall: number; cpu: number } => !('error' in p));
const peer = peers.length ? { wall: Math.max(...peers.map((x) => x.wall)), cpu: Math.max(...peers.map((x) => x.cpu)) } : undefined;
const err = 'error' in p1 ? p1.error : undefined;
const load = os.loadavg()[0]!.toFixed(1);
emit('collector.syslog_tcp_e2e.events_per_wall_s', best.wall, 'events/s', 'rsyslogd imtcp→omfile', peer?.wall ?? null, { count, loadavg1: load, ...(err ? { peer_error: err } : {}) });
emit('collector.syslog_tcp_e2e.events_per_cpu_s', best.cpu, 'events/s', 'rsyslogd imtcp→omfile', peer?.cpu ?? null, { count, loadavg1: load });
emit('collector.syslog_tcp_to_spool.events_per_cpu_s', best.spoolCpu, 'events/s', 'rsyslogd imtcp→omfile', peer?.cpu ?? null, { count, note: 'process CPU until every event is in the spool (store sink running alongside)' });
emit('collector.syslog_tcp_e2e.receive_thread_events_per_cpu_s', best.mainCpu, 'events/s', 'rsyslogd imtcp→omfile', peer?.cpu ?? null, { count, note: 'CPU of the receiving (main) thread only: framing, parse, normalize, enrich, spool append; the store sink runs in a worker' });
emit('collector.syslog_tcp_e2e.inline_sink_events_per_wall_s', inline.wall, 'events/s', null, null, { count, note: 'same run with the store sink on the receive thread (former layout)' });
if (peer) emit('collector.syslog_tcp_e2e.ratio_vs_rsyslog_cpu', best.cpu / peer.cpu, 'ratio', null, null, { target: 0.5 });
process.exit(0);
