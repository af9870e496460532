import { z } from 'zod';
import { HttpError, parseWith } from '@emsoc/common/http';
import type { EventStore } from '@emsoc/event-store/contract';
import { actorOf } from '../audit/console-audit.js';
import type { RouteSpec } from '../routes/spec.js';
import { SEVERITIES } from '@emsoc/detection';
import type { IncidentManager } from '../incidents/manager.js';
import { STATUSES } from '../incidents/model.js';
import { alertFromDocument } from '@emsoc/detection';
import { baseQuery, decodeCursor, encodeCursor, storeCall, timeRange } from '../search/params.js';

const ACCOUNT = /^[A-Za-z0-9._@-]{2,64}$/;
const alertsQuery = z
  .object({ ...baseQuery, size: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.string().max(4096).optional() })
  .strict();
const listQuery = z
  .object({
    status: z.enum(STATUSES).optional(),
    assignee: z.string().regex(ACCOUNT).optional(),
    severity: z.enum(SEVERITIES as [string, ...string[]]).optional(),
    size: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(4096).optional(),
  })
  .strict();
const patchBody = z
  .object({ status: z.enum(STATUSES).optional(), assignee: z.string().regex(ACCOUNT).nullable().optional() })
  .strict()
  .refine((b) => b.status !== undefined || b.assignee !== undefined, 'status or assignee required');
const noteBody = z.object({ text: z.string().trim().min(1).max(10_000) }).strict();

export function incidentRoutes(store: EventStore, incidents: IncidentManager, now: () => number): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/api/v1/alerts',
      access: ['alerts:read'],
      tag: 'alerts',
      summary: 'Alerts (same shape as events)',
      query: alertsQuery,
      handler: async ({ req }) => {
        const p = parseWith(alertsQuery, req.query);
        const searchAfter = decodeCursor(p.cursor);
        const r = await storeCall(() =>
          store.search({ dataset: 'alerts', ...(p.q ? { query: p.q } : {}), range: timeRange(p.from, p.to, now()), sort: [{ field: '@timestamp', order: 'desc' }], size: p.size, ...(searchAfter ? { searchAfter } : {}) }),
        );
        const nextCursor = encodeCursor(r.nextCursor);
        return { total: r.total, events: r.hits.map((h) => ({ ...h.doc, _id: h.id })), ...(nextCursor ? { nextCursor } : {}) };
      },
    },
    {
      method: 'get',
      path: '/api/v1/incidents',
      access: ['incidents:read'],
      tag: 'incidents',
      summary: 'Incidents, newest first, filtered by status, assignee, severity',
      query: listQuery,
      handler: async ({ req }) => {
        const p = parseWith(listQuery, req.query);
        // Values are validated against closed sets / the account-name shape above, so quoting is enough.
        const clauses = [p.status && `incident.status:"${p.status}"`, p.assignee && `incident.assignee:"${p.assignee}"`, p.severity && `incident.severity:"${p.severity}"`].filter(Boolean);
        const searchAfter = decodeCursor(p.cursor);
        const r = await storeCall(() =>
          store.search({ dataset: 'incidents', ...(clauses.length ? { query: clauses.join(' AND ') } : {}), sort: [{ field: '@timestamp', order: 'desc' }], size: p.size, ...(searchAfter ? { searchAfter } : {}) }),
        );
        const nextCursor = encodeCursor(r.nextCursor);
        return {
          total: r.total,
          incidents: r.hits.map((h) => {
            const { history: _h, notes, alertIds: _a, eventIds: _e, ...summary } = h.doc.incident as Record<string, unknown> & { notes: unknown[] };
            return { ...summary, notesCount: notes?.length ?? 0 };
          }),
          ...(nextCursor ? { nextCursor } : {}),
        };
      },
    },
    {
      method: 'get',
      path: '/api/v1/incidents/:id',
      access: ['incidents:read'],
      tag: 'incidents',
      summary: 'One incident with its alerts, history and notes',
      handler: async ({ req, principal }) => {
        const rec = await incidents.get(String(req.params.id));
        if (!rec) throw new HttpError(404, 'no such incident');
        // Alert details only for those who may read alerts; the ids are part of the incident either way.
        const alerts = principal.permissions.has('alerts:read')
          ? await Promise.all(
              rec.alertIds.slice(-200).map(async (id) => {
                const doc = await store.get('alerts', id);
                const a = doc && alertFromDocument(id, doc);
                return a ? { id, rule: a.rule.id, title: a.rule.title, severity: a.severity, time: a.timestamp, eventIds: a.eventIds } : { id };
              }),
            )
          : rec.alertIds.map((id) => ({ id }));
        return { ...rec, alerts };
      },
    },
    {
      method: 'patch',
      path: '/api/v1/incidents/:id',
      access: ['incidents:write'],
      tag: 'incidents',
      summary: 'Changes status (new → triaged → in_progress → resolved | false_positive) and/or assignee',
      body: patchBody,
      handler: async ({ req, res }) => {
        const b = parseWith(patchBody, req.body);
        return incidents.update(String(req.params.id), { ...(b.status ? { status: b.status } : {}), ...(b.assignee !== undefined ? { assignee: b.assignee } : {}) }, actorOf(req, res));
      },
    },
    {
      method: 'post',
      path: '/api/v1/incidents/:id/notes',
      access: ['incidents:write'],
      tag: 'incidents',
      summary: 'Adds a note to an incident',
      body: noteBody,
      status: 201,
      handler: async ({ req, res }) => incidents.addNote(String(req.params.id), parseWith(noteBody, req.body).text, actorOf(req, res)),
    },
  ];
}
