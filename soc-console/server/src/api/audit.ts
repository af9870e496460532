import { z } from 'zod';
import { parseWith } from '@emsoc/common/http';
import type { EventStore } from '@emsoc/event-store/contract';
import { actorOf, type ConsoleAudit } from '../audit/console-audit.js';
import type { RouteSpec } from '../routes/spec.js';
import type { RaClient } from '../ra/proxy.js';
import { baseQuery, decodeCursor, encodeCursor, storeCall, timeRange } from '../search/params.js';

const auditQuery = z
  .object({ ...baseQuery, size: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.string().max(4096).optional() })
  .strict();

interface ChainStatus {
  ok: boolean;
  records: number;
  brokenAt?: number;
  problems?: { seq: number; problem: string }[];
  error?: string;
}

export function auditRoutes(store: EventStore, audit: ConsoleAudit, ra: RaClient, now: () => number): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/api/v1/audit',
      access: ['audit:read'],
      tag: 'audit',
      summary: 'Console audit records (sign-ins, searches, exports, changes), searchable with the query language',
      query: auditQuery,
      note: 'Reads the audit dataset restricted to event.module:console; the hash chain itself is checked by audit/verify.',
      handler: async ({ req }) => {
        const p = parseWith(auditQuery, req.query);
        await audit.forward();
        const searchAfter = decodeCursor(p.cursor);
        const query = p.q?.trim() ? `event.module:console AND (${p.q})` : 'event.module:console';
        const r = await storeCall(() =>
          store.search({ dataset: 'audit', query, range: timeRange(p.from, p.to, now()), sort: [{ field: '@timestamp', order: 'desc' }], size: p.size, ...(searchAfter ? { searchAfter } : {}) }),
        );
        const nextCursor = encodeCursor(r.nextCursor);
        return { total: r.total, events: r.hits.map((h) => ({ ...h.doc, _id: h.id })), ...(nextCursor ? { nextCursor } : {}) };
      },
    },
    {
      method: 'get',
      path: '/api/v1/audit/verify',
      access: ['audit:verify'],
      tag: 'audit',
      summary: 'Verifies the console audit chain (and the RA’s, through the RA service) for modification, deletion and reordering',
      handler: async ({ req, res }) => {
        const report = await audit.trail.verify();
        const consoleStatus: ChainStatus = { ok: report.ok, records: report.records, ...(report.brokenAt !== undefined ? { brokenAt: report.brokenAt } : {}), problems: report.problems.slice(0, 20) };
        let raStatus: ChainStatus;
        try {
          const r = await ra.request({ method: 'POST', path: '/api/v1/audit/verify', body: Buffer.from('{}'), contentType: 'application/json' }, req, res);
          const body = JSON.parse(r.body.toString('utf8')) as { ok?: boolean; records?: number; problems?: { seq: number; problem: string }[]; error?: string };
          raStatus =
            r.status === 200
              ? { ok: body.ok === true, records: body.records ?? 0, ...(body.problems?.length ? { brokenAt: Math.min(...body.problems.map((x) => x.seq)), problems: body.problems.slice(0, 20) } : {}) }
              : { ok: false, records: 0, error: `RA answered ${r.status}: ${body.error ?? ''}`.trim() };
        } catch (e) {
          raStatus = { ok: false, records: 0, error: `RA not reachable: ${(e as Error).message}` };
        }
        audit.record({ eventType: 'audit.verified', objectType: 'audit', objectId: 'chain', outcome: report.ok ? 'success' : 'failure', actor: actorOf(req, res), details: { records: report.records, brokenAt: report.brokenAt ?? null, ra: raStatus.ok } });
        return { console: consoleStatus, ra: raStatus };
      },
    },
  ];
}
