import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenHttps, loadListenerTls, tlsPaths, type IdentityStore, type Logger, type PlatformConfig, type TrustedFrontEnd } from '@emsoc/common';
import { buildApiApp } from './api/app.js';
import { routes } from './api/routes.js';
import { AuditForwarder } from './audit/forwarder.js';
import { Checkpointer, loadAuditKey } from './audit/checkpoints.js';
import { openConnector } from './ca/connectors.js';
import { startCsrWorkers } from './ca/csr-pool.js';
import { startCmpEndpoint } from './ca/cmp/endpoint.js';
import { EmbeddedCa } from './ca/embedded.js';
import { Kmc } from './ca/kmc/kmc.js';
import { loadOrgUnits } from './policy/org-units.js';
import { loadProfiles } from './policy/profiles.js';
import { RegistrationAuthority } from './ra.js';
import { openRepository } from './store/open.js';
import { startStatusListener } from './status/start.js';
import type { StatusOptions } from './status/service.js';

export interface RaServiceOptions {
  config: PlatformConfig;
  logger: Logger;
  identity: IdentityStore;
  /** Bearer token file for the collector ingest; when given, audit records are forwarded there. */
  ingestTokenFile?: string;
  /** Overrides for tests and tools (default: policies/profiles, policies/org-units.yaml). */
  profilesDir?: string;
  orgUnitsFile?: string;
  /** Status port tuning (tests use a short propagation bound); defaults from config.ra.ca.status. */
  status?: Partial<StatusOptions>;
}

export interface RaServiceHandle {
  close(): Promise<void>;
  /** Bound ports (useful when configured as 0 in tests). */
  ports: { api: number; status: number; cmp?: number };
  ra: RegistrationAuthority;
}

const VERSION = '0.1.0';
const SYSTEM = { id: 'system', name: 'system:ra', roles: [], sourceIp: null };

/**
 * Starts the RA: database, profiles, org units, CA connector (embedded dev CA from `<dataDir>/ca/`),
 * the HTTPS API on bind:ra.port (client certificates requested, tokens accepted) and the plain HTTP
 * status listener on bind:ra.statusPort (CRL, CA certificate).
 */
export async function startRaService(o: RaServiceOptions): Promise<RaServiceHandle> {
  const { config, logger } = o;
  const profiles = loadProfiles(o.profilesDir);
  const units = loadOrgUnits(o.orgUnitsFile);
  const tls = loadListenerTls(config.dataDir, 'ra');
  const repo = await openRepository(config);
  const cleanup: Array<() => Promise<void>> = [() => repo.close()];
  const closeAll = async () => {
    for (const f of cleanup.reverse()) await f().catch((e) => logger.error({ err: e }, 'RA shutdown step failed'));
  };
  try {
    const ca = await openConnector(config, repo, logger);
    cleanup.push(() => ca.close());
    const auditKey = loadAuditKey(config.dataDir);
    const checkpointer = new Checkpointer(repo, auditKey.privateKey, logger.child({ component: 'audit-checkpoint' }));
    await checkpointer.init();
    cleanup.push(() => checkpointer.close());
    if (o.ingestTokenFile) {
      const forwarder = new AuditForwarder({
        repo,
        url: `https://${config.publicHost}:${config.collector.http.port}/api/v1/ingest`,
        tokenFile: o.ingestTokenFile,
        ca: tls.ca,
        logger: logger.child({ component: 'audit-forwarder' }),
        host: config.publicHost,
        unit: config.unit.id,
      });
      forwarder.start();
      cleanup.push(() => forwarder.close());
    }
    // The KMC (encryption keys of dual certificates) exists only when a profile asks for it.
    const kmc = [...profiles.values()].some((p) => p.dualCertificate) ? Kmc.open(config.dataDir) : undefined;
    const ra = new RegistrationAuthority({ repo, profiles, units, ca, logger, kmc });
    startCsrWorkers();
    const specs = routes({ ra, ca, profiles, units, auditPublicKey: auditKey.publicKey });
    const api = await listenHttps(buildApiApp({ logger, identity: o.identity, repo, ca, specs, version: VERSION, trustedFrontEnds: consoleFrontEnd(config.dataDir) }), {
      host: config.bind,
      port: config.ra.port,
      tls,
      requestClientCert: true,
    });
    api.keepAliveTimeout = 65_000;
    cleanup.push(() => closeServer(api));
    let statusPort = config.ra.statusPort;
    if (ca instanceof EmbeddedCa) {
      // CRLs and OCSP for the embedded CA (published before anyone asks); see src/status.
      const status = await startStatusListener({ config, ca, repo, profiles, logger: logger.child({ component: 'ra-status' }), options: o.status });
      statusPort = status.port;
      cleanup.push(() => status.close());
    }
    // CMP for the embedded CA (config.ra.ca.cmpServer); its own listener until the status port can mount it.
    const cmp = await startCmpEndpoint({ config, ca, ra, repo, logger: logger.child({ component: 'cmp-server' }) });
    if (cmp) cleanup.push(() => cmp.close());
    await repo.tx(async (w) => void (await w.audit({ eventType: 'service.started', objectType: 'audit', objectId: 'ra', outcome: 'success', actor: SYSTEM, details: { version: VERSION, ca: ca.kind, database: config.ra.database.engine } })));
    const ports = { api: (api.address() as AddressInfo).port, status: statusPort, ...(cmp ? { cmp: cmp.port } : {}) };
    logger.info({ ports, ca: ca.kind, database: config.ra.database.engine, profiles: [...profiles.keys()] }, 'RA service started');
    return {
      ports,
      ra,
      close: async () => {
        await repo.tx(async (w) => void (await w.audit({ eventType: 'service.stopped', objectType: 'audit', objectId: 'ra', outcome: 'success', actor: SYSTEM }))).catch(() => undefined);
        await closeAll();
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

function closeServer(s: http.Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections?.();
  });
}

/**
 * The SOC console may act on behalf of its signed-in users; only its own certificate (pinned by
 * fingerprint, read at start) is trusted for that (docs/console-api.md, "RA on behalf of").
 */
function consoleFrontEnd(dataDir: string): TrustedFrontEnd[] {
  const file = tlsPaths(dataDir, 'console').cert;
  if (!fs.existsSync(file)) return [];
  const der = new X509Certificate(fs.readFileSync(file)).raw;
  return [{ name: 'console', certificateSha256: createHash('sha256').update(der).digest('hex') }];
}
