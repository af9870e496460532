import { runService, serviceContext } from '@emsoc/common/service';
import { openPlatformStore } from '@emsoc/event-store/platform';
import { startConsole } from './service.js';

const ctx = serviceContext('soc-console');
await runService('soc-console', ctx.logger, async () => {
  const store = await openPlatformStore(ctx.config);
  const consoleServer = await startConsole({ ...ctx, store });
  return {
    async close() {
      await consoleServer.close();
      await store.close();
      ctx.identity.close();
    },
  };
});
