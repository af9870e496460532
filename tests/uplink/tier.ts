// One tier of the reporting hierarchy (county, province, ministry) as a full platform (`npm start`'s
// entry point) on free ports with its own data dir. Unlike tests/lib/platform.ts a tier can be stopped and
// started again on the same data dir and ports (the outage test), and its CA exists before the start, so
// tiers can name each other's CA in their configuration.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '@emsoc/common/paths';
import { loadOrCreateDevCa } from '@emsoc/pki';
import { freeTcpUdpPort } from '@emsoc/common';

const taken = new Set<number>();

export interface TierSpec {
  name: string;
  unitId: string;
  unitName: string;
  /** Superior tier to report to. */
  upper?: Tier;
  /** Lower tiers allowed to report here (registered units + their CAs trusted). */
  lower?: Tier[];
  policyFile: string;
  extraEnv?: NodeJS.ProcessEnv;
}

export class Tier {
  readonly dataDir: string;
  ports: Record<'syslog' | 'syslogTls' | 'netflow' | 'collectorHttp' | 'forward' | 'ra' | 'raStatus' | 'console' | 'uplink', number> = {} as never;
  proc: ChildProcess | undefined;
  out = '';
  adminToken = '';
  private exited: Promise<number | null> | undefined;

  constructor(readonly spec: Omit<TierSpec, 'upper' | 'lower'>) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `emsoc-uplink-${spec.name}-`));
    // The CA first: the tiers around this one name it in their configuration.
    loadOrCreateDevCa(path.join(this.dataDir, 'ca'));
  }

  get caFile(): string {
    return path.join(this.dataDir, 'ca', 'root.pem');
  }
  get ca(): string {
    return fs.readFileSync(this.caFile, 'utf8');
  }
  get uplinkUrl(): string {
    return `https://127.0.0.1:${this.ports.uplink}`;
  }
  get consoleUrl(): string {
    return `https://127.0.0.1:${this.ports.console}`;
  }
  get raUrl(): string {
    return `https://127.0.0.1:${this.ports.ra}`;
  }

  async allocatePorts(): Promise<void> {
    for (const k of ['syslog', 'syslogTls', 'netflow', 'collectorHttp', 'forward', 'ra', 'raStatus', 'console', 'uplink'] as const) this.ports[k] = await freeTcpUdpPort(taken);
  }

  /** After a SIGKILL the children shut down on their own ("parent gone"): wait until they let go of the ports. */
  private async portsFree(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const tcpFree = (port: number) =>
      new Promise<boolean>((resolve) => {
        const srv = net.createServer();
        srv.once('error', () => resolve(false));
        srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
      });
    for (const [name, port] of Object.entries(this.ports)) {
      while (!(await tcpFree(port))) {
        if (Date.now() > deadline) throw new Error(`${this.spec.name}: port ${port} (${name}) still in use`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Starts (or restarts, on the same data dir and ports) and waits for the platform summary. */
  async start(links: { upper?: Tier; lower?: Tier[] }, timeoutMs = 180_000): Promise<void> {
    const p = this.ports;
    await this.portsFree();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SOC_DATA_DIR: this.dataDir,
      SOC_LOG_LEVEL: 'warn',
      // Several tiers run side by side: no listener may sit on a fixed default port (sFlow's 6343).
      SOC__collector__sflow__enabled: 'false',
      SOC__collector__syslogUdp__port: String(p.syslog),
      SOC__collector__syslogTcp__port: String(p.syslog),
      SOC__collector__syslogTls__port: String(p.syslogTls),
      SOC__collector__netflow__port: String(p.netflow),
      SOC__collector__http__port: String(p.collectorHttp),
      SOC__collector__forward__port: String(p.forward),
      SOC__ra__port: String(p.ra),
      SOC__ra__statusPort: String(p.raStatus),
      SOC__console__port: String(p.console),
      SOC__unit__id: this.spec.unitId,
      SOC__unit__name: this.spec.unitName,
      SOC__uplink__port: String(p.uplink),
      SOC__uplink__policyFile: this.spec.policyFile,
      SOC__uplink__retry__initialMs: '200',
      SOC__uplink__retry__maxMs: '2000',
      ...(links.upper ? { SOC__uplink__upper__url: links.upper.uplinkUrl, SOC__uplink__upper__caFile: links.upper.caFile } : {}),
      ...(links.lower?.length
        ? {
            SOC__uplink__receiver__enabled: 'true',
            SOC__uplink__receiver__trustedCaFiles: JSON.stringify(links.lower.map((l) => l.caFile)),
            SOC__uplink__receiver__units: JSON.stringify(links.lower.map((l) => ({ id: l.spec.unitId, name: l.spec.unitName }))),
          }
        : {}),
      ...this.spec.extraEnv,
    };
    this.out = '';
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'platform/src/start.ts')], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + timeoutMs;
    while (!this.out.includes('EMSOC platform is running')) {
      if (proc.exitCode !== null) throw new Error(`${this.spec.name} exited during start-up:\n${this.out}`);
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`${this.spec.name} did not start in time:\n${this.out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const tokenFile = path.join(this.dataDir, 'initial-admin-token');
    if (!this.adminToken && fs.existsSync(tokenFile)) this.adminToken = fs.readFileSync(tokenFile, 'utf8').trim();
  }

  /**
   * SIGTERM: orderly stop. SIGKILL: the whole tier dies at once (supervisor and every service process, as
   * in a host crash) — the services are killed by pid, not left to notice their parent is gone.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.proc) return null;
    if (signal === 'SIGKILL' && this.proc.pid) {
      const children = spawnSync('pgrep', ['-P', String(this.proc.pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
      for (const pid of children) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (this.proc.exitCode === null) this.proc.kill(signal);
    const code = await this.exited;
    this.proc = undefined;
    return code ?? null;
  }

  remove(): void {
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
