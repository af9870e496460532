import { z } from 'zod';
import { parseWith } from '@emsoc/common/http';
import type { AggregationResult, Bucket, EventStore, HealthStatus } from '@emsoc/event-store/contract';
import type { RouteSpec } from '../routes/spec.js';
import { baseQuery, fillBuckets, histogramInterval, storeCall, timeRange } from '../search/params.js';
import { STATUSES } from '../incidents/model.js';
import { timeHistogram } from '../search/histogram.js';

const FLOW_KEYS = ['source.ip', 'destination.ip', 'destination.port', 'source.asset.org_unit', 'destination.asset.org_unit'] as const;
const METRIC_FIELD = { bytes: 'network.bytes', packets: 'network.packets' } as const;

const overviewQuery = z.object({ from: baseQuery.from, to: baseQuery.to }).strict();
const topQuery = z
  .object({
    ...baseQuery,
    by: z.enum(FLOW_KEYS).default('source.ip'),
    metric: z.enum(['bytes', 'packets', 'flows']).default('bytes'),
    size: z.coerce.number().int().min(1).max(100).default(10),
  })
  .strict();
const seriesQuery = z.object({ ...baseQuery, buckets: z.coerce.number().int().min(1).max(500).default(60) }).strict();

const bucketsOf = (r: AggregationResult | undefined): Bucket[] => (r && 'buckets' in r ? r.buckets : []);
const valueOf = (r: AggregationResult | undefined): number => (r && 'value' in r ? (r.value ?? 0) : 0);

export interface Health {
  collector: () => Promise<unknown>;
  detection: () => Promise<unknown>;
}

/**
 * Top flow keys by a metric. The store ranks terms by flow count, so for bytes/packets the candidates
 * are the top keys by flow count (20× the size asked, at most 500), re-ranked by their sums: exact
 * whenever the heavy talkers are also among the frequent ones, which is the common case.
 */
export async function topFlows(store: EventStore, range: { from: Date; to: Date }, q: string | undefined, by: string, metric: 'bytes' | 'packets' | 'flows', size: number) {
  if (metric === 'flows') {
    const r = await storeCall(() => store.aggregate({ dataset: 'flows', ...(q ? { query: q } : {}), range, aggs: { k: { type: 'terms', field: by, size } } }));
    return bucketsOf(r.k).map((b) => ({ key: b.key, value: b.count }));
  }
  const field = METRIC_FIELD[metric];
  const r = await storeCall(() =>
    store.aggregate({ dataset: 'flows', ...(q ? { query: q } : {}), range, aggs: { k: { type: 'terms', field: by, size: Math.min(500, size * 20), aggs: { m: { type: 'sum', field } } } } }),
  );
  return bucketsOf(r.k)
    .map((b) => ({ key: b.key, value: valueOf(b.aggs?.m) }))
    .sort((a, b) => b.value - a.value)
    .slice(0, size);
}

async function flowSeries(store: EventStore, range: { from: Date; to: Date }, q: string | undefined, buckets: number) {
  const intervalMs = histogramInterval(range, buckets);
  const r = await storeCall(() =>
    store.aggregate({
      dataset: 'flows',
      ...(q ? { query: q } : {}),
      range,
      aggs: { t: { type: 'date_histogram', field: '@timestamp', intervalMs, aggs: { bytes: { type: 'sum', field: 'network.bytes' }, packets: { type: 'sum', field: 'network.packets' } } } },
    }),
  );
  const got = bucketsOf(r.t);
  const series = (name: 'bytes' | 'packets') => fillBuckets(range, intervalMs, got.map((b) => ({ key: b.key, count: valueOf(b.aggs?.[name]) })));
  return { intervalMs, bytes: series('bytes'), packets: series('packets') };
}

export function overviewRoutes(store: EventStore, health: Health, now: () => number): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/api/v1/overview',
      access: ['events:read'],
      tag: 'overview',
      summary: 'Dashboard figures: events and flow bytes over time, alerts by severity, incidents by status, top talkers, health',
      query: overviewQuery,
      note: 'Parts the caller may not read (flows:read, alerts:read, incidents:read) come back empty.',
      handler: async ({ req, principal }) => {
        const p = parseWith(overviewQuery, req.query);
        const range = timeRange(p.from, p.to, now());
        const intervalMs = histogramInterval(range, 60);
        const can = (perm: string) => principal.permissions.has(perm);
        const hist = { type: 'date_histogram' as const, field: '@timestamp', intervalMs };
        const [events, flows, alerts, incidents, talkers, storeHealth, collector, detection] = await Promise.all([
          timeHistogram(store, { dataset: 'events', range, intervalMs }),
          can('flows:read') ? store.aggregate({ dataset: 'flows', range, aggs: { t: { ...hist, aggs: { b: { type: 'sum', field: 'network.bytes' } } } } }) : undefined,
          can('alerts:read') ? store.aggregate({ dataset: 'alerts', range, aggs: { s: { type: 'terms', field: 'alert.severity', size: 10, aggs: { t: hist } } } }) : undefined,
          can('incidents:read') ? store.aggregate({ dataset: 'incidents', aggs: { s: { type: 'terms', field: 'incident.status', size: 10 } } }) : undefined,
          can('flows:read') ? topFlows(store, range, undefined, 'source.ip', 'bytes', 10) : undefined,
          store.health().catch((e: unknown): HealthStatus => ({ engine: 'sqlite', version: '', status: 'red', detail: String(e) })),
          health.collector().catch((e: unknown) => ({ status: 'red', detail: String(e) })),
          health.detection().catch((e: unknown) => ({ status: 'red', detail: String(e) })),
        ]);
        const fill = (b: Bucket[], count: (x: Bucket) => number = (x) => x.count) => fillBuckets(range, intervalMs, b.map((x) => ({ key: x.key, count: count(x) })));
        const byStatus = new Map(bucketsOf(incidents?.s).map((b) => [String(b.key), b.count]));
        return {
          intervalMs,
          eventsOverTime: events,
          flowBytesOverTime: fill(bucketsOf(flows?.t), (x) => valueOf(x.aggs?.b)),
          alertsBySeverity: bucketsOf(alerts?.s).map((s) => ({ severity: s.key, buckets: fill(bucketsOf(s.aggs?.t)) })),
          incidentsByStatus: incidents ? STATUSES.map((status) => ({ status, count: byStatus.get(status) ?? 0 })) : [],
          topTalkers: (talkers ?? []).map((t) => ({ ip: t.key, bytes: t.value })),
          health: { collector, store: storeHealth, detection },
        };
      },
    },
    {
      method: 'get',
      path: '/api/v1/flows/top',
      access: ['flows:read'],
      tag: 'flows',
      summary: 'Top flow keys (addresses, ports, org units) by bytes, packets or flow count',
      query: topQuery,
      handler: async ({ req }) => {
        const p = parseWith(topQuery, req.query);
        return { rows: await topFlows(store, timeRange(p.from, p.to, now()), p.q, p.by, p.metric, p.size) };
      },
    },
    {
      method: 'get',
      path: '/api/v1/flows/timeseries',
      access: ['flows:read'],
      tag: 'flows',
      summary: 'Flow bytes and packets over time',
      query: seriesQuery,
      handler: async ({ req }) => {
        const p = parseWith(seriesQuery, req.query);
        return flowSeries(store, timeRange(p.from, p.to, now()), p.q, p.buckets);
      },
    },
  ];
}
