import { runService, serviceContext } from '@emsoc/common/service';
import { policiesDir } from '@emsoc/common/paths';
import { openPlatformStore } from '@emsoc/event-store/platform';
import { startCollector } from './service.js';
import { loadEnrichment } from './transforms/index.js';
import { syslogDecoder } from './sources/syslog/decode.js';
import { listenNetflow } from './sources/netflow/listen.js';

const ctx = serviceContext('log-collector');
await runService('log-collector', ctx.logger, async () => {
  const { config, logger } = ctx;
  const enrichment = await loadEnrichment(policiesDir);
  for (const w of enrichment.warnings ?? []) logger.warn(w);
  const store = await openPlatformStore(config);
  const collector = await startCollector({
    ...ctx,
    store,
    decodeSyslog: syslogDecoder(enrichment, config.timezone),
    extraSources: config.collector.netflow.enabled
      ? [(pipeline) => listenNetflow({ host: config.bind, port: config.collector.netflow.port, pipeline, logger })]
      : [],
  });
  return {
    async close() {
      await collector.close();
      await store.close();
      ctx.identity.close();
    },
  };
});
