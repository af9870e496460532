/**
 * The uplink service: sender role (summaries, incident reports and record selections through the
 * durable outbox to `uplink.upper`) and/or receiver role (POST /api/v1/uplink/reports from registered
 * lower units), plus the reports views. One HTTPS listener (uplink.port) presenting the unit certificate
 * and asking for client certificates (mTLS).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import type { PlatformConfig } from '@emsoc/common/config';
import type { IdentityStore } from '@emsoc/common/auth';
import { authenticate, createApp, finishApp, HttpError, listenHttps, route } from '@emsoc/common/http';
import type { EventStore } from '@emsoc/event-store/contract';
import { UplinkAudit } from './audit.js';
import { crlStatusCheck, type CertificateStatusCheck } from './cert-status.js';
import { uplinkConsoleRouter } from './console-router.js';
import { IncidentWatch } from './incident-watch.js';
import { Outbox, outboxPath } from './outbox.js';
import { loadUplinkPolicy, type UplinkPolicy } from './policy.js';
import { ReportReceiver, type RegisteredUnit } from './receiver.js';
import { Scheduler } from './scheduler.js';
import { UplinkSender } from './sender.js';
import { collectorHealth } from './summary.js';
import { commonName, loadCaFiles } from './trust.js';
import { loadUnitIdentity, type UnitIdentity } from './unit-identity.js';

export interface UplinkDeps {
  config: PlatformConfig;
  logger: Logger;
  identity: IdentityStore;
  store: EventStore;
}

export interface UplinkOptions {
  /** Revocation status of a lower unit's certificate; default: CRL from the certificate's CDP. */
  certificateStatus?: CertificateStatusCheck;
  policy?: UplinkPolicy;
}

export interface RunningUplink {
  server: Server;
  port: number;
  unit: UnitIdentity;
  outbox: Outbox;
  sender?: UplinkSender;
  scheduler?: Scheduler;
  incidents?: IncidentWatch;
  receiver?: ReportReceiver;
  close(): Promise<void>;
}

const dialHost = (bind: string) => (bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind);

export async function startUplink(deps: UplinkDeps, opts: UplinkOptions = {}): Promise<RunningUplink> {
  const { config, logger, store, identity } = deps;
  const u = config.uplink;
  const policy = opts.policy ?? loadUplinkPolicy(u.policyFile);
  const unit = loadUnitIdentity(config);
  const ownCa = fs.readFileSync(path.join(config.dataDir, 'ca', 'root.pem'), 'utf8');
  const outbox = new Outbox(outboxPath(config.dataDir));
  const audit = new UplinkAudit(config.dataDir, store, logger, config.unit.id);
  const closers: (() => Promise<void> | void)[] = [];

  let sender: UplinkSender | undefined;
  let scheduler: Scheduler | undefined;
  let incidents: IncidentWatch | undefined;
  if (u.upper) {
    sender = new UplinkSender({ outbox, url: u.upper.url, ca: fs.readFileSync(u.upper.caFile, 'utf8'), cert: unit.chainDer.length > 1 ? fs.readFileSync(unitChainFile(config), 'utf8') : unit.certPem, key: unit.keyPem, logger, ...u.retry });
    const collectorUrl = config.collector.http.enabled ? `https://${dialHost(config.bind)}:${config.collector.http.port}/healthz` : undefined;
    scheduler = new Scheduler({ store, outbox, identity: unit, policy, timezone: config.timezone, logger, collectorHealth: () => collectorHealth(collectorUrl, ownCa) });
    incidents = new IncidentWatch({ store, outbox, identity: unit, policy: policy.incidents, logger });
    sender.start();
    scheduler.start();
    incidents.start();
    closers.push(() => scheduler!.stop(), () => incidents!.stop(), () => sender!.stop());
  }

  let receiver: ReportReceiver | undefined;
  const anchors = [new X509Certificate(ownCa), ...loadCaFiles(u.receiver.trustedCaFiles)];
  if (u.receiver.enabled) {
    const units: RegisteredUnit[] = [...policy.receiver.units, ...u.receiver.units];
    const certificateStatus = opts.certificateStatus ?? crlStatusCheck({ issuers: () => anchors, maxCacheSeconds: u.receiver.crlCacheSeconds });
    if (!opts.certificateStatus) logger.info('lower units\' certificates are checked against the CRL named in them (default status check)');
    receiver = new ReportReceiver({ dataDir: config.dataDir, store, audit, logger, trustAnchors: () => anchors, units: () => units, certificateStatus });
    closers.push(() => receiver!.close());
  }

  const app = createApp({
    service: 'uplink',
    logger,
    bodyLimit: '32mb',
    health: () => ({
      unit: config.unit.id,
      sender: sender ? { upper: u.upper!.url, outbox: outbox.counts(), lastError: sender.lastError, lastSuccessAt: sender.lastSuccessAt } : 'disabled',
      receiver: receiver ? { units: receiver.unitsState() } : 'disabled',
    }),
  });
  app.set('json escape', true);
  app.post(
    '/api/v1/uplink/reports',
    route(async (req, res) => {
      if (!receiver) throw new HttpError(404, 'this unit does not receive reports (uplink.receiver.enabled is false)');
      const socket = req.socket as TLSSocket;
      const peer = socket.authorized ? socket.getPeerX509Certificate?.() : undefined;
      const ip = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? null;
      if (!peer) {
        const reason = 'a client certificate issued to a registered unit is required (mutual TLS)';
        await receiver.refuseConnection({ ip }, 'no_client_certificate', reason);
        throw new HttpError(401, reason);
      }
      const out = await receiver.receive(req.body, { ip, tlsUnit: commonName(peer) ?? '' });
      res.status(out.status).json({ results: out.results, ...(out.error ? { error: out.error } : {}) });
    }),
  );
  app.use('/api/v1/reports', authenticate(identity));
  app.use(uplinkConsoleRouter({ store, dataDir: config.dataDir }));
  finishApp(app, logger);

  const tls = { cert: unit.certPem, key: unit.keyPem, ca: [ownCa, ...u.receiver.trustedCaFiles.map((f) => fs.readFileSync(f, 'utf8'))].join('\n'), minVersion: 'TLSv1.2' as const };
  const server = await listenHttps(app, { host: config.bind, port: u.port, tls, requestClientCert: true });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : u.port,
    unit,
    outbox,
    ...(sender ? { sender } : {}),
    ...(scheduler ? { scheduler } : {}),
    ...(incidents ? { incidents } : {}),
    ...(receiver ? { receiver } : {}),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const c of closers) await c();
      await audit.close();
      outbox.close();
    },
  };
}

function unitChainFile(config: PlatformConfig): string {
  return config.uplink.certificate?.chainFile ?? path.join(config.dataDir, 'uplink', 'unit-chain.pem');
}
