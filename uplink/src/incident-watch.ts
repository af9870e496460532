/**
 * Tails the `incidents` dataset: an incident is reported once it reaches the configured severity, and
 * again whenever its status changes. What was reported (status per incident) is kept in the outbox
 * database, in the same transaction-protected file, so a restart neither repeats nor skips a report.
 */
import type { Logger } from 'pino';
import type { EventStore } from '@emsoc/event-store/contract';
import type { Outbox } from './outbox.js';
import { SEVERITIES, type Severity, type UplinkPolicy } from './policy.js';
import { incidentBundle, type IncidentInput } from './stix.js';
import type { UnitIdentity } from './unit-identity.js';

export class IncidentWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly o: { store: EventStore; outbox: Outbox; identity: UnitIdentity; policy: UplinkPolicy['incidents']; logger: Logger },
  ) {
    o.outbox.db.exec('CREATE TABLE IF NOT EXISTS incident_reports (incident_id TEXT PRIMARY KEY, status TEXT NOT NULL, severity TEXT NOT NULL, reported_at TEXT NOT NULL)');
  }

  start(): void {
    const tick = () => {
      this.running = this.poll()
        .then(() => undefined)
        .catch((e: unknown) => this.o.logger.warn({ err: (e as Error).message }, 'incident tail failed; will retry'))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.o.policy.pollSeconds * 1000);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over the incidents at or above the threshold. Returns how many reports were queued. */
  async poll(): Promise<number> {
    const min = SEVERITIES.indexOf(this.o.policy.minSeverity);
    const wanted = SEVERITIES.slice(min);
    const query = `incident.severity:(${wanted.join(' OR ')})`;
    const known = this.o.outbox.db.prepare('SELECT status FROM incident_reports WHERE incident_id = ?').pluck();
    const mark = this.o.outbox.db.prepare(
      'INSERT INTO incident_reports (incident_id, status, severity, reported_at) VALUES (?, ?, ?, ?) ON CONFLICT(incident_id) DO UPDATE SET status = excluded.status, severity = excluded.severity, reported_at = excluded.reported_at',
    );
    let queued = 0;
    let cursor: unknown[] | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await this.o.store.search({ dataset: 'incidents', query, sort: [{ field: '@timestamp', order: 'asc' }], size: 500, ...(cursor ? { searchAfter: cursor } : {}) });
      for (const h of res.hits) {
        const inc = h.doc.incident as (IncidentInput & { severity: Severity }) | undefined;
        if (!inc || typeof inc.id !== 'string' || !wanted.includes(inc.severity)) continue;
        const before = known.get(inc.id) as string | undefined;
        if (before === inc.status) continue;
        if (before !== undefined && !this.o.policy.onStatusChange) continue;
        const trigger = before === undefined ? 'severity' : 'status';
        const now = new Date();
        // Enqueue and mark together: both or neither survive a crash.
        this.o.outbox.db.transaction(() => {
          this.o.outbox.enqueue(
            this.o.identity,
            'emsoc.uplink.incident.v1',
            { from: new Date(Date.parse(inc.firstSeen)).toISOString(), to: now.toISOString() },
            { incidentId: inc.id, status: inc.status, severity: inc.severity, trigger, bundle: incidentBundle({ id: this.o.identity.unitId, name: this.o.identity.unitName }, inc) },
            `incident ${inc.id} ${inc.status}`,
            now,
          );
          mark.run(inc.id, inc.status, inc.severity, now.toISOString());
        })();
        queued++;
      }
      if (!res.nextCursor || res.hits.length === 0) break;
      cursor = res.nextCursor;
    }
    return queued;
  }
}
