import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '@emsoc/common/paths';
import { freeTcpUdpPort } from '@emsoc/common';

export interface PlatformPorts {
  syslog: number;
  syslogTls: number;
  netflow: number;
  sflow: number;
  collectorHttp: number;
  forward: number;
  ra: number;
  raStatus: number;
  console: number;
  uplink: number;
}

/**
 * Tests run the platform on free ports rather than the defaults, so a developer's running `npm start`
 * (or another suite) never collides with them; the listeners are the same.
 */
async function choosePorts(): Promise<PlatformPorts> {
  const taken = new Set<number>();
  const ports: number[] = [];
  while (ports.length < 10) ports.push(await freeTcpUdpPort(taken));
  const [syslog, syslogTls, netflow, sflow, collectorHttp, forward, ra, raStatus, consolePort, uplink] = ports as [number, number, number, number, number, number, number, number, number, number];
  return { syslog, syslogTls, netflow, sflow, collectorHttp, forward, ra, raStatus, console: consolePort, uplink };
}

function portEnv(p: PlatformPorts): NodeJS.ProcessEnv {
  return {
    SOC__collector__syslogUdp__port: String(p.syslog),
    SOC__collector__syslogTcp__port: String(p.syslog),
    SOC__collector__syslogTls__port: String(p.syslogTls),
    SOC__collector__netflow__port: String(p.netflow),
    SOC__collector__sflow__port: String(p.sflow),
    SOC__collector__http__port: String(p.collectorHttp),
    SOC__collector__forward__port: String(p.forward),
    SOC__ra__port: String(p.ra),
    SOC__ra__statusPort: String(p.raStatus),
    SOC__console__port: String(p.console),
    SOC__uplink__port: String(p.uplink),
  };
}

export interface RunningPlatform {
  ports: PlatformPorts;
  /** https://127.0.0.1:<port> of the console and the RA. */
  consoleUrl: string;
  raUrl: string;
  collectorUrl: string;
  dataDir: string;
  ca: string;
  adminToken: string;
  proc: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `npm start`'s entry point on a fresh data dir and waits for its summary (all services ready). */
export async function startPlatform(opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunningPlatform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emsoc-test-'));
  const ports = await choosePorts();
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'platform/src/start.ts')], {
    cwd: repoRoot,
    env: { ...process.env, SOC_DATA_DIR: dataDir, SOC_LOG_LEVEL: 'warn', ...portEnv(ports), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  while (!out.includes('EMSOC platform is running')) {
    if (proc.exitCode !== null) throw new Error(`platform exited during start-up:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`platform did not start in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    ports,
    consoleUrl: `https://127.0.0.1:${ports.console}`,
    raUrl: `https://127.0.0.1:${ports.ra}`,
    collectorUrl: `https://127.0.0.1:${ports.collectorHttp}`,
    dataDir,
    ca: fs.readFileSync(path.join(dataDir, 'ca', 'root.pem'), 'utf8'),
    adminToken: fs.readFileSync(path.join(dataDir, 'initial-admin-token'), 'utf8').trim(),
    proc,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal);
      const code = await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Polls until `fn` returns a truthy value or the time is up; returns the last value. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!last && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await fn();
  }
  return last;
}
