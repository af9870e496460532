import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Response } from 'express';
import { z } from 'zod';
import { HttpError, parseWith } from '@emsoc/common/http';
import type { Dataset, EventStore } from '@emsoc/event-store/contract';
import { actorOf, type ConsoleAudit } from '../audit/console-audit.js';
import type { RouteSpec } from '../routes/spec.js';
import { csvRow, fieldOf } from '../search/csv.js';
import { timeHistogram } from '../search/histogram.js';
import { firstScreen } from '../search/first-screen.js';
import { baseQuery, datasetParam, decodeCursor, encodeCursor, histogramInterval, requireDataset, storeCall, timeRange } from '../search/params.js';

const searchQuery = z
  .object({
    ...baseQuery,
    dataset: datasetParam,
    size: z.coerce.number().int().min(1).max(1000).default(100),
    sort: z.enum(['asc', 'desc']).default('desc'),
    /** `nextCursor` of the previous page. */
    cursor: z.string().max(4096).optional(),
  })
  .strict();
const firstScreenQuery = z
  .object({
    ...baseQuery,
    dataset: datasetParam,
    size: z.coerce.number().int().min(1).max(1000).default(100),
    sort: z.enum(['asc', 'desc']).default('desc'),
    buckets: z.coerce.number().int().min(1).max(500).default(60),
  })
  .strict();
const histogramQuery = z.object({ ...baseQuery, dataset: datasetParam, buckets: z.coerce.number().int().min(1).max(500).default(60) }).strict();
const fieldList = z.string().max(2048).regex(/^[A-Za-z0-9_.@]+(,[A-Za-z0-9_.@]+)*$/, 'comma-separated field names');
const fieldsQuery = z.object({ ...baseQuery, dataset: datasetParam, fields: fieldList, size: z.coerce.number().int().min(1).max(50).default(5) }).strict();
const exportQuery = z
  .object({
    ...baseQuery,
    dataset: datasetParam,
    format: z.enum(['csv', 'ndjson']).default('ndjson'),
    /** CSV columns (default: a common ECS set); NDJSON always carries whole documents. */
    fields: fieldList.optional(),
    limit: z.coerce.number().int().min(1).max(1_000_000).default(1_000_000),
  })
  .strict();
const savedBody = z.object({ name: z.string().trim().min(1).max(128), q: z.string().max(16_384), dataset: datasetParam }).strict();

export const DEFAULT_CSV_FIELDS = ['@timestamp', 'event.dataset', 'event.action', 'event.outcome', 'source.ip', 'source.port', 'destination.ip', 'destination.port', 'user.name', 'host.hostname', 'message'];
const EXPORT_PAGE = 1000;

/** Pages through a search with search_after; at most one page is held in memory. */
export async function* pagedHits(store: EventStore, req: { dataset: Dataset; query?: string; range: { from: Date; to: Date }; order?: 'asc' | 'desc' }, limit: number) {
  let cursor: unknown[] | undefined;
  let sent = 0;
  while (sent < limit) {
    const page = await store.search({
      dataset: req.dataset,
      ...(req.query ? { query: req.query } : {}),
      range: req.range,
      sort: [{ field: '@timestamp', order: req.order ?? 'desc' }],
      size: Math.min(EXPORT_PAGE, limit - sent),
      ...(cursor ? { searchAfter: cursor } : {}),
    });
    for (const h of page.hits) yield h;
    sent += page.hits.length;
    if (!page.nextCursor || page.hits.length === 0) return;
    cursor = page.nextCursor;
  }
}

/** JSON with < > & escaped, as `json escape` does for res.json: event fields carry attacker-controlled text. */
const inertJson = (v: unknown) => JSON.stringify(v).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Writes a chunk, waiting when the client reads slower than we produce (bounded memory). */
function write(res: Response, chunk: string): Promise<void> {
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', closed);
      resolve();
    };
    const closed = () => {
      res.off('drain', done);
      reject(new Error('client went away'));
    };
    res.once('drain', done);
    res.once('close', closed);
  });
}

export function searchRoutes(store: EventStore, db: Database.Database, audit: ConsoleAudit, now: () => number): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/api/v1/events',
      access: ['events:read'],
      tag: 'search',
      summary: 'Search a dataset with the query language; cursor paging (search_after)',
      query: searchQuery,
      note: 'Each dataset also needs its read permission (flows:read, alerts:read, audit:read...). First pages are audited with their query.',
      handler: async ({ req, res, principal }) => {
        const p = parseWith(searchQuery, req.query);
        requireDataset(principal, p.dataset);
        const range = timeRange(p.from, p.to, now());
        const searchAfter = decodeCursor(p.cursor);
        const result = await storeCall(() =>
          store.search({ dataset: p.dataset, ...(p.q ? { query: p.q } : {}), range, sort: [{ field: '@timestamp', order: p.sort }], size: p.size, ...(searchAfter ? { searchAfter } : {}) }),
        );
        if (!searchAfter) {
          audit.record({ eventType: 'search.executed', objectType: 'dataset', objectId: p.dataset, outcome: 'success', actor: actorOf(req, res), details: { query: p.q ?? '', from: range.from.toISOString(), to: range.to.toISOString(), total: result.total } });
        }
        const nextCursor = encodeCursor(result.nextCursor);
        return { total: result.total, events: result.hits.map((h) => ({ ...h.doc, _id: h.id })), ...(nextCursor ? { nextCursor } : {}) };
      },
    },
    {
      method: 'get',
      path: '/api/v1/events/first-screen',
      access: ['events:read'],
      tag: 'search',
      summary: 'What the search screen shows first, in one call: histogram + hit count, then the first page (NDJSON, two lines)',
      query: firstScreenQuery,
      produces: ['application/x-ndjson'],
      note: 'Line 1: {"type":"histogram","total","intervalMs","buckets"}, sent as soon as it is known; line 2: {"type":"page","total","events","nextCursor?"} (page further with GET /events?cursor=). Field top values are not included: ask /events/fields after rendering. Audited like a first page of /events.',
      handler: async ({ req, res, principal }) => {
        const p = parseWith(firstScreenQuery, req.query);
        requireDataset(principal, p.dataset);
        const range = timeRange(p.from, p.to, now());
        const intervalMs = histogramInterval(range, p.buckets);
        const send = (line: unknown) => write(res, inertJson(line) + '\n');
        const started = () => {
          if (res.headersSent) return;
          res.status(200);
          res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
          res.setHeader('Cache-Control', 'no-store');
          res.flushHeaders();
        };
        const r = await firstScreen(store, { dataset: p.dataset, ...(p.q ? { query: p.q } : {}), range, order: p.sort, size: p.size, intervalMs }, async (h) => {
          // A bad query fails on the histogram, before the status line: the client gets an ordinary 400.
          started();
          await send({ type: 'histogram', total: h.total, intervalMs, buckets: h.buckets });
        });
        audit.record({ eventType: 'search.executed', objectType: 'dataset', objectId: p.dataset, outcome: 'success', actor: actorOf(req, res), details: { query: p.q ?? '', from: range.from.toISOString(), to: range.to.toISOString(), total: r.total } });
        const nextCursor = encodeCursor(r.page.nextCursor);
        await send({ type: 'page', total: r.total, events: r.page.hits.map((h) => ({ ...h.doc, _id: h.id })), ...(nextCursor ? { nextCursor } : {}) });
        res.end();
        return undefined;
      },
    },
    {
      method: 'get',
      path: '/api/v1/events/histogram',
      access: ['events:read'],
      tag: 'search',
      summary: 'Hit counts over time for a query (empty buckets included)',
      query: histogramQuery,
      handler: async ({ req, principal }) => {
        const p = parseWith(histogramQuery, req.query);
        requireDataset(principal, p.dataset);
        const range = timeRange(p.from, p.to, now());
        const intervalMs = histogramInterval(range, p.buckets);
        return { intervalMs, buckets: await timeHistogram(store, { dataset: p.dataset, ...(p.q ? { query: p.q } : {}), range, intervalMs }) };
      },
    },
    {
      method: 'get',
      path: '/api/v1/events/fields',
      access: ['events:read'],
      tag: 'search',
      summary: 'Top values of some fields for a query',
      query: fieldsQuery,
      handler: async ({ req, principal }) => {
        const p = parseWith(fieldsQuery, req.query);
        requireDataset(principal, p.dataset);
        const names = [...new Set(p.fields.split(','))];
        if (names.length > 20) throw new HttpError(400, 'at most 20 fields');
        const range = timeRange(p.from, p.to, now());
        const aggs = Object.fromEntries(names.map((f, i) => [`f${i}`, { type: 'terms' as const, field: f, size: p.size }]));
        const r = await storeCall(() => store.aggregate({ dataset: p.dataset, ...(p.q ? { query: p.q } : {}), range, aggs }));
        const fields: Record<string, { value: string | number; count: number }[]> = {};
        names.forEach((f, i) => {
          const a = r[`f${i}`];
          fields[f] = a && 'buckets' in a ? a.buckets.map((b) => ({ value: b.key, count: b.count })) : [];
        });
        return { fields };
      },
    },
    {
      method: 'get',
      path: '/api/v1/events/export',
      access: ['events:read'],
      tag: 'search',
      summary: 'Streams every hit of a query as CSV or NDJSON; X-Total-Count announces the row count',
      query: exportQuery,
      produces: ['text/csv', 'application/x-ndjson'],
      note: 'The audit dataset additionally needs audit:export. Exports are audited.',
      handler: async ({ req, res, principal }) => {
        const p = parseWith(exportQuery, req.query);
        requireDataset(principal, p.dataset);
        if (p.dataset === 'audit' && !principal.permissions.has('audit:export')) throw new HttpError(403, 'permission audit:export required');
        const range = timeRange(p.from, p.to, now());
        const total = Math.min(p.limit, await storeCall(() => store.count({ dataset: p.dataset, ...(p.q ? { query: p.q } : {}), range })));
        // Validate the query and fields before the status line goes out.
        const columns = p.fields ? p.fields.split(',') : DEFAULT_CSV_FIELDS;
        audit.record({ eventType: 'search.exported', objectType: 'dataset', objectId: p.dataset, outcome: 'success', actor: actorOf(req, res), details: { query: p.q ?? '', format: p.format, rows: total, from: range.from.toISOString(), to: range.to.toISOString() } });
        const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
        res.status(200);
        res.setHeader('Content-Type', p.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="${p.dataset}-${stamp}.${p.format === 'csv' ? 'csv' : 'ndjson'}"`);
        res.setHeader('X-Total-Count', String(total));
        res.setHeader('Access-Control-Expose-Headers', 'X-Total-Count');
        if (p.format === 'csv') await write(res, '\uFEFF' + csvRow(['_id', ...columns]));
        let buf = '';
        for await (const h of pagedHits(store, { dataset: p.dataset, ...(p.q ? { query: p.q } : {}), range }, total)) {
          buf += p.format === 'csv' ? csvRow([h.id, ...columns.map((c) => fieldOf(h.doc, c))]) : JSON.stringify({ ...h.doc, _id: h.id }) + '\n';
          if (buf.length >= 64 * 1024) {
            await write(res, buf);
            buf = '';
          }
        }
        if (buf) await write(res, buf);
        res.end();
        return undefined;
      },
    },
    {
      method: 'get',
      path: '/api/v1/saved-searches',
      access: ['events:read'],
      tag: 'search',
      summary: "The caller's saved searches",
      handler: ({ principal }) => ({
        items: db.prepare('SELECT id, name, q, dataset, created_at AS createdAt FROM saved_searches WHERE account_id = ? ORDER BY name').all(principal.accountId),
      }),
    },
    {
      method: 'post',
      path: '/api/v1/saved-searches',
      access: ['searches:write'],
      tag: 'search',
      summary: 'Saves a search for the caller',
      body: savedBody,
      status: 201,
      handler: ({ req, res, principal }) => {
        const b = parseWith(savedBody, req.body);
        requireDataset(principal, b.dataset);
        const n = db.prepare('SELECT count(*) FROM saved_searches WHERE account_id = ?').pluck().get(principal.accountId) as number;
        if (n >= 500) throw new HttpError(409, 'at most 500 saved searches per account');
        const item = { id: randomUUID(), name: b.name, q: b.q, dataset: b.dataset, createdAt: new Date(now()).toISOString() };
        db.prepare('INSERT INTO saved_searches (id, account_id, name, q, dataset, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(item.id, principal.accountId, item.name, item.q, item.dataset, item.createdAt);
        audit.record({ eventType: 'search.saved', objectType: 'saved-search', objectId: item.id, outcome: 'success', actor: actorOf(req, res), details: { name: item.name, query: item.q, dataset: item.dataset } });
        return item;
      },
    },
    {
      method: 'delete',
      path: '/api/v1/saved-searches/:id',
      access: ['searches:write'],
      tag: 'search',
      summary: 'Deletes one of the caller’s saved searches',
      status: 204,
      handler: ({ req, res, principal }) => {
        const id = String(req.params.id);
        const r = db.prepare('DELETE FROM saved_searches WHERE id = ? AND account_id = ?').run(id, principal.accountId);
        if (r.changes === 0) throw new HttpError(404, 'no such saved search');
        audit.record({ eventType: 'search.deleted', objectType: 'saved-search', objectId: id, outcome: 'success', actor: actorOf(req, res) });
        res.status(204).end();
        return undefined;
      },
    },
  ];
}
