import { runService, serviceContext } from '@emsoc/common/service';
import { policiesDir, rulesDir } from '@emsoc/common/paths';
import { openPlatformStore } from '@emsoc/event-store/platform';
import { statusCheckForDataDir } from '@emsoc/pki';
import { startCollector } from './service.js';
import { createDetectionStage } from './pipeline/detection-stage.js';
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
  const detection = config.collector.detection.enabled
    ? createDetectionStage({ rulesDir, policiesDir, dataDir: config.dataDir, logger: logger.child({ component: 'detection' }) })
    : undefined;
  const collector = await startCollector({
    ...ctx,
    store,
    ...(detection ? { detection: detection.stage } : {}),
    // Syslog over TLS: client certificates our RA revoked or suspended are refused.
    certificateStatus: statusCheckForDataDir(config.dataDir),
    enrichment,
    decodeSyslog: syslogDecoder(enrichment, config.timezone),
    extraSources,
  });
  return {
    async close() {
      detection?.close();
      await collector.close();
      await store.close();
      ctx.identity.close();
    },
  };
});
