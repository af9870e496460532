import { X509Certificate, createHash } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { platformConfigSchema, type PlatformConfig } from '@emsoc/common/config';
import { IdentityStore, loadRolePolicy, totp, base32Encode, type RolePolicy } from '@emsoc/common/auth';
import { openEventStore } from '@emsoc/event-store';
import type { EventStore } from '@emsoc/event-store/contract';
import { issueTlsServerCertificate, loadOrCreateDevCa, type DevCa } from '@emsoc/pki';
import { startConsole, type ConsoleOptions, type RunningConsole } from '../src/service.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface CallOptions {
  token?: string;
  cookie?: string;
  csrf?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Client certificate to present (PEM cert + key). */
  cert?: { cert: string; key: string };
}

export interface Harness {
  dataDir: string;
  config: PlatformConfig;
  ca: DevCa;
  caPem: string;
  identity: IdentityStore;
  roles: RolePolicy;
  store: EventStore;
  console: RunningConsole;
  clock: { now: number; advance(ms: number): void };
  /** A Bearer token per role name (account `u-<role>`). */
  tokens: Record<string, string>;
  call(method: string, urlPath: string, o?: CallOptions): Promise<Answer>;
  /** A local account with password and TOTP; returns what signing in needs. */
  localUser(name: string, roles: string[]): { name: string; password: string; secret: string; code(): string; accountId: string };
  login(user: { name: string; password: string; code(): string }): Promise<{ cookie: string; csrf: string; answer: Answer }>;
  clientCert(name: string): { cert: string; key: string; fingerprint: string };
  close(): Promise<void>;
}

export const silentLogger = pino({ level: 'silent' });

/** A console on an ephemeral port with a temp data dir, the dev CA, a SQLite store and an injected clock. */
export async function startHarness(opts: ConsoleOptions & { configure?: (c: PlatformConfig) => void; prepare?: (dataDir: string) => Promise<ConsoleOptions> } = {}): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emsoc-console-'));
  const ca = loadOrCreateDevCa(path.join(dataDir, 'ca'));
  issueTlsServerCertificate(ca, { ipAddresses: ['127.0.0.1'], clientAuth: true, name: 'console', commonName: 'emsoc-console' }, path.join(dataDir, 'tls'));
  const config = platformConfigSchema.parse({ dataDir, ra: { port: 1 } });
  config.console.port = 0; // ephemeral (the schema wants a real port for deployments)
  opts.configure?.(config);
  const prepared = opts.prepare ? await opts.prepare(dataDir) : {};
  const roles = loadRolePolicy();
  const identity = new IdentityStore(path.join(dataDir, 'identity.db'), roles);
  const store = await openEventStore({ engine: 'sqlite', path: path.join(dataDir, 'events.db') });
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const running = await startConsole({ config, logger: silentLogger, identity, store }, { now: () => clock.now, incidentPollMs: 3_600_000, ...opts, ...prepared });
  const tokens: Record<string, string> = {};
  for (const role of Object.keys(roles.roles)) {
    const acc = identity.createAccount({ name: `u-${role}`, roles: [role] });
    tokens[role] = identity.issueToken(acc.id, 'test').token;
  }
  const caPem = ca.certificatePem;
  const agent = new https.Agent({ ca: caPem, keepAlive: false });

  const call = (method: string, urlPath: string, o: CallOptions = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.cookie) headers.cookie = o.cookie;
      if (o.csrf) headers['x-csrf-token'] = o.csrf;
      if (body !== undefined) {
        headers['content-type'] ??= 'application/json';
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const req = https.request(
        { host: '127.0.0.1', port: running.port, method, path: urlPath, headers, ...(o.cert ? { ca: caPem, ...o.cert, agent: false } : { agent }) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode!, headers: res.headers, text, json });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const localUser = (name: string, userRoles: string[]) => {
    const password = `correct horse ${name} battery`;
    const secret = base32Encode(Buffer.from(createHash('sha256').update(name).digest().subarray(0, 20)));
    const acc = identity.createAccount({ name, roles: userRoles, password, totpSecret: secret });
    return { name, password, secret, code: () => totp(secret, clock.now), accountId: acc.id };
  };

  const login = async (user: { name: string; password: string; code(): string }) => {
    const answer = await call('POST', '/api/v1/session/login', { body: { username: user.name, password: user.password, totp: user.code() } });
    if (answer.status !== 200) throw new Error(`login failed: ${answer.status} ${answer.text}`);
    const setCookie = ([] as string[]).concat(answer.headers['set-cookie'] ?? []);
    const cookie = setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('emsoc_session='))!;
    return { cookie, csrf: answer.json.csrfToken as string, answer };
  };

  const clientCert = (name: string) => {
    const dir = path.join(dataDir, 'clients');
    const files = issueTlsServerCertificate(ca, { dnsNames: [`${name}.users.example.com`], clientAuth: true, name, commonName: name }, dir);
    const fingerprint = createHash('sha256').update(new X509Certificate(files.certificatePem).raw).digest('hex');
    return { cert: files.certificatePem, key: files.keyPem, fingerprint };
  };

  return {
    dataDir,
    config,
    ca,
    caPem,
    identity,
    roles,
    store,
    console: running,
    clock,
    tokens,
    call,
    localUser,
    login,
    clientCert,
    async close() {
      agent.destroy();
      await running.close();
      await store.close();
      identity.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
