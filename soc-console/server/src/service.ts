import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { Server } from 'node:https';
import type { Logger } from 'pino';
import type { PlatformConfig } from '@emsoc/common/config';
import type { IdentityStore } from '@emsoc/common/auth';
import { createApp, finishApp, listenHttps, type CertificateStatusCheck } from '@emsoc/common/http';
import { loadListenerTls, tlsPaths } from '@emsoc/common/tls';
import { repoRoot, rulesDir as defaultRulesDir } from '@emsoc/common/paths';
import type { CheckpointSigner } from '@emsoc/common/audit';
import type { EventStore } from '@emsoc/event-store/contract';
import { openConsoleDb } from './db.js';
import { ConsoleAudit } from './audit/console-audit.js';
import { SessionStore } from './session/store.js';
import { LoginRateLimiter, type RateLimitOptions } from './session/rate-limit.js';
import { resolveCaller } from './session/middleware.js';
import { mountRoutes } from './routes/mount.js';
import { openApiDocument } from './routes/openapi.js';
import type { RouteSpec } from './routes/spec.js';
import { sessionRoutes } from './api/session.js';
import { totpRoutes } from './api/totp.js';
import { TotpState } from './session/totp.js';
import { searchRoutes } from './api/search.js';
import { overviewRoutes } from './api/overview.js';
import { incidentRoutes } from './api/incidents.js';
import { ruleRoutes } from './api/rules.js';
import { auditRoutes } from './api/audit.js';
import { uplinkConsoleRouter } from '@emsoc/uplink';
import { accountRoutes } from './api/accounts.js';
import { RaClient, raRoutes } from './ra/proxy.js';
import { IncidentManager } from './incidents/manager.js';
import { RuleCatalog } from './rules/catalog.js';
import { BacktestJobs } from './rules/backtest.js';
import { readRuleState, ruleStatePath } from '@emsoc/detection';
import { mountStaticApp } from './static-app.js';

export interface ConsoleDeps {
  config: PlatformConfig;
  logger: Logger;
  identity: IdentityStore;
  store: EventStore;
}

export interface ConsoleOptions {
  /** Clock (ms) for sessions, rate limits and incident times; tests inject one. */
  now?: () => number;
  /**
   * Revocation status of a client certificate. The OCSP/CRL status client is another contributor's
   * work; until it is wired in, the default checks NOTHING (every certificate counts as good) and the
   * console logs a warning at start.
   */
  certificateStatus?: CertificateStatusCheck;
  requireTotp?: boolean;
  /** Built web app (default soc-console/web/dist/browser). */
  webDir?: string;
  rulesDir?: string;
  auditSigner?: CheckpointSigner;
  auditCheckpointEvery?: number;
  incidentPollMs?: number;
  rateLimit?: Partial<RateLimitOptions>;
  /** RA service location (default: config bind address and ra.port). */
  ra?: { host: string; port: number };
}

export interface RunningConsole {
  server: Server;
  port: number;
  routes: RouteSpec[];
  incidents: IncidentManager;
  audit: ConsoleAudit;
  close(): Promise<void>;
}

const VERSION = '0.1.0';

const dialHost = (bind: string) => (bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind);

function httpsHealth(url: string, ca: string): Promise<unknown> {
  return new Promise((resolve) => {
    const r = https.get(url, { ca, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body.length < 65536 ? (body += c) : undefined));
      res.on('end', () => {
        try {
          const j = JSON.parse(body) as { status?: string };
          resolve({ status: res.statusCode === 200 && j.status === 'ok' ? 'green' : 'red', ...j });
        } catch {
          resolve({ status: 'red', detail: `HTTP ${res.statusCode}` });
        }
      });
    });
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', (e) => resolve({ status: 'red', detail: e.message }));
  });
}

/** The SOC console server: the only thing the browser talks to; every API route names its access rule. */
export async function startConsole(deps: ConsoleDeps, opts: ConsoleOptions = {}): Promise<RunningConsole> {
  const { config, logger, identity, store } = deps;
  const now = opts.now ?? Date.now;
  const db = openConsoleDb(config.dataDir);
  const audit = new ConsoleAudit(config.dataDir, store, logger, config.unit.id, {
    now,
    ...(opts.auditSigner ? { signer: opts.auditSigner } : {}),
    ...(opts.auditCheckpointEvery ? { checkpointEvery: opts.auditCheckpointEvery } : {}),
  });
  const sessions = new SessionStore(db, { idleMs: config.console.sessionIdleMinutes * 60_000, absoluteMs: config.console.sessionAbsoluteHours * 3_600_000 }, now);
  const limit = { freeFailures: 5, windowMs: 15 * 60_000, baseLockMs: 30_000, maxLockMs: 15 * 60_000, ...opts.rateLimit };
  const limiters = { account: new LoginRateLimiter(limit, now), address: new LoginRateLimiter({ ...limit, freeFailures: limit.freeFailures * 4 }, now) };
  let certificateStatus = opts.certificateStatus;
  if (!certificateStatus) {
    logger.warn('client certificate revocation status is NOT checked: no OCSP/CRL status client is configured yet');
    certificateStatus = async () => 'good';
  }
  const tls = loadListenerTls(config.dataDir, 'console');
  const ownCert = tlsPaths(config.dataDir, 'console');
  const ra = new RaClient({
    host: opts.ra?.host ?? dialHost(config.bind),
    port: opts.ra?.port ?? config.ra.port,
    ca: tls.ca,
    clientCert: { cert: fs.readFileSync(ownCert.cert, 'utf8'), key: fs.readFileSync(ownCert.key, 'utf8') },
  });
  const incidents = new IncidentManager({ store, db, audit, logger, now, ...(opts.incidentPollMs ? { pollMs: opts.incidentPollMs } : {}) });
  const catalog = new RuleCatalog(opts.rulesDir ?? defaultRulesDir);
  const stateFile = ruleStatePath(config.dataDir);
  const jobs = new BacktestJobs(store, logger);

  const health = {
    collector: () => (config.collector.http.enabled ? httpsHealth(`https://${dialHost(config.bind)}:${config.collector.http.port}/healthz`, tls.ca) : Promise.resolve({ status: 'disabled' })),
    detection: async () => {
      const { rules, errors } = catalog.load();
      const disabled = Object.keys(readRuleState(stateFile).disabled).length;
      return { status: errors.length ? 'yellow' : 'green', rules: rules.length, disabled, loadErrors: errors.length, incidents: incidents.stats };
    },
  };

  const totp = new TotpState(db, now);
  const sessionDeps = { identity, sessions, limiters, audit, certificateStatus, now, requireTotp: opts.requireTotp ?? true, totp };
  const routes: RouteSpec[] = [
    ...sessionRoutes(sessionDeps),
    ...totpRoutes({ ...sessionDeps, issuer: `EMSOC ${config.unit.id}` }),
    ...searchRoutes(store, db, audit, now),
    ...overviewRoutes(store, health, now),
    ...incidentRoutes(store, incidents, now),
    ...ruleRoutes({ catalog, stateFile, jobs, audit, now }),
    ...auditRoutes(store, audit, ra, now),
    ...accountRoutes(identity, sessions, audit, totp),
    ...raRoutes(ra),
  ];
  routes.push({
    method: 'get',
    path: '/api/v1/openapi.json',
    access: 'public',
    tag: 'meta',
    summary: 'This description (OpenAPI 3.1)',
    handler: () => openApiDocument(routes, VERSION),
  });

  const app = createApp({
    service: 'soc-console',
    logger,
    health: async () => ({ store: await store.health().catch((e: unknown) => ({ status: 'red', detail: String(e) })) }),
  });
  // Escape < > & in JSON answers: event fields carry attacker-controlled text (XSS payloads in logs).
  app.set('json escape', true);
  app.use('/api', resolveCaller(identity, sessions, certificateStatus));
  app.use(mountRoutes(routes, audit));
  // Reports sent to the superior unit and received from subordinate ones (the uplink's data; reports:read).
  app.use(uplinkConsoleRouter({ store, dataDir: config.dataDir }));
  const webDir = opts.webDir ?? path.join(repoRoot, 'soc-console', 'web', 'dist', 'browser');
  if (!mountStaticApp(app, webDir)) logger.info({ webDir }, 'web app not built; serving the API only');
  finishApp(app, logger);

  await incidents.start();
  const sweeper = setInterval(() => sessions.sweep(), 60_000);
  sweeper.unref();
  const server = await listenHttps(app, { host: config.bind, port: config.console.port, tls, requestClientCert: true });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : config.console.port,
    routes,
    incidents,
    audit,
    async close() {
      clearInterval(sweeper);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await incidents.stop();
      ra.close();
      await audit.close();
      db.close();
    },
  };
}
