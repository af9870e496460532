import path from 'node:path';
import type { PlatformConfig } from '@emsoc/common/config';
import type { EventStore } from './contract.js';
import { openEventStore } from './factory.js';

/** Opens the store a platform configuration names (embedded SQLite under the data dir by default). */
export function openPlatformStore(config: PlatformConfig): Promise<EventStore> {
  const s = config.store;
  if (s.engine === 'sqlite') return openEventStore({ engine: 'sqlite', path: s.path ?? path.join(config.dataDir, 'events.db') });
  return openEventStore({
    engine: s.engine,
    urls: s.urls,
    ...(s.auth ? { auth: s.auth } : {}),
    ...(s.tls ? { tls: s.tls } : {}),
    indexPrefix: s.indexPrefix,
  });
}
