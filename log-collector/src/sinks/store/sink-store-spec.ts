import type { PlatformConfig } from '@emsoc/common/config';
import type { EventStore } from '@emsoc/event-store/contract';
import type { EventStoreConfig } from '@emsoc/event-store/factory';
import { openEventStore } from '@emsoc/event-store/factory';
import { openPlatformStore } from '@emsoc/event-store/platform';

/**
 * How a sink worker opens its own store connection (a store object cannot cross a thread boundary):
 * plain data, structured-clonable.
 */
export type SinkStoreSpec = { kind: 'event-store'; config: EventStoreConfig } | { kind: 'platform'; config: PlatformConfig };

export function openSinkStore(spec: SinkStoreSpec, onInitError: (e: unknown) => void): Promise<EventStore> {
  if (spec.kind === 'event-store') return openEventStore(spec.config);
  // The collector must come up and spool even while the engine is down; the sink retries.
  return openPlatformStore(spec.config, { deferInit: true, onInitError });
}
