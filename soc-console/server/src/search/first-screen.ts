import type { Dataset, EventStore, SearchResponse } from '@emsoc/event-store/contract';
import { engineOf, timeHistogram } from './histogram.js';
import { storeCall } from './params.js';

export interface FirstScreenRequest {
  dataset: Dataset;
  query?: string;
  range: { from: Date; to: Date };
  order: 'asc' | 'desc';
  size: number;
  intervalMs: number;
}

type Buckets = { key: number; count: number }[];

/**
 * The part of the range that holds the first `size` hits in `order`, read off the histogram: the buckets
 * from the newest (desc) or oldest (asc) end until they add up to `size`. Buckets are half-open like the
 * store's ranges, so every hit of the first page lies inside, and the page is the same as over the whole range.
 */
export function firstPageRange(range: { from: Date; to: Date }, buckets: Buckets, intervalMs: number, order: 'asc' | 'desc', size: number): { from: Date; to: Date } {
  let seen = 0;
  const ordered = order === 'desc' ? [...buckets].reverse() : buckets;
  for (const b of ordered) {
    seen += b.count;
    if (seen >= size) {
      return order === 'desc'
        ? { from: new Date(Math.max(b.key, range.from.getTime())), to: range.to }
        : { from: range.from, to: new Date(Math.min(b.key + intervalMs, range.to.getTime())) };
    }
  }
  return range;
}

/**
 * What the search screen needs to first render: the histogram, the hit count and the first page.
 * On the embedded SQLite store (single-threaded: concurrent calls would only queue) the histogram comes
 * first and then answers both the total (the sum of its buckets) and where the first page lies, so the
 * page query no longer counts the whole range a second time. On a search engine the two run concurrently.
 * `onHistogram` lets the caller send the histogram before the page is ready.
 */
export async function firstScreen(store: EventStore, r: FirstScreenRequest, onHistogram?: (h: { total: number; buckets: Buckets }) => Promise<void> | void) {
  const base = { dataset: r.dataset, ...(r.query ? { query: r.query } : {}) };
  const page = (range: { from: Date; to: Date }) => storeCall(() => store.search({ ...base, range, sort: [{ field: '@timestamp', order: r.order }], size: r.size }));
  let hits: SearchResponse;
  let buckets: Buckets;
  let total: number;
  if ((await engineOf(store)) === 'sqlite') {
    buckets = await timeHistogram(store, { ...base, range: r.range, intervalMs: r.intervalMs });
    total = buckets.reduce((n, b) => n + b.count, 0);
    await onHistogram?.({ total, buckets });
    hits = await page(firstPageRange(r.range, buckets, r.intervalMs, r.order, r.size));
  } else {
    const pending = page(r.range);
    pending.catch(() => undefined); // awaited below; keep an early rejection from going unhandled
    buckets = await timeHistogram(store, { ...base, range: r.range, intervalMs: r.intervalMs });
    total = buckets.reduce((n, b) => n + b.count, 0);
    await onHistogram?.({ total, buckets });
    hits = await pending;
  }
  return { total, buckets, page: hits };
}
