import express, { type Router } from 'express';
import { z } from 'zod';
import { DATASETS, QuerySyntaxError, type Dataset, type EventStore } from '@emsoc/event-store/contract';
import { HttpError, parseWith, route } from '@emsoc/common/http';

const MAX_RANGE_DAYS = 400;

const searchParams = z
  .object({
    q: z.string().max(16_384).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    dataset: z.enum(DATASETS as unknown as [Dataset, ...Dataset[]]).default('events'),
    size: z.coerce.number().int().min(1).max(1000).default(100),
    sort: z.enum(['asc', 'desc']).default('desc'),
    /** Cursor from the previous page's `nextCursor` (base64url JSON). */
    cursor: z.string().max(4096).optional(),
  })
  .strict();

/** Which permission reads which dataset: flows and alerts have their own, the rest are events. */
const readPermission: Record<Dataset, string> = {
  events: 'events:read',
  flows: 'flows:read',
  alerts: 'alerts:read',
  incidents: 'incidents:read',
  audit: 'audit:read',
  reports: 'reports:read',
  deadletter: 'events:read',
};

export function timeRange(from: string | undefined, to: string | undefined): { from: Date; to: Date } {
  const end = to ? new Date(to) : new Date();
  const start = from ? new Date(from) : new Date(end.getTime() - 24 * 3600_000);
  if (start >= end) throw new HttpError(400, '"from" must be before "to"');
  if (end.getTime() - start.getTime() > MAX_RANGE_DAYS * 86_400_000) throw new HttpError(400, `time range longer than ${MAX_RANGE_DAYS} days`);
  return { from: start, to: end };
}

function decodeCursor(cursor: string | undefined): unknown[] | undefined {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length <= 4) return v;
  } catch {
    /* fall through */
  }
  throw new HttpError(400, 'invalid cursor');
}

/** Analysts' and auditors' search over any dataset they may read, with the store's query language. */
export function eventsRouter(store: EventStore): Router {
  const router = express.Router();
  router.get(
    '/api/v1/events',
    route(async (req, res) => {
      const p = parseWith(searchParams, req.query);
      const needed = readPermission[p.dataset];
      if (!res.locals.principal?.permissions.has(needed)) throw new HttpError(403, `permission ${needed} required`);
      const searchAfter = decodeCursor(p.cursor);
      try {
        const result = await store.search({
          dataset: p.dataset,
          ...(p.q ? { query: p.q } : {}),
          range: timeRange(p.from, p.to),
          sort: [{ field: '@timestamp', order: p.sort }],
          size: p.size,
          ...(searchAfter ? { searchAfter } : {}),
        });
        res.json({
          total: result.total,
          events: result.hits.map((h) => ({ _id: h.id, ...h.doc })),
          ...(result.nextCursor ? { nextCursor: Buffer.from(JSON.stringify(result.nextCursor)).toString('base64url') } : {}),
        });
      } catch (e) {
        if (e instanceof QuerySyntaxError || (e as Error)?.name === 'QuerySyntaxError') {
          const qe = e as QuerySyntaxError;
          throw new HttpError(400, qe.message, { column: qe.column, expected: qe.expected });
        }
        throw e;
      }
    }),
  );
  router.get('/api/v1/whoami', (_req, res) => {
    const p = res.locals.principal!;
    res.json({ name: p.name, roles: p.roles, via: p.via });
  });
  return router;
}
