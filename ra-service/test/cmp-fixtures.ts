/** Shared set-up for the CMP/cfssl tests: an RA with a chosen `config.ra.ca`, a service subject, openssl helpers. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createLogger, IdentityStore, loadConfig, loadRolePolicy, type PlatformConfig, freeTcpPort } from '@emsoc/common';
import type { DevCa } from '@emsoc/pki';
import type { Caller } from '../src/ra.js';
import { startRaService, type RaServiceHandle } from '../src/service.js';
import { openRepository } from '../src/store/open.js';
import { bootstrapDataDir, tmpDir } from './harness.js';

export const execFileP = promisify(execFile);

export const SUBJECT_ID = '6f1b7d0e-5c7a-4a4e-9a57-6d1d1b0c0a01';
export const SUBJECT_DNS = 'gw-1.city.demo.internal';

export interface TestRa {
  dataDir: string;
  config: PlatformConfig;
  devCa: DevCa;
  svc: RaServiceHandle;
  officer: Caller;
  officer2: Caller;
  /** File holding an API token of an ra-officer account (for CLI/API calls). */
  officerTokenFile: string;
  close(): Promise<void>;
}

/** Starts an RA whose `config.ra.ca` is `ca(dataDir)`; a service subject (SUBJECT_ID, SUBJECT_DNS) exists before start. */
export async function startTestRa(ca: (dataDir: string) => Record<string, unknown> = () => ({}), keepDir?: string): Promise<TestRa> {
  const dataDir = keepDir ?? tmpDir('ra-cmp-');
  const devCa = bootstrapDataDir(dataDir);
  const { config } = loadConfig({ env: { SOC_DATA_DIR: dataDir } });
  config.ra.port = await freeTcpPort();
  config.ra.statusPort = await freeTcpPort();
  Object.assign(config.ra.ca, ca(dataDir));
  const repo = await openRepository(config);
  const now = new Date().toISOString();
  await repo.tx(async (w) => w.insertSubject({ id: SUBJECT_ID, kind: 'service', orgUnit: 'city-demo-hq', status: 'active', attributes: { commonName: 'gw-1', dnsNames: [SUBJECT_DNS] }, createdAt: now, updatedAt: now }));
  await repo.close();
  const identity = new IdentityStore(path.join(dataDir, 'identity.db'), loadRolePolicy());
  const acct = identity.createAccount({ name: 'officer-api', roles: ['ra-officer'], orgUnit: 'prov-demo' });
  const officerTokenFile = path.join(dataDir, 'officer.token');
  fs.writeFileSync(officerTokenFile, identity.issueToken(acct.id, 'test').token, { mode: 0o600 });
  const svc = await startRaService({ config, logger: createLogger('ra-cmp-test', process.env.SOC_TEST_LOG ?? 'silent'), identity });
  const officer = (id: string): Caller => ({ id, name: id, roles: ['ra-officer'], sourceIp: null, permissions: new Set(['ra.requests:submit', 'ra.requests:decide', 'ra.certificates:read', 'ra.requests:read']) });
  return {
    dataDir,
    config,
    devCa,
    svc,
    officer: officer('officer-1'),
    officer2: officer('officer-2'),
    officerTokenFile,
    async close() {
      await svc.close();
      identity.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function openssl(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return execFileP('openssl', args, { cwd, timeout: 60_000 });
}

/** openssl's exit status and combined output without throwing. */
export async function opensslStatus(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  try {
    const r = await openssl(args, cwd);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, out: `${x.stdout ?? ''}${x.stderr ?? ''}` };
  }
}

/** A small CA + end-entity + server certificate made with openssl (for the mock server tests). */
export async function opensslPki(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Mock CA', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  for (const n of ['ee', 'srv', 'cli']) {
    await openssl(['req', '-new', ...ec, '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/CN=${n}`], dir);
    fs.writeFileSync(path.join(dir, `${n}.ext`), 'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nbasicConstraints=CA:FALSE\n');
    await openssl(['x509', '-req', '-in', `${n}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${n}.pem`, '-days', '1', '-extfile', `${n}.ext`], dir);
  }
}

/** Starts `openssl cmp` as a mock server on a free port; resolves with the port once it accepts. */
export async function startMockServer(dir: string, args: string[]): Promise<{ port: number; proc: ChildProcess; log: () => string }> {
  const proc = spawn('openssl', ['cmp', '-port', '0', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (c: Buffer) => {
      log += c.toString();
      const m = /ACCEPT \S*:(\d+)/.exec(log);
      if (m) resolve(Number(m[1]));
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`openssl cmp mock exited (${code}): ${log}`)));
    setTimeout(() => reject(new Error(`openssl cmp mock did not start: ${log}`)), 10_000).unref();
  });
  return { port, proc, log: () => log };
}
