import path from 'node:path';
import type { Server as HttpsServer } from 'node:https';
import type net from 'node:net';
import type { Logger } from 'pino';
import type { PlatformConfig } from '@emsoc/common/config';
import type { IdentityStore } from '@emsoc/common/auth';
import { authenticate, createApp, finishApp, listenHttps } from '@emsoc/common/http';
import { loadListenerTls } from '@emsoc/common/tls';
import type { EventStore } from '@emsoc/event-store/contract';
import { Spool } from './spool/spool.js';
import { EventPipeline, type DetectionStage } from './pipeline/event-pipeline.js';
import { StoreSink } from './sinks/store/store-sink.js';
import { WorkerStoreSink, type RunningSink } from './sinks/store/worker-store-sink.js';
import type { SinkStoreSpec } from './sinks/store/sink-store-spec.js';
import type { DrainSpec } from './pipeline/drain-spec.js';
import { listenSyslogTcp, listenSyslogTls, listenSyslogUdp, type SyslogDecoder } from './sources/syslog/listen.js';
import { ingestRouter } from './sources/http/ingest.js';
import { listenForward } from './sources/forward/listen.js';
import type { Enrichment } from './transforms/index.js';

/** Revocation status of a client certificate (DER), from the RA's OCSP/CRL; see listenSyslogTls. */
export type CertificateStatusCheck = (certDer: Buffer) => Promise<'good' | 'revoked' | 'unknown'>;

export interface CollectorDeps {
  config: PlatformConfig;
  logger: Logger;
  identity: IdentityStore;
  store: EventStore;
  /**
   * When given, the store sink runs in a worker thread with its own connection opened from this spec, so
   * store writes do not stall receiving and parsing; otherwise it writes through `store` on this thread.
   */
  sinkStore?: SinkStoreSpec;
  /**
   * With `sinkStore`: the sink worker builds its syslog decoder and detection stage from this, and the
   * syslog listeners spool frames raw (decoded in the worker before the store write). Without it, syslog
   * is decoded (and detection run, `detection`) on the receiving thread before spooling.
   */
  sinkDrain?: DrainSpec;
  decodeSyslog: SyslogDecoder;
  detection?: DetectionStage;
  /** Asset/IOC enrichment for sources that decode outside the syslog decoder (forward). */
  enrichment?: Enrichment;
  /** Checks syslog-TLS client certificates against revocation; without it any chain-valid certificate is taken. */
  certificateStatus?: CertificateStatusCheck;
  /** Extra listeners (flows, forward) started by their own modules; each returns a closer. */
  extraSources?: Array<(pipeline: EventPipeline) => Promise<() => Promise<void>>>;
}

export interface Collector {
  pipeline: EventPipeline;
  sink: RunningSink;
  close(): Promise<void>;
}

/**
 * The collector topology: sources → durable spool → store sink. Syslog frames are spooled raw and decoded
 * (transforms, detection) by the sink worker when it has a drain spec; other sources, and syslog without
 * one, decode before the spool. Every listener binds to `config.bind`.
 */
export async function startCollector(deps: CollectorDeps): Promise<Collector> {
  const { config, logger } = deps;
  const c = config.collector;
  const spoolDir = path.join(config.dataDir, 'spool', 'collector');
  const spool = new Spool({ dir: spoolDir, maxBytes: c.spool.maxBytes });
  if (spool.truncatedTail) logger.warn({ records: spool.truncatedTail }, 'spool had a torn tail from a crash; cut it');
  const drainInWorker = deps.sinkStore !== undefined && deps.sinkDrain !== undefined;
  if (drainInWorker && deps.detection) throw new Error('with sinkDrain, detection runs in the sink worker (sinkDrain.detection)');
  const pipeline = new EventPipeline(spool, deps.detection, { drainDecodes: drainInWorker });
  const sink = deps.sinkStore ? new WorkerStoreSink(spool, spoolDir, deps.sinkStore, logger, {}, deps.sinkDrain) : new StoreSink(spool, deps.store, logger);
  sink.start();

  const closers: Array<() => Promise<void>> = [];
  const common = { host: config.bind, decode: deps.decodeSyslog, pipeline, logger, maxFrameBytes: c.maxFrameBytes };
  if (c.syslogUdp.enabled) {
    const s = await listenSyslogUdp({ ...common, port: c.syslogUdp.port });
    closers.push(() => s.close());
  }
  if (c.syslogTcp.enabled) {
    const s: net.Server = await listenSyslogTcp({ ...common, port: c.syslogTcp.port });
    closers.push(() => closeServer(s));
  }
  const tls = loadListenerTls(config.dataDir, 'collector');
  if (c.syslogTls.enabled) {
    const s = await listenSyslogTls({
      ...common,
      port: c.syslogTls.port,
      tls,
      requireClientCert: c.syslogTls.requireClientCert,
      ...(deps.certificateStatus ? { certificateStatus: deps.certificateStatus } : {}),
    });
    closers.push(() => closeServer(s));
  }
  if (c.forward.enabled) {
    const s = await listenForward({ host: config.bind, port: c.forward.port, requireClientCert: c.forward.requireClientCert, tls, pipeline, logger, ...(deps.enrichment ? { enrichment: deps.enrichment } : {}) });
    closers.push(() => closeServer(s));
  }
  if (c.http.enabled) {
    const app = createApp({
      service: 'log-collector',
      logger,
      bodyLimit: '10mb',
      health: () => ({ spoolBacklogBytes: spool.backlogBytes, spoolFull: spool.full }),
    });
    app.use('/api', authenticate(deps.identity));
    app.use(ingestRouter(pipeline));
    finishApp(app, logger);
    const s: HttpsServer = await listenHttps(app, { host: config.bind, port: c.http.port, tls, requestClientCert: true });
    closers.push(() => closeServer(s));
  }
  for (const extra of deps.extraSources ?? []) closers.push(await extra(pipeline));

  return {
    pipeline,
    sink,
    async close() {
      // Stop taking input first, then store what was accepted, then release the spool.
      await Promise.all(closers.map((c) => c().catch(() => undefined)));
      await sink.stop();
      spool.close();
    },
  };
}

function closeServer(s: net.Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    // Open keep-alive/stream connections would hold close() forever.
    (s as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    setTimeout(resolve, 2000).unref();
  });
}
