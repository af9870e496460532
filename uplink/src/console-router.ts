/**
 * The reports views of the console API (permission `reports:read`), as an express Router the console
 * server mounts after its authentication middleware (which sets `res.locals.principal`):
 *   GET /api/v1/reports/outbox           what this unit queued/sent to its superior unit (outbox state)
 *   GET /api/v1/reports/received         reports accepted from lower units (reports dataset)
 *   GET /api/v1/reports/received/:id     one report with its signed message
 *   GET /api/v1/reports/units            per-unit view: latest summary figures side by side, trends,
 *                                        incidents across units
 * The outbox is read from <dataDir>/uplink/outbox.db (read-only, WAL: safe beside the writing process).
 */
import fs from 'node:fs';
import express, { type Router } from 'express';
import { z } from 'zod';
import { HttpError, parseWith, requirePermission, route } from '@emsoc/common/http';
import type { EventStore, SearchHit } from '@emsoc/event-store/contract';
import { Outbox, outboxPath, type OutboxState } from './outbox.js';

export interface ConsoleRouterOptions {
  store: EventStore;
  dataDir: string;
  permission?: string;
  now?: () => number;
}

const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time');

const receivedQuery = z
  .object({
    unit: z.string().max(64).optional(),
    type: z.enum(['summary', 'incident', 'records']).optional(),
    from: iso.optional(),
    to: iso.optional(),
    size: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(2000).optional(),
  })
  .strict();

function receivedItem(h: SearchHit) {
  const d = h.doc as Record<string, any>;
  return {
    id: h.id,
    unit: d.uplink?.unit,
    type: d.uplink?.type,
    seq: d.uplink?.seq,
    schema: d.event?.action,
    period: { from: d.event?.start, to: d.event?.end },
    createdAt: d.event?.created,
    receivedAt: d.event?.ingested,
    certificate: d.uplink?.certificate,
    ...(d.uplink?.summary ? { summary: d.uplink.summary } : {}),
    ...(d.uplink?.incident ? { incident: d.uplink.incident } : {}),
    ...(d.uplink?.records ? { records: d.uplink.records } : {}),
  };
}

export function uplinkConsoleRouter(o: ConsoleRouterOptions): Router {
  const router = express.Router();
  const guard = requirePermission(o.permission ?? 'reports:read');
  const now = o.now ?? Date.now;
  let outbox: Outbox | undefined;
  const openOutbox = () => {
    if (outbox) return outbox;
    const file = outboxPath(o.dataDir);
    if (!fs.existsSync(file)) return undefined;
    outbox = new Outbox(file, { readonly: true });
    return outbox;
  };

  router.get(
    '/api/v1/reports/outbox',
    guard,
    route(async (req, res) => {
      const q = parseWith(z.object({ state: z.enum(['pending', 'acked', 'rejected']).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100), beforeSeq: z.coerce.number().int().min(1).optional() }).strict(), req.query);
      const ob = openOutbox();
      if (!ob) return void res.json({ counts: { pending: 0, acked: 0, rejected: 0, oldestPendingAt: null }, items: [], note: 'this unit has not queued any report (no superior unit configured?)' });
      res.json({ counts: ob.counts(), items: ob.list({ limit: q.limit, ...(q.state ? { state: q.state as OutboxState } : {}), ...(q.beforeSeq ? { beforeSeq: q.beforeSeq } : {}) }) });
    }),
  );

  router.get(
    '/api/v1/reports/received',
    guard,
    route(async (req, res) => {
      const q = parseWith(receivedQuery, req.query);
      const parts = ['event.dataset:uplink.report'];
      if (q.unit) parts.push(`uplink.unit.id:${quote(q.unit)}`);
      if (q.type) parts.push(`uplink.type:${q.type}`);
      let searchAfter: unknown[] | undefined;
      if (q.cursor) {
        try {
          searchAfter = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')) as unknown[];
        } catch {
          throw new HttpError(400, 'invalid cursor');
        }
      }
      const to = q.to ? new Date(q.to) : new Date(now() + 86_400_000);
      const from = q.from ? new Date(q.from) : new Date(0);
      const r = await o.store.search({ dataset: 'reports', query: parts.join(' AND '), range: { from, to }, size: q.size, sort: [{ field: '@timestamp', order: 'desc' }], ...(searchAfter ? { searchAfter } : {}) });
      res.json({ total: r.total, items: r.hits.map(receivedItem), ...(r.nextCursor ? { nextCursor: Buffer.from(JSON.stringify(r.nextCursor)).toString('base64url') } : {}) });
    }),
  );

  router.get(
    '/api/v1/reports/received/:id',
    guard,
    route(async (req, res) => {
      const id = String(req.params.id);
      if (!/^[0-9a-f-]{36}$/.test(id)) throw new HttpError(400, 'report ids are UUIDs');
      const doc = await o.store.get('reports', id);
      if (!doc) throw new HttpError(404, 'no such report');
      const original = (doc.event as { original?: string } | undefined)?.original;
      res.json({ ...receivedItem({ id, doc, sort: [] }), signed: original ? JSON.parse(original) : null });
    }),
  );

  router.get(
    '/api/v1/reports/units',
    guard,
    route(async (req, res) => {
      const q = parseWith(z.object({ from: iso.optional(), to: iso.optional(), schedule: z.string().max(32).optional(), points: z.coerce.number().int().min(1).max(500).default(48) }).strict(), req.query);
      const range = { from: q.from ? new Date(q.from) : new Date(now() - 7 * 86_400_000), to: q.to ? new Date(q.to) : new Date(now() + 86_400_000) };
      const byUnit = await o.store.aggregate({ dataset: 'reports', query: 'event.dataset:uplink.report', range, aggs: { units: { type: 'terms', field: 'uplink.unit.id', size: 500 } } });
      const unitIds = ('buckets' in byUnit.units! ? byUnit.units.buckets : []).map((b) => String(b.key));
      const units = await Promise.all(
        unitIds.map(async (unit) => {
          const sq = [`event.dataset:uplink.report`, `uplink.unit.id:${quote(unit)}`, 'uplink.type:summary', ...(q.schedule ? [`uplink.summary.schedule:${quote(q.schedule)}`] : [])].join(' AND ');
          const [summaries, incidents, last] = await Promise.all([
            o.store.search({ dataset: 'reports', query: sq, range, size: q.points, sort: [{ field: '@timestamp', order: 'desc' }] }),
            o.store.search({ dataset: 'reports', query: `event.dataset:uplink.report AND uplink.unit.id:${quote(unit)} AND uplink.type:incident`, range, size: 500, sort: [{ field: '@timestamp', order: 'desc' }] }),
            o.store.search({ dataset: 'reports', query: `event.dataset:uplink.report AND uplink.unit.id:${quote(unit)}`, range, size: 1, sort: [{ field: 'event.ingested', order: 'desc' }] }),
          ]);
          const latest = summaries.hits[0] ? receivedItem(summaries.hits[0]) : undefined;
          const seen = new Map<string, ReturnType<typeof receivedItem>>();
          for (const h of incidents.hits) {
            const it = receivedItem(h);
            const key = String(it.incident?.id);
            const prev = seen.get(key);
            if (!prev || (it.seq ?? 0) > (prev.seq ?? 0)) seen.set(key, it);
          }
          const lastItem = last.hits[0] ? receivedItem(last.hits[0]) : undefined;
          return {
            unit,
            name: lastItem?.unit?.name ?? unit,
            lastSeq: lastItem?.seq ?? null,
            lastReportAt: lastItem?.receivedAt ?? null,
            latest: latest ? { period: latest.period, ...latest.summary } : null,
            trend: summaries.hits
              .map(receivedItem)
              .reverse()
              .map((s) => ({ at: s.period.to, events: s.summary?.events_total ?? 0, alerts: s.summary?.alerts_total ?? 0, flowBytes: s.summary?.flow_bytes ?? 0, incidentsOpen: s.summary?.incidents_open ?? 0 })),
            incidents: [...seen.values()].map((i) => ({ ...i.incident, unit, reportedAt: i.receivedAt, seq: i.seq })),
          };
        }),
      );
      const incidents = units.flatMap((u) => u.incidents).sort((a, b) => String(b.reportedAt).localeCompare(String(a.reportedAt)));
      res.json({ range: { from: range.from.toISOString(), to: range.to.toISOString() }, units: units.map(({ incidents: _i, ...u }) => ({ ...u, openIncidents: _i.filter((i) => i.status !== 'resolved' && i.status !== 'false_positive').length })), incidents });
    }),
  );
  return router;
}
