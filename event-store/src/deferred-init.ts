import type { EventStore } from './contract.js';

/**
 * A store whose `init()` (tables, index templates) may fail at start-up because the engine is not
 * reachable yet: the owner starts anyway (the collector keeps spooling), and every later call first retries
 * the initialisation, so the templates exist before the first document is written.
 */
export function withDeferredInit(store: EventStore, onError?: (e: unknown) => void): EventStore {
  let ready: Promise<void> | undefined;
  const ensure = (): Promise<void> => {
    ready ??= store.init().catch((e: unknown) => {
      ready = undefined; // try again on the next call
      onError?.(e);
      throw e;
    });
    return ready;
  };
  void ensure().catch(() => undefined);
  const deferred: EventStore = {
    init: ensure,
    bulk: async (...a) => (await ensure(), store.bulk(...a)),
    ...(store.bulkJson ? { bulkJson: async (...a: Parameters<NonNullable<EventStore['bulkJson']>>) => (await ensure(), store.bulkJson!(...a)) } : {}),
    search: async (...a) => (await ensure(), store.search(...a)),
    count: async (...a) => (await ensure(), store.count(...a)),
    aggregate: async (...a) => (await ensure(), store.aggregate(...a)),
    get: async (...a) => (await ensure(), store.get(...a)),
    deleteBefore: async (...a) => (await ensure(), store.deleteBefore(...a)),
    refresh: async (...a) => (await ensure(), store.refresh(...a)),
    health: () => store.health(),
    close: () => store.close(),
  };
  return deferred;
}
