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

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((res) => s.bind(0, '127.0.0.1', res));
  const port = s.address().port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the full line)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends the payloads, in order, to a fresh nfcapd and returns its totals. `burst` payloads are sent
 * back to back, then the sender yields for `pauseMs` so the loopback socket buffer never overflows.
 */
export async function replayToNfcapd(
  payloads: Uint8Array[], opts: { burst?: number; pauseMs?: number; timeoutMs?: number } = {},
): Promise<NfcapdTotals> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nfcapd-'));
  const port = await freeUdpPort();
  const child = spawn('nfcapd', ['-b', '127.0.0.1', '-p', String(port), '-w', dir, '-t', '3600', '-S', '0', '-B', '8388608'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const sock = dgram.createSocket('udp4');
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    while (!log.includes('Startup') && Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`nfcapd exited: ${log}`);
      await sleep(20);
    }
    if (!log.includes('Startup')) throw new Error(`nfcapd did not start: ${log}`);
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', res));
    const sourcePort = sock.address().port;
    const cpu0 = cpuTicks(child.pid!);
    const burst = opts.burst ?? 16;
    for (let i = 0; i < payloads.length; i++) {
      await new Promise<void>((res, rej) => sock.send(payloads[i]!, port, '127.0.0.1', (e) => (e ? rej(e) : res())));
      if ((i + 1) % burst === 0) await sleep(opts.pauseMs ?? 1);
    }
    // Let nfcapd drain its socket: wait until its CPU time stops moving.
    let last = cpuTicks(child.pid!);
    for (let i = 0; i < 100; i++) {
      await sleep(50);
      const now = cpuTicks(child.pid!);
      if (now === last) break;
      last = now;
    }
    const cpuSeconds = (last - cpu0) / 100;
    child.kill('SIGTERM');
    await exited;
    const info = spawnSync('nfdump', ['-R', dir, '-I'], { encoding: 'utf8' });
    if (info.status !== 0) throw new Error(`nfdump -I failed: ${info.stderr}`);
    const num = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(info.stdout)?.[1] ?? 0);
    return { flows: num('Flows'), packets: num('Packets'), bytes: num('Bytes'), cpuSeconds, sourcePort };
  } finally {
    sock.close();
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
