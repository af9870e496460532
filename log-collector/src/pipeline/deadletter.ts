import type { EcsDocument } from '@emsoc/event-store/contract';
import { stableId } from '@emsoc/common/ecs';
import { DEADLETTER_DATASET } from './routing.js';

/** Keeps an input that could not be read, raw, with the reason, so nothing accepted is silently lost. */
export function deadLetter(source: string, raw: string | Buffer, reason: string, receivedAt = new Date()): EcsDocument {
  const text = typeof raw === 'string' ? raw : raw.toString('base64');
  return {
    '@timestamp': receivedAt.toISOString(),
    event: {
      id: stableId('deadletter', source, text),
      kind: 'event',
      dataset: DEADLETTER_DATASET,
      original: text.slice(0, 65536),
      created: receivedAt.toISOString(),
    },
    error: { message: reason },
    tags: ['_deadletter', `_${source}_failure`],
    labels: { source, encoding: typeof raw === 'string' ? 'utf8' : 'base64' },
  };
}
