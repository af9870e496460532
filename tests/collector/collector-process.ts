/**
 * Runs the real collector process (log-collector/src/main.ts, as the supervisor would) on a fresh data
 * dir bootstrapped like `npm start` does, with the store pointed at a search engine, on free ports.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@emsoc/common/config';
import { IdentityStore, loadRolePolicy } from '@emsoc/common/auth';
import { repoRoot } from '@emsoc/common/paths';
import { bootstrapPki } from '@emsoc/platform/bootstrap-pki';
import { bootstrapIdentity } from '@emsoc/platform/bootstrap-identity';
import { freeTcpPort } from '@emsoc/common';

export const ENGINE_URL = process.env.SOC_TEST_ENGINE_URL;

export interface CollectorProcess {
  dataDir: string;
  indexPrefix: string;
  ports: { tcp: number; forward: number };
  ca: string;
  proc: ChildProcess;
  output(): string;
  /** Starts (or restarts) the process and waits for its ready message. */
  start(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
  cleanup(): Promise<void>;
}

export async function collectorProcess(engineUrl: string): Promise<CollectorProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emsoc-collector-fault-'));
  const indexPrefix = `fault${Date.now().toString(36)}`;
  const ports = { tcp: await freeTcpPort(), forward: await freeTcpPort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SOC_DATA_DIR: dataDir,
    SOC_LOG_LEVEL: 'warn',
    SOC__store__engine: 'elasticsearch',
    SOC__store__urls: JSON.stringify([engineUrl]),
    SOC__store__indexPrefix: indexPrefix,
    SOC__collector__syslogTcp__port: String(ports.tcp),
    SOC__collector__forward__port: String(ports.forward),
    SOC__collector__syslogUdp__enabled: 'false',
    SOC__collector__syslogTls__enabled: 'false',
    SOC__collector__netflow__enabled: 'false',
    SOC__collector__http__enabled: 'false',
    SOC__collector__detection__enabled: 'false',
    SOC__collector__sflow__enabled: 'false',
  };
  const { config } = loadConfig({ env });
  bootstrapPki(config);
  const roles = loadRolePolicy();
  const identity = new IdentityStore(path.join(dataDir, 'identity.db'), roles);
  bootstrapIdentity(identity, roles, dataDir);
  identity.close();
  let out = '';
  const self: CollectorProcess = {
    dataDir,
    indexPrefix,
    ports,
    ca: fs.readFileSync(path.join(dataDir, 'ca', 'root.pem'), 'utf8'),
    proc: undefined as unknown as ChildProcess,
    output: () => out,
    async start() {
      const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'log-collector/src/main.ts')], {
        cwd: repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      self.proc = proc;
      proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`collector not ready in 120 s:\n${out}`)), 120_000);
        proc.on('message', (m: { ready?: boolean }) => {
          if (m.ready) {
            clearTimeout(t);
            resolve();
          }
        });
        proc.once('exit', (code) => {
          clearTimeout(t);
          reject(new Error(`collector exited (${code}) during start:\n${out}`));
        });
      });
    },
    async kill(signal) {
      const p = self.proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill(signal);
      await exited;
    },
    async cleanup() {
      await self.kill('SIGTERM');
      fs.rmSync(dataDir, { recursive: true, force: true });
      await fetch(`${engineUrl}/${indexPrefix}-*`, { method: 'DELETE' }).catch(() => undefined);
    },
  };
  return self;
}

/** Every stored `events` document's message, read with the scroll API (refreshes first). */
export async function storedMessages(engineUrl: string, indexPrefix: string): Promise<string[]> {
  const idx = `${indexPrefix}-events-*`;
  await fetch(`${engineUrl}/${idx}/_refresh`, { method: 'POST' });
  const post = async (p: string, body: unknown) => {
    const r = await fetch(`${engineUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    return (await r.json()) as { _scroll_id?: string; hits: { hits: Array<{ _source: { message?: string } }> } };
  };
  const out: string[] = [];
  let res = await post(`/${idx}/_search?scroll=1m`, { size: 5000, _source: ['message'], sort: ['_doc'] });
  while (res.hits.hits.length > 0) {
    for (const h of res.hits.hits) out.push(String(h._source.message ?? ''));
    res = await post('/_search/scroll', { scroll: '1m', scroll_id: res._scroll_id });
  }
  return out;
}

/** Runs a tests/engine script (start/stop) synchronously. */
export function engineScript(name: 'start.sh' | 'stop.sh', ...args: string[]): void {
  const r = spawnSync('bash', [path.join(repoRoot, 'tests/engine', name), ...args], { encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`tests/engine/${name} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** Counts `seq=N` numbers: total, distinct, and which of 0..n-1 are missing. */
export function tally(messages: string[], n: number): { total: number; distinct: number; missing: number[]; duplicated: number } {
  const seen = new Map<number, number>();
  for (const m of messages) {
    const x = /seq=(\d+)/.exec(m);
    if (x) seen.set(Number(x[1]), (seen.get(Number(x[1])) ?? 0) + 1);
  }
  const missing: number[] = [];
  for (let i = 0; i < n; i++) if (!seen.has(i)) missing.push(i);
  let duplicated = 0;
  for (const c of seen.values()) if (c > 1) duplicated++;
  return { total: [...seen.values()].reduce((a, b) => a + b, 0), distinct: seen.size, missing: missing.slice(0, 20), duplicated };
}

/** Polls the engine until every numbered event is stored (or `timeoutMs` passes); returns the last tally. */
export async function waitForAll(engineUrl: string, indexPrefix: string, total: number, timeoutMs = 90_000): Promise<ReturnType<typeof tally>> {
  let result = tally([], total);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    result = tally(await storedMessages(engineUrl, indexPrefix).catch(() => []), total);
    if (result.distinct === total) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return result;
}
