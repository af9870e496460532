import type { Alert } from './alert.js';
import type { Engine } from './engine.js';
import type { EcsEvent } from './event-fields.js';

// Backtest: replay stored events through an engine created with `mode: 'backtest'`, in time order.
// Only a narrow slice of the event-store contract is needed, declared here structurally.

export interface BacktestStore {
  search(req: {
    dataset: string;
    query?: string;
    range?: { from: Date; to: Date };
    sort?: { field: string; order: 'asc' | 'desc' }[];
    size?: number;
    searchAfter?: unknown[];
  }): Promise<{ hits: { id: string; doc: EcsEvent }[]; nextCursor?: unknown[] }>;
}

async function* pages(store: BacktestStore, dataset: string, range: { from: Date; to: Date }, query?: string): AsyncGenerator<EcsEvent> {
  let cursor: unknown[] | undefined;
  for (;;) {
    const r = await store.search({ dataset, query, range, sort: [{ field: '@timestamp', order: 'asc' }], size: 1000, searchAfter: cursor });
    for (const h of r.hits) yield h.doc;
    if (!r.nextCursor || r.hits.length === 0) return;
    cursor = r.nextCursor;
  }
}

const tsOf = (e: EcsEvent): number => {
  const t = Date.parse(String(e['@timestamp'] ?? ''));
  return Number.isNaN(t) ? 0 : t;
};

/** Merge several time-sorted datasets into one time-ordered stream. */
export async function* storeEvents(store: BacktestStore, datasets: string[], range: { from: Date; to: Date }, query?: string): AsyncGenerator<EcsEvent> {
  const its = datasets.map((d) => pages(store, d, range, query));
  const heads = await Promise.all(its.map((it) => it.next()));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (!h.done && (best < 0 || tsOf(h.value) < tsOf(heads[best]!.value as EcsEvent))) best = i;
    }
    if (best < 0) return;
    yield heads[best]!.value as EcsEvent;
    heads[best] = await its[best]!.next();
  }
}

export async function runBacktest(engine: Engine, events: AsyncIterable<EcsEvent> | Iterable<EcsEvent>, onAlert: (a: Alert) => void): Promise<{ events: number; alerts: number }> {
  let n = 0;
  let alerts = 0;
  for await (const ev of events) {
    n++;
    for (const a of engine.process(ev)) {
      alerts++;
      onAlert(a);
    }
  }
  for (const a of engine.flush()) {
    alerts++;
    onAlert(a);
  }
  return { events: n, alerts };
}
