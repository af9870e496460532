import type { Server } from 'node:https';
import type { Logger } from 'pino';
import type { PlatformConfig } from '@emsoc/common/config';
import type { IdentityStore } from '@emsoc/common/auth';
import { authenticate, createApp, finishApp, listenHttps } from '@emsoc/common/http';
import { loadListenerTls } from '@emsoc/common/tls';
import type { EventStore } from '@emsoc/event-store/contract';
import { eventsRouter } from './api/events.js';
import { accountsRouter } from './api/accounts.js';

export interface ConsoleDeps {
  config: PlatformConfig;
  logger: Logger;
  identity: IdentityStore;
  store: EventStore;
}

/** The SOC console server: the only thing the browser talks to; every API route checks a permission. */
export async function startConsole(deps: ConsoleDeps): Promise<{ server: Server; close(): Promise<void> }> {
  const { config, logger, identity, store } = deps;
  const app = createApp({
    service: 'soc-console',
    logger,
    health: async () => ({ store: await store.health().catch((e: unknown) => ({ status: 'red', detail: String(e) })) }),
  });
  app.use('/api', authenticate(identity));
  app.use(eventsRouter(store));
  app.use(
    accountsRouter(identity, (action, outcome, detail) =>
      logger.info({ audit: true, action, outcome, ...detail }, 'audit'),
    ),
  );
  finishApp(app, logger);
  const server = await listenHttps(app, {
    host: config.bind,
    port: config.console.port,
    tls: loadListenerTls(config.dataDir, 'console'),
    requestClientCert: true,
  });
  return {
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
