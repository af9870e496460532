import { runService, serviceContext } from '@emsoc/common/service';
import { policiesDir, rulesDir } from '@emsoc/common/paths';
import path from 'node:path';
import { openPlatformStore } from '@emsoc/event-store/platform';
import { loadRetentionPolicy, startRetention } from '@emsoc/event-store';
import { MirroredAuditTrail } from '@emsoc/common/audit';
import { statusCheckForDataDir } from '@emsoc/pki';
import { startCollector } from './service.js';
import { loadEnrichment } from './transforms/index.js';
import { syslogDecoder } from './sources/syslog/decode.js';
import { listenNetflow } from './sources/netflow/listen.js';
import { listenSflow } from './sources/sflow/listen.js';

const ctx = serviceContext('log-collector');
await runService('log-collector', ctx.logger, async () => {
  const { config, logger } = ctx;
  const enrichment = await loadEnrichment(policiesDir);
  for (const w of enrichment.warnings ?? []) logger.warn(w);
  // The collector must come up and spool even while the engine is down; the sink retries.
  const store = await openPlatformStore(config, {
    deferInit: true,
    onInitError: (e) => logger.warn({ err: String(e) }, 'event store not ready; spooling until it is'),
  });
  const extraSources: NonNullable<Parameters<typeof startCollector>[0]['extraSources']> = [];
  if (config.collector.netflow.enabled) {
    extraSources.push((pipeline) => listenNetflow({ host: config.bind, port: config.collector.netflow.port, pipeline, logger }));
  }
  const sflow = config.collector.sflow;
  if (sflow.enabled) extraSources.push((pipeline) => listenSflow({ host: config.bind, port: sflow.port, pipeline, logger }));
  // Legal retention (policies/retention.yaml; logs and flows ≥ 180 days unless an audited override):
  // the collector, as the writer, deletes what expired and records every run in its audit trail.
  const audit = new MirroredAuditTrail({ dir: path.join(config.dataDir, 'collector'), module: 'collector', observerType: 'log-collector', unit: config.unit.id, store, logger });
  const system = { id: 'system', name: 'retention-job', roles: [], sourceIp: null };
  const retention = startRetention({
    store,
    policy: loadRetentionPolicy(path.join(policiesDir, 'retention.yaml')),
    intervalMs: 3_600_000,
    audit: (e) => void audit.record({ eventType: e.type, objectType: 'dataset', objectId: e.dataset, outcome: 'success', actor: system, details: { ...e } }),
    onResult: (results) => {
      const removed = results.filter((r) => r.removed > 0);
      logger.info({ removed }, 'retention run');
      audit.record({ eventType: 'retention.run', objectType: 'store', objectId: config.store.engine, outcome: 'success', actor: system, details: { removed: results.map((r) => ({ dataset: r.dataset, before: r.removedBefore.toISOString(), removed: r.removed })) } });
    },
    onError: (e) => logger.warn({ err: e.message }, 'retention run failed; retried next hour'),
  });
  const collector = await startCollector({
    ...ctx,
    store,
    // The sink writes through its own connection in a worker thread (receiving never waits for it). Syslog
    // frames are spooled raw; the worker parses, normalizes, enriches and runs detection before the store write.
    sinkStore: { kind: 'platform', config },
    sinkDrain: {
      timezone: config.timezone,
      enrichmentPoliciesDir: policiesDir,
      ...(config.collector.detection.enabled
        ? { detection: { rulesDir, policiesDir, dataDir: config.dataDir, certificateStatus: { crlUrls: raCrlUrls(config.bind, config.ra.statusPort) } } }
        : {}),
    },
    // Syslog over TLS: client certificates our RA revoked or suspended are refused.
    certificateStatus: statusCheckForDataDir(config.dataDir),
    enrichment,
    decodeSyslog: syslogDecoder(enrichment, config.timezone),
    extraSources,
  });
  return {
    async close() {
      await retention.stop();
      await collector.close();
      await audit.close();
      await store.close();
      ctx.identity.close();
    },
  };
});

/**
 * The full CRLs of the RA's status service, which answer the `certstatus` rules: one per authority,
 * named as ra-service names them (the embedded CA's fixed crlName 'root', and 'sm2-root' for the SM2
 * root; until the RA has an SM2 profile that one is not published and its fetch failures are counted).
 * Read where the status port listens (config.bind; loopback when that is a wildcard address).
 */
function raCrlUrls(bind: string, statusPort: number): string[] {
  const host = bind === '' || bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  return ['root', 'sm2-root'].map((name) => `http://${host}:${statusPort}/crl/${name}.crl`);
}
