import path from 'node:path';
import type { PlatformConfig } from '@emsoc/common/config';
import type { EventStore } from './contract.js';
import { openEventStore } from './factory.js';
import { SearchEngineEventStore } from './search-engine/store.js';
import { withDeferredInit } from './deferred-init.js';

/**
 * Opens the store a platform configuration names (embedded SQLite under the data dir by default).
 * With `deferInit`, an unreachable search engine does not fail start-up: initialisation is retried on use,
 * which lets the collector accept and spool data during an engine outage that began before it started.
 */
export async function openPlatformStore(config: PlatformConfig, opts: { deferInit?: boolean; onInitError?: (e: unknown) => void; sqliteCacheMiB?: number } = {}): Promise<EventStore> {
  const s = config.store;
  if (s.engine === 'sqlite') return openEventStore({ engine: 'sqlite', path: s.path ?? path.join(config.dataDir, 'events.db'), ...(opts.sqliteCacheMiB ? { cacheMiB: opts.sqliteCacheMiB } : {}) });
  const engineConfig = {
    engine: s.engine,
    urls: s.urls,
    ...(s.auth ? { auth: s.auth } : {}),
    ...(s.tls ? { tls: s.tls } : {}),
    indexPrefix: s.indexPrefix,
  };
  if (opts.deferInit) return withDeferredInit(new SearchEngineEventStore(engineConfig), opts.onInitError);
  return openEventStore(engineConfig);
}
