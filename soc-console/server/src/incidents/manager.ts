import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { groupIntoIncidents, type Alert } from '@emsoc/detection';
import type { EventStore } from '@emsoc/event-store/contract';
import { HttpError } from '@emsoc/common/http';
import type { AuditActor } from '@emsoc/common/audit';
import { kvGet, kvSet } from '../db.js';
import type { ConsoleAudit } from '../audit/console-audit.js';
import { alertFromDocument } from '@emsoc/detection';
import { CLOSED, TRANSITIONS, incidentFromDocument, incidentToDocument, type IncidentRecord, type IncidentStatus } from './model.js';

const CURSOR_KEY = 'incidents.alerts-cursor';
const RANK: Record<Alert['severity'], number> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };
const MAX_IDS = 1000;
const MAX_NOTES = 1000;

export interface IncidentManagerOptions {
  store: EventStore;
  db: Database.Database;
  audit: ConsoleAudit;
  logger: Logger;
  now: () => number;
  /** Alerts of the same rule and entity further apart than this start a new incident (default 1 h). */
  windowMs?: number;
  pollMs?: number;
}

/**
 * The single writer of incidents. It tails the `alerts` dataset in `event.ingested` order from a
 * persisted cursor, groups new alerts by rule + entity (the detection package's grouping) into open
 * incidents, and applies analysts' changes; every write of an incident goes through one queue, so the
 * tailer and analysts never overwrite each other.
 */
export class IncidentManager {
  /** rule \0 entity → open incident id and last alert time. */
  private readonly open = new Map<string, { id: string; lastSeen: number }>();
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  stats = { alertsRead: 0, unreadable: 0, incidentsCreated: 0, incidentsUpdated: 0 };

  constructor(private readonly o: IncidentManagerOptions) {}

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async start(): Promise<void> {
    await this.exclusive(() => this.loadOpen());
    const loop = async () => {
      if (this.stopped) return;
      await this.poll().catch((e: unknown) => this.o.logger.warn({ err: (e as Error).message }, 'incident tailer failed; will retry'));
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.o.pollMs ?? 2000);
    };
    this.timer = setTimeout(() => void loop(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.queue;
  }

  private async loadOpen(): Promise<void> {
    let cursor: unknown[] | undefined;
    for (;;) {
      const page = await this.o.store.search({ dataset: 'incidents', query: 'NOT incident.status:(resolved OR false_positive)', sort: [{ field: '@timestamp', order: 'asc' }], size: 1000, ...(cursor ? { searchAfter: cursor } : {}) });
      for (const h of page.hits) {
        const r = incidentFromDocument(h.doc);
        if (r && !CLOSED.has(r.status)) this.open.set(keyOf(r.ruleId, r.entity), { id: r.id, lastSeen: Date.parse(r.lastSeen) });
      }
      if (!page.nextCursor || page.hits.length === 0) return;
      cursor = page.nextCursor;
    }
  }

  /** Reads every alert after the cursor (page by page) and folds it into incidents. Returns how many alerts it read. */
  poll(): Promise<number> {
    return this.exclusive(async () => {
      let read = 0;
      for (;;) {
        const saved = kvGet(this.o.db, CURSOR_KEY);
        const after = saved ? (JSON.parse(saved) as unknown[]) : undefined;
        const page = await this.o.store.search({ dataset: 'alerts', sort: [{ field: 'event.ingested', order: 'asc' }], size: 500, ...(after ? { searchAfter: after } : {}) });
        if (page.hits.length === 0) return read;
        const alerts: Alert[] = [];
        for (const h of page.hits) {
          const a = alertFromDocument(h.id, h.doc);
          if (!a) this.stats.unreadable++;
          else if (!a.backtest) alerts.push(a);
        }
        read += page.hits.length;
        this.stats.alertsRead += page.hits.length;
        await this.fold(alerts);
        kvSet(this.o.db, CURSOR_KEY, JSON.stringify(page.hits[page.hits.length - 1]!.sort));
        if (!page.nextCursor) return read;
      }
    });
  }

  private async fold(alerts: Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    const windowMs = this.o.windowMs ?? 3_600_000;
    const nowIso = new Date(this.o.now()).toISOString();
    const writes: IncidentRecord[] = [];
    for (const g of groupIntoIncidents(alerts, { windowMs, maxEventIds: MAX_IDS })) {
      const key = keyOf(g.ruleId, g.entity);
      const open = this.open.get(key);
      let rec = open && Date.parse(g.firstTimestamp) - open.lastSeen <= windowMs ? incidentFromDocument(await this.o.store.get('incidents', open.id)) : undefined;
      if (rec && CLOSED.has(rec.status)) rec = undefined;
      if (rec) {
        const fresh = g.alertIds.filter((id) => !rec!.alertIds.includes(id));
        if (fresh.length === 0) continue;
        rec.alertCount += fresh.length;
        rec.alertIds = [...rec.alertIds, ...fresh].slice(-MAX_IDS);
        for (const e of g.eventIds) if (rec.eventIds.length < MAX_IDS && !rec.eventIds.includes(e)) rec.eventIds.push(e);
        if (g.lastTimestamp > rec.lastSeen) rec.lastSeen = g.lastTimestamp;
        if (g.firstTimestamp < rec.firstSeen) rec.firstSeen = g.firstTimestamp;
        if (RANK[g.severity] > RANK[rec.severity]) rec.severity = g.severity;
        for (const x of g.tactics) if (!rec.tactics.includes(x)) rec.tactics.push(x);
        for (const x of g.techniques) if (!rec.techniques.includes(x)) rec.techniques.push(x);
        rec.updatedAt = nowIso;
        pushHistory(rec, { at: nowIso, by: 'system', action: 'alerts_added', detail: `${fresh.length} alert(s)` });
        this.stats.incidentsUpdated++;
      } else {
        rec = {
          id: g.id,
          title: g.title,
          ruleId: g.ruleId,
          entity: g.entity,
          severity: g.severity,
          status: 'new',
          assignee: null,
          createdAt: nowIso,
          updatedAt: nowIso,
          firstSeen: g.firstTimestamp,
          lastSeen: g.lastTimestamp,
          alertIds: g.alertIds.slice(-MAX_IDS),
          alertCount: g.alertIds.length,
          eventIds: g.eventIds,
          tactics: g.tactics,
          techniques: g.techniques,
          triagedAt: null,
          resolvedAt: null,
          timeToTriageMs: null,
          timeToResolveMs: null,
          history: [{ at: nowIso, by: 'system', action: 'created', detail: `${g.alertIds.length} alert(s)` }],
          notes: [],
        };
        this.stats.incidentsCreated++;
      }
      this.open.set(key, { id: rec.id, lastSeen: Date.parse(rec.lastSeen) });
      writes.push(rec);
    }
    await this.write(writes);
  }

  private async write(records: IncidentRecord[]): Promise<void> {
    if (records.length === 0) return;
    const res = await this.o.store.bulk('incidents', records.map(incidentToDocument));
    if (res.failed.length) throw new Error(`incidents not stored: ${res.failed[0]!.error}`);
    await this.o.store.refresh('incidents');
  }

  async get(id: string): Promise<IncidentRecord | undefined> {
    return incidentFromDocument(await this.o.store.get('incidents', id));
  }

  /** An analyst's change of status and/or assignee; illegal transitions are 409. Audited. */
  update(id: string, change: { status?: IncidentStatus; assignee?: string | null }, actor: AuditActor): Promise<IncidentRecord> {
    return this.exclusive(async () => {
      const rec = await this.get(id);
      if (!rec) throw new HttpError(404, 'no such incident');
      const t = this.o.now();
      const at = new Date(t).toISOString();
      const before = { status: rec.status, assignee: rec.assignee };
      if (change.status !== undefined && change.status !== rec.status) {
        if (!TRANSITIONS[rec.status].includes(change.status)) {
          this.o.audit.record({ eventType: 'incident.updated', objectType: 'incident', objectId: id, outcome: 'failure', actor, details: { reason: `illegal transition ${rec.status} → ${change.status}` } });
          throw new HttpError(409, `cannot change status from ${rec.status} to ${change.status} (allowed: ${TRANSITIONS[rec.status].join(', ') || 'none'})`);
        }
        pushHistory(rec, { at, by: actor.name, action: 'status', from: rec.status, to: change.status });
        const created = Date.parse(rec.createdAt);
        if (rec.triagedAt === null) {
          rec.triagedAt = at;
          rec.timeToTriageMs = t - created;
        }
        if (CLOSED.has(change.status)) {
          rec.resolvedAt = at;
          rec.timeToResolveMs = t - created;
        } else if (CLOSED.has(rec.status)) {
          rec.resolvedAt = null;
          rec.timeToResolveMs = null;
        }
        rec.status = change.status;
      }
      if (change.assignee !== undefined && change.assignee !== rec.assignee) {
        pushHistory(rec, { at, by: actor.name, action: 'assignee', from: rec.assignee, to: change.assignee });
        rec.assignee = change.assignee;
      }
      rec.updatedAt = at;
      await this.write([rec]);
      if (CLOSED.has(rec.status)) {
        const key = keyOf(rec.ruleId, rec.entity);
        if (this.open.get(key)?.id === rec.id) this.open.delete(key);
      } else {
        this.open.set(keyOf(rec.ruleId, rec.entity), { id: rec.id, lastSeen: Date.parse(rec.lastSeen) });
      }
      this.o.audit.record({ eventType: 'incident.updated', objectType: 'incident', objectId: id, outcome: 'success', actor, details: { before, after: { status: rec.status, assignee: rec.assignee } } });
      return rec;
    });
  }

  addNote(id: string, text: string, actor: AuditActor): Promise<IncidentRecord> {
    return this.exclusive(async () => {
      const rec = await this.get(id);
      if (!rec) throw new HttpError(404, 'no such incident');
      if (rec.notes.length >= MAX_NOTES) throw new HttpError(409, `at most ${MAX_NOTES} notes per incident`);
      const at = new Date(this.o.now()).toISOString();
      rec.notes.push({ at, by: actor.name, text });
      pushHistory(rec, { at, by: actor.name, action: 'note' });
      rec.updatedAt = at;
      await this.write([rec]);
      this.o.audit.record({ eventType: 'incident.note_added', objectType: 'incident', objectId: id, outcome: 'success', actor, details: { length: text.length } });
      return rec;
    });
  }
}

const keyOf = (ruleId: string, entity: string) => `${ruleId}\u0000${entity}`;

function pushHistory(rec: IncidentRecord, h: IncidentRecord['history'][number]): void {
  rec.history.push(h);
  // Keep the document bounded: the first entries (creation) and the latest ones.
  if (rec.history.length > 2000) rec.history.splice(1, rec.history.length - 2000);
}
