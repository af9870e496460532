import type { EventStore } from './contract.js';
import { SqliteEventStore } from './sqlite/store.js';
import { SearchEngineEventStore } from './search-engine/store.js';
import type { EngineAuth } from './search-engine/http.js';
import type { IndexSettings } from './search-engine/templates.js';

export type EventStoreConfig =
  | { engine: 'sqlite'; path: string; busyTimeoutMs?: number; cacheMiB?: number }
  | {
      engine: 'elasticsearch' | 'opensearch' | 'auto';
      urls: string[];
      auth?: EngineAuth;
      tls?: { caFile?: string; rejectUnauthorized?: boolean };
      indexPrefix?: string;
      requestTimeoutMs?: number;
      index?: IndexSettings;
    };

/** Opens and initialises a store (tables or index templates are created idempotently). */
export async function openEventStore(config: EventStoreConfig): Promise<EventStore> {
  let store: EventStore;
  if (config.engine === 'sqlite') {
    store = new SqliteEventStore({ path: config.path, busyTimeoutMs: config.busyTimeoutMs, cacheMiB: config.cacheMiB });
  } else if (config.engine === 'elasticsearch' || config.engine === 'opensearch' || config.engine === 'auto') {
    store = new SearchEngineEventStore(config);
  } else {
    throw new Error(`unknown event-store engine ${JSON.stringify((config as { engine?: unknown }).engine)}`);
  }
  try {
    await store.init();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  return store;
}
