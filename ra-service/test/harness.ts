/** Test harness: a throw-away data directory with the dev CA, the RA's TLS certificate, accounts and tokens. */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createLogger, IdentityStore, loadConfig, loadRolePolicy, type PlatformConfig, freeTcpPort } from '@emsoc/common';
import { createDevCa, issueTlsServerCertificate, type DevCa } from '@emsoc/pki';
import { RaClient } from '../src/client.js';
import { startRaService, type RaServiceHandle, type RaServiceOptions } from '../src/service.js';

export interface Harness {
  dataDir: string;
  config: PlatformConfig;
  ca: DevCa;
  identity: IdentityStore;
  svc: RaServiceHandle;
  rootPem: string;
  baseUrl: string;
  statusUrl: string;
  /** Token per account name. */
  tokens: Record<string, string>;
  accounts: Record<string, string>;
  client(name?: string): RaClient;
  close(): Promise<void>;
}

export const ACCOUNTS: Record<string, string[]> = {
  requester: ['ra-requester'],
  requester2: ['ra-requester'],
  officer: ['ra-officer'],
  officer2: ['ra-officer'],
  raadmin: ['ra-admin'],
  auditor: ['auditor'],
  secadmin: ['security-admin'],
  sysadmin: ['system-admin'],
  analyst: ['soc-analyst'],
  ingest: ['ingest-agent'],
};

export function tmpDir(prefix = 'ra-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Creates what the platform bootstrap creates: <dataDir>/ca (dev CA) and <dataDir>/tls/ra.pem, ra-key.pem. */
export function bootstrapDataDir(dataDir: string): DevCa {
  const ca = createDevCa(path.join(dataDir, 'ca'));
  const tlsDir = path.join(dataDir, 'tls');
  issueTlsServerCertificate(ca, { dnsNames: ['ra.emsoc.internal'], ipAddresses: ['127.0.0.1'], name: 'ra' }, tlsDir);
  return ca;
}

export async function startHarness(opts: { database?: PlatformConfig['ra']['database']; env?: Record<string, string>; service?: Partial<RaServiceOptions> } = {}): Promise<Harness> {
  const dataDir = tmpDir();
  const ca = bootstrapDataDir(dataDir);
  const { config } = loadConfig({ env: { SOC_DATA_DIR: dataDir, ...opts.env } });
  config.ra.port = await freeTcpPort();
  config.ra.statusPort = await freeTcpPort();
  if (opts.database) config.ra.database = opts.database;
  const identity = new IdentityStore(path.join(dataDir, 'identity.db'), loadRolePolicy());
  const tokens: Record<string, string> = {};
  const accounts: Record<string, string> = {};
  for (const [name, roles] of Object.entries(ACCOUNTS)) {
    const a = identity.createAccount({ name, roles, orgUnit: 'prov-demo' });
    accounts[name] = a.id;
    tokens[name] = identity.issueToken(a.id, 'test').token;
  }
  const logger = createLogger('ra-test', process.env.SOC_TEST_LOG ?? 'silent');
  const svc = await startRaService({ config, logger, identity, ...opts.service });
  const rootPem = fs.readFileSync(path.join(dataDir, 'ca', 'root.pem'), 'utf8');
  const baseUrl = `https://127.0.0.1:${svc.ports.api}`;
  const clients: RaClient[] = [];
  return {
    dataDir,
    config,
    ca,
    identity,
    svc,
    rootPem,
    baseUrl,
    statusUrl: `http://127.0.0.1:${svc.ports.status}`,
    tokens,
    accounts,
    client(name?: string) {
      const c = new RaClient({ baseUrl, ca: rootPem, token: name ? tokens[name] : undefined });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await svc.close();
      identity.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An openssl-made CSR (the way an operator makes one). */
export function opensslCsr(dir: string, opts: { key?: 'ec:P-256' | 'ec:P-384' | 'rsa:2048' | 'rsa:3072'; cn?: string; san?: string } = {}): { csr: string; keyFile: string } {
  const id = Math.random().toString(36).slice(2);
  const keyFile = path.join(dir, `${id}.key`);
  const csrFile = path.join(dir, `${id}.csr`);
  const key = opts.key ?? 'ec:P-256';
  const keyArgs = key.startsWith('ec:') ? ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${key.slice(3)}`] : ['-newkey', key];
  execFileSync('openssl', ['req', '-new', ...keyArgs, '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', `/CN=${opts.cn ?? 'test'}`, ...(opts.san ? ['-addext', `subjectAltName=${opts.san}`] : [])], { stdio: 'pipe' });
  return { csr: fs.readFileSync(csrFile, 'utf8'), keyFile };
}

/** The officer CLI as a child process, signed in with `account`'s token (written to a 0600 file). */
export const CLI = path.resolve(import.meta.dirname, '..', 'src', 'cli.ts');
export async function cliAs(h: Harness, account: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const tokenFile = path.join(h.dataDir, `${account}.token`);
  fs.writeFileSync(tokenFile, h.tokens[account]!, { mode: 0o600 });
  try {
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args, '--url', h.baseUrl, '--ca', path.join(h.dataDir, 'ca', 'root.pem'), '--token-file', tokenFile]);
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}
