/**
 * Produces the periodic messages: summaries per schedule and raw-record selections. Each schedule keeps
 * the end of the last period it queued (in the outbox database, written in the same transaction as the
 * message), so after a restart it continues with the next period: nothing twice, nothing skipped (up to
 * `catchUpPeriods` back).
 */
import type { Logger } from 'pino';
import type { EventStore } from '@emsoc/event-store/contract';
import type { Outbox } from './outbox.js';
import type { UplinkPolicy } from './policy.js';
import { computeSummary, periodEnding, type HealthProbe } from './summary.js';
import type { UnitIdentity } from './unit-identity.js';

export interface SchedulerOptions {
  store: EventStore;
  outbox: Outbox;
  identity: UnitIdentity;
  policy: UplinkPolicy;
  timezone: string;
  logger: Logger;
  collectorHealth: () => Promise<HealthProbe>;
  now?: () => number;
}

interface Job {
  key: string;
  everySeconds: number;
  produce(range: { from: Date; to: Date }): Promise<{ schema: 'emsoc.uplink.summary.v1' | 'emsoc.uplink.records.v1'; body: Record<string, unknown>; label: string }>;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly jobs: Job[];
  private readonly now: () => number;

  constructor(private readonly o: SchedulerOptions) {
    this.now = o.now ?? Date.now;
    this.jobs = [
      ...o.policy.summaries.map(
        (s): Job => ({
          key: `summary.${s.name}`,
          everySeconds: s.everySeconds,
          produce: async (range) => ({
            schema: 'emsoc.uplink.summary.v1',
            body: await computeSummary(s.name, range, { store: o.store, collectorHealth: o.collectorHealth }, this.now()),
            label: `summary ${s.name}`,
          }),
        }),
      ),
      ...o.policy.records
        .filter((r) => r.enabled)
        .map(
          (r): Job => ({
            key: `records.${r.name}`,
            everySeconds: r.everySeconds,
            produce: async (range) => {
              const [res, total] = await Promise.all([
                o.store.search({ dataset: r.dataset, query: r.filter, range, sort: [{ field: '@timestamp', order: 'asc' }], size: r.maxPerPeriod }),
                o.store.count({ dataset: r.dataset, query: r.filter, range }),
              ]);
              return {
                schema: 'emsoc.uplink.records.v1',
                body: { selection: r.name, dataset: r.dataset, filter: r.filter, records: res.hits.map((h) => h.doc), dropped: Math.max(0, total - res.hits.length) },
                label: `records ${r.name}`,
              };
            },
          }),
        ),
    ];
  }

  start(): void {
    const tickMs = Math.max(250, Math.min(30_000, ...this.jobs.map((j) => (j.everySeconds * 1000) / 5)));
    const tick = () => {
      this.running = this.runDue()
        .then(() => undefined)
        .catch((e: unknown) => this.o.logger.warn({ err: (e as Error).message }, 'uplink schedule failed; will retry'))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, tickMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Queues every complete period not yet queued; returns how many messages. */
  async runDue(): Promise<number> {
    let queued = 0;
    for (const job of this.jobs) {
      const step = job.everySeconds * 1000;
      const latest = periodEnding(this.now(), job.everySeconds, this.o.timezone).to.getTime();
      const stored = this.o.outbox.get(`${job.key}.last`);
      let last = stored ? Date.parse(stored) : latest - step;
      const oldest = latest - this.o.policy.catchUpPeriods * step;
      if (last < oldest) {
        this.o.logger.warn({ job: job.key, skippedFrom: new Date(last).toISOString(), to: new Date(oldest).toISOString() }, 'uplink periods older than the catch-up limit are skipped');
        last = oldest;
      }
      for (let end = last + step; end <= latest; end += step) {
        const range = { from: new Date(end - step), to: new Date(end) };
        const m = await job.produce(range);
        this.o.outbox.db.transaction(() => {
          this.o.outbox.enqueue(this.o.identity, m.schema, { from: range.from.toISOString(), to: range.to.toISOString() }, m.body, m.label, new Date(this.now()));
          this.o.outbox.set(`${job.key}.last`, range.to.toISOString());
        })();
        queued++;
      }
    }
    return queued;
  }
}
