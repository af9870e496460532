/**
 * Periodic summaries, computed through the event-store contract only (works on SQLite and on
 * Elasticsearch/OpenSearch alike): events by category/dataset/source type, flow volume with top talkers
 * and top org units, alerts by severity and rule, incidents (opened, open, resolved, time to triage and
 * resolve), store and collector health, and the RA's certificate activity.
 */
import https from 'node:https';
import type { AggregationResult, Bucket, EventStore, TimeRange } from '@emsoc/event-store/contract';

const TOP = 10;

export interface HealthProbe {
  status: 'green' | 'yellow' | 'red' | 'disabled' | 'unknown';
  detail?: string;
}

const buckets = (r: AggregationResult | undefined): Bucket[] => (r && 'buckets' in r ? r.buckets : []);
const value = (r: AggregationResult | undefined): number => (r && 'value' in r && typeof r.value === 'number' ? r.value : 0);
const terms = (r: AggregationResult | undefined) => buckets(r).map((b) => ({ key: b.key, count: b.count }));

async function eventFigures(store: EventStore, range: TimeRange) {
  const [total, aggs] = await Promise.all([
    store.count({ dataset: 'events', range }),
    store.aggregate({
      dataset: 'events',
      range,
      aggs: {
        category: { type: 'terms', field: 'event.category', size: 20 },
        dataset: { type: 'terms', field: 'event.dataset', size: 20 },
        sourceType: { type: 'terms', field: 'observer.type', size: 20 },
      },
    }),
  ]);
  return { total, byCategory: terms(aggs.category), byDataset: terms(aggs.dataset), bySourceType: terms(aggs.sourceType) };
}

async function flowFigures(store: EventStore, range: TimeRange) {
  const volume = (field: string) => ({ type: 'terms' as const, field, size: TOP, aggs: { bytes: { type: 'sum' as const, field: 'network.bytes' }, packets: { type: 'sum' as const, field: 'network.packets' } } });
  const [flows, aggs] = await Promise.all([
    store.count({ dataset: 'flows', range }),
    store.aggregate({
      dataset: 'flows',
      range,
      aggs: {
        bytes: { type: 'sum', field: 'network.bytes' },
        packets: { type: 'sum', field: 'network.packets' },
        talkers: volume('source.ip'),
        orgUnits: volume('source.asset.org_unit'),
      },
    }),
  ]);
  const rows = (r: AggregationResult | undefined) =>
    buckets(r)
      .map((b) => ({ key: b.key, bytes: value(b.aggs?.bytes), packets: value(b.aggs?.packets), flows: b.count }))
      .sort((a, b) => b.bytes - a.bytes || b.flows - a.flows);
  return { flows, bytes: value(aggs.bytes), packets: value(aggs.packets), topTalkers: rows(aggs.talkers), topOrgUnits: rows(aggs.orgUnits) };
}

async function alertFigures(store: EventStore, range: TimeRange) {
  const [total, aggs] = await Promise.all([
    store.count({ dataset: 'alerts', range }),
    store.aggregate({ dataset: 'alerts', range, aggs: { severity: { type: 'terms', field: 'alert.severity', size: 10 }, rule: { type: 'terms', field: 'rule.id', size: 20 } } }),
  ]);
  return { total, bySeverity: terms(aggs.severity), byRule: terms(aggs.rule) };
}

interface IncidentLike {
  status?: string;
  createdAt?: string;
  triagedAt?: string | null;
  resolvedAt?: string | null;
  timeToTriageMs?: number | null;
  timeToResolveMs?: number | null;
}

/** Incident records are few: read them (last 90 days of first sightings) and count in code. */
export async function incidentFigures(store: EventStore, range: TimeRange, now = Date.now()) {
  const inRange = (t: string | null | undefined) => !!t && Date.parse(t) >= range.from.getTime() && Date.parse(t) < range.to.getTime();
  const out = { opened: 0, open: 0, inProgress: 0, resolved: 0, falsePositive: 0, meanTimeToTriageMs: null as number | null, meanTimeToResolveMs: null as number | null };
  const triage: number[] = [];
  const resolve: number[] = [];
  let cursor: unknown[] | undefined;
  for (let page = 0; page < 50; page++) {
    const res = await store.search({ dataset: 'incidents', range: { from: new Date(now - 90 * 86_400_000), to: new Date(Math.max(now, range.to.getTime()) + 1) }, sort: [{ field: '@timestamp', order: 'asc' }], size: 1000, ...(cursor ? { searchAfter: cursor } : {}) });
    for (const h of res.hits) {
      const i = (h.doc.incident ?? {}) as IncidentLike;
      if (inRange(i.createdAt)) out.opened++;
      if (i.status === 'new' || i.status === 'triaged' || i.status === 'in_progress') out.open++;
      if (i.status === 'in_progress') out.inProgress++;
      if (inRange(i.resolvedAt)) {
        if (i.status === 'false_positive') out.falsePositive++;
        else out.resolved++;
        if (typeof i.timeToResolveMs === 'number') resolve.push(i.timeToResolveMs);
      }
      if (inRange(i.triagedAt) && typeof i.timeToTriageMs === 'number') triage.push(i.timeToTriageMs);
    }
    if (!res.nextCursor || res.hits.length === 0) break;
    cursor = res.nextCursor;
  }
  const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : null);
  out.meanTimeToTriageMs = mean(triage);
  out.meanTimeToResolveMs = mean(resolve);
  return out;
}

async function certificateFigures(store: EventStore, range: TimeRange) {
  const aggs = await store.aggregate({ dataset: 'events', range, query: 'event.dataset:ra.audit', aggs: { action: { type: 'terms', field: 'event.action', size: 50 } } });
  const n = (a: string) => buckets(aggs.action).find((b) => b.key === a)?.count ?? 0;
  return { issued: n('certificate.issued'), revoked: n('certificate.revoked'), suspended: n('certificate.suspended'), resumed: n('certificate.resumed') + n('certificate.reinstated') };
}

export async function storeHealth(store: EventStore): Promise<HealthProbe> {
  try {
    const h = await store.health();
    return { status: h.status, detail: `${h.engine} ${h.version}${h.detail ? `: ${h.detail}` : ''}`.slice(0, 1000) };
  } catch (e) {
    return { status: 'red', detail: String((e as Error).message).slice(0, 1000) };
  }
}

/** GET <url>/healthz of the collector (HTTPS, our CA). */
export function collectorHealth(url: string | undefined, ca: string): Promise<HealthProbe> {
  if (!url) return Promise.resolve({ status: 'disabled' });
  return new Promise((resolve) => {
    const req = https.get(url, { ca, timeout: 3000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text.length < 65536 ? (text += c) : undefined));
      res.on('end', () => {
        try {
          const j = JSON.parse(text) as { status?: string };
          resolve(res.statusCode === 200 && j.status === 'ok' ? { status: 'green' } : { status: 'red', detail: `HTTP ${res.statusCode} ${j.status ?? ''}`.trim() });
        } catch {
          resolve({ status: 'red', detail: `HTTP ${res.statusCode}` });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 'red', detail: e.message.slice(0, 1000) }));
  });
}

export interface SummaryInputs {
  store: EventStore;
  collectorHealth: () => Promise<HealthProbe>;
}

export async function computeSummary(schedule: string, range: TimeRange, inputs: SummaryInputs, now = Date.now()): Promise<Record<string, unknown>> {
  const [events, flows, alerts, incidents, store, collector, certificates] = await Promise.all([
    eventFigures(inputs.store, range),
    flowFigures(inputs.store, range),
    alertFigures(inputs.store, range),
    incidentFigures(inputs.store, range, now),
    storeHealth(inputs.store),
    inputs.collectorHealth(),
    certificateFigures(inputs.store, range),
  ]);
  return { schedule, events, flows, alerts, incidents, health: { store, collector }, certificates };
}

/** Periods end on multiples of the interval in the local time of `timezone` (daily: local midnight). */
export function periodEnding(nowMs: number, everySeconds: number, timezone: string): { from: Date; to: Date } {
  const offsetMs = zoneOffsetMs(nowMs, timezone);
  const step = everySeconds * 1000;
  const toLocal = Math.floor((nowMs + offsetMs) / step) * step;
  const to = toLocal - offsetMs;
  return { from: new Date(to - step), to: new Date(to) };
}

/** Offset of `timezone` from UTC at that instant (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(atMs: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(atMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return local - Math.floor(atMs / 1000) * 1000;
}
