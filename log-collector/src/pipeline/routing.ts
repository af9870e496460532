import type { Dataset, EcsDocument } from '@emsoc/event-store/contract';

/** `event.dataset` of inputs kept raw because they could not be read. */
export const DEADLETTER_DATASET = 'emsoc.deadletter';

/** Which store dataset a normalized document belongs to. */
export function datasetOf(doc: EcsDocument): Dataset {
  const event = doc.event as { kind?: string; dataset?: string } | undefined;
  if (event?.kind === 'alert') return 'alerts';
  const ds = event?.dataset ?? '';
  if (ds.endsWith('.flow')) return 'flows';
  if (ds === DEADLETTER_DATASET) return 'deadletter';
  return 'events';
}
