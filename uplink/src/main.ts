import { runService, serviceContext } from '@emsoc/common/service';
import { openPlatformStore } from '@emsoc/event-store/platform';
import { startUplink } from './service.js';

const ctx = serviceContext('uplink');
await runService('uplink', ctx.logger, async () => {
  const store = await openPlatformStore(ctx.config);
  const uplink = await startUplink({ ...ctx, store });
  return {
    async close() {
      await uplink.close();
      await store.close();
      ctx.identity.close();
    },
  };
});
