/**
 * nfdump's collector (nfcapd) as a peer: replays UDP payloads to it over loopback, then reads its
 * totals back with `nfdump -I`. Used by the flow conformance test (record counts) and the flow
 * decode benchmark (records per CPU-second of nfcapd, read from /proc).
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort, freeTcpUdpPort } from '@emsoc/common';

export interface NfcapdTotals {
  flows: number;
  packets: number;
  bytes: number;
  /** nfcapd user+system CPU time spent while receiving, seconds (10 ms resolution). */
  cpuSeconds: number;
  /** Source port the payloads were sent from (the exporter identity nfcapd saw). */
  sourcePort: number;
}

export function nfdumpAvailable(): boolean {
  const a = spawnSync('nfcapd', ['-V'], { encoding: 'utf8' });
  const b = spawnSync('nfdump', ['-V'], { encoding: 'utf8' });
  return a.status === 0 && b.status === 0;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the full line)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends the payloads in order: `burst` back to back, then a `pauseMs` yield so loopback never overflows. */
async function sendAll(sock: dgram.Socket, payloads: Uint8Array[], port: number, burst: number, pauseMs: number): Promise<void> {
  for (let i = 0; i < payloads.length; i++) {
    await new Promise<void>((res, rej) => sock.send(payloads[i]!, port, '127.0.0.1', (e) => (e ? rej(e) : res())));
    if ((i + 1) % burst === 0) await sleep(pauseMs);
  }
}

/** Waits until the peer's CPU time stops moving (it has drained its socket); returns its ticks then. */
async function ticksWhenIdle(pid: number): Promise<number> {
  let last = cpuTicks(pid);
  for (let i = 0; i < 100; i++) {
    await sleep(50);
    const now = cpuTicks(pid);
    if (now === last) break;
    last = now;
  }
  return last;
}

interface PeerRun { cpuSeconds: number; sourcePort: number }

/**
 * Starts a peer collector, waits for `ready` in its output, sends the payloads from one socket and
 * measures the peer's CPU time (all threads: /proc/<pid>/stat) until it is idle again, then stops it.
 */
async function replayToPeer(
  command: string, args: string[], ready: RegExp, port: number, payloads: Uint8Array[],
  opts: { burst?: number; pauseMs?: number; timeoutMs?: number },
): Promise<PeerRun> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const sock = dgram.createSocket('udp4');
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    while (!ready.test(log) && Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${command} exited: ${log}`);
      await sleep(20);
    }
    if (!ready.test(log)) throw new Error(`${command} did not start: ${log}`);
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', res));
    const sourcePort = sock.address().port;
    const cpu0 = cpuTicks(child.pid!);
    await sendAll(sock, payloads, port, opts.burst ?? 16, opts.pauseMs ?? 1);
    const cpuSeconds = ((await ticksWhenIdle(child.pid!)) - cpu0) / 100;
    // A graceful stop flushes the peer's output (goflow2 can take several seconds to do so).
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(60_000)]);
    return { cpuSeconds, sourcePort };
  } finally {
    sock.close();
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/** Sends the payloads, in order, to a fresh nfcapd and returns its totals (read back with `nfdump -I`). */
export async function replayToNfcapd(
  payloads: Uint8Array[], opts: { burst?: number; pauseMs?: number; timeoutMs?: number } = {},
): Promise<NfcapdTotals> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nfcapd-'));
  const port = await freeTcpUdpPort();
  try {
    const run = await replayToPeer('nfcapd', ['-b', '127.0.0.1', '-p', String(port), '-w', dir, '-t', '3600', '-S', '0', '-B', '8388608'],
      /Startup/, port, payloads, opts);
    const info = spawnSync('nfdump', ['-R', dir, '-I'], { encoding: 'utf8' });
    if (info.status !== 0) throw new Error(`nfdump -I failed: ${info.stderr}`);
    const num = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(info.stdout)?.[1] ?? 0);
    return { flows: num('Flows'), packets: num('Packets'), bytes: num('Bytes'), ...run };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** goflow2 (`go install github.com/netsampler/goflow2/v2/cmd/goflow2@latest`), looked up on PATH and in ~/go/bin. */
export function goflow2Path(): string | null {
  for (const candidate of ['goflow2', path.join(os.homedir(), 'go', 'bin', 'goflow2')]) {
    if (spawnSync(candidate, ['-v'], { encoding: 'utf8' }).status === 0) return candidate;
  }
  return null;
}

/**
 * Sends the payloads to a fresh goflow2 (NetFlow v9/IPFIX listener, binary protobuf output to a file, the
 * cheapest of its formats) and returns how many flow records it produced and its CPU time.
 */
export async function replayToGoflow2(
  payloads: Uint8Array[], opts: { burst?: number; pauseMs?: number; timeoutMs?: number } = {},
): Promise<{ flows: number; cpuSeconds: number }> {
  const bin = goflow2Path();
  if (!bin) throw new Error('goflow2 not installed');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'goflow2-'));
  const port = await freeTcpUdpPort();
  const out = path.join(dir, 'flows.json');
  try {
    const http = await freeTcpPort(); // its metrics listener
    const run = await replayToPeer(bin, ['-listen', `netflow://127.0.0.1:${port}`, '-addr', `127.0.0.1:${http}`, '-format', 'json',
      '-transport.file', out, '-loglevel', 'info'], /starting collection/, port, payloads, opts);
    const text = readFileSync(out, 'utf8');
    let flows = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) flows++;
    return { flows, cpuSeconds: run.cpuSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
