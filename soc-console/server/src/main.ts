import { runService, serviceContext } from '@emsoc/common/service';
import { openPlatformStore } from '@emsoc/event-store/platform';
import { statusCheckForDataDir } from '@emsoc/pki';
import { startConsole } from './service.js';

const ctx = serviceContext('soc-console');
await runService('soc-console', ctx.logger, async () => {
  const store = await openPlatformStore(ctx.config);
  // Certificate sign-in: revoked or suspended certificates are refused (OCSP, CRL fallback).
  const consoleServer = await startConsole({ ...ctx, store }, { certificateStatus: statusCheckForDataDir(ctx.config.dataDir) });
  return {
    async close() {
      await consoleServer.close();
      await store.close();
      ctx.identity.close();
    },
  };
});
