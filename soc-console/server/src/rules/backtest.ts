import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { createEngine, type Alert, type Rule } from '@emsoc/detection';
import { storeEvents } from '@emsoc/detection/backtest';
import type { EventStore } from '@emsoc/event-store/contract';
import { HttpError } from '@emsoc/common/http';
import { engineSupport } from './catalog.js';

export interface BacktestJob {
  id: string;
  ruleId: string;
  owner: string;
  status: 'running' | 'done' | 'failed';
  progress: number;
  processed: number;
  total: number;
  alertCount: number;
  /** The first alerts (each marked backtest: true); never written to the live alerts dataset. */
  alerts: Alert[];
  error?: string;
  from: string;
  to: string;
  startedAt: string;
  finishedAt?: string;
}

const MAX_KEPT_ALERTS = 1000;
const MAX_RUNNING = 2;
const KEEP_FINISHED = 100;

/**
 * Backtests: replay stored events (events and flows, merged in time order) through an engine in
 * backtest mode compiled from one rule and what it references. Results stay in the job.
 */
export class BacktestJobs {
  private readonly jobs = new Map<string, BacktestJob>();

  constructor(
    private readonly store: EventStore,
    private readonly logger: Logger,
  ) {}

  get(id: string): BacktestJob | undefined {
    return this.jobs.get(id);
  }

  start(rules: Rule[], ruleId: string, owner: string, range: { from: Date; to: Date }): BacktestJob {
    const running = [...this.jobs.values()].filter((j) => j.status === 'running');
    if (running.length >= MAX_RUNNING) throw new HttpError(409, `${MAX_RUNNING} backtests are already running; try again when one finishes`);
    const engine = createEngine({ rules, ...engineSupport(), mode: 'backtest' });
    const refused = engine.refused.find((r) => r.ruleId === ruleId);
    if (refused) throw new HttpError(400, `rule cannot be compiled: ${refused.reason}`);
    const job: BacktestJob = {
      id: randomUUID(),
      ruleId,
      owner,
      status: 'running',
      progress: 0,
      processed: 0,
      total: 0,
      alertCount: 0,
      alerts: [],
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      startedAt: new Date().toISOString(),
    };
    this.jobs.set(job.id, job);
    this.prune();
    void this.run(job, engine, range);
    return job;
  }

  private async run(job: BacktestJob, engine: ReturnType<typeof createEngine>, range: { from: Date; to: Date }): Promise<void> {
    const keep = (a: Alert) => {
      job.alertCount++;
      if (job.alerts.length < MAX_KEPT_ALERTS) job.alerts.push(a);
    };
    try {
      const datasets = ['events', 'flows'] as const;
      job.total = (await Promise.all(datasets.map((d) => this.store.count({ dataset: d, range })))).reduce((a, b) => a + b, 0);
      for await (const ev of storeEvents(this.store, [...datasets], range)) {
        for (const a of engine.process(ev)) keep(a);
        job.processed++;
        job.progress = job.total ? Math.min(1, job.processed / job.total) : 1;
        // Let API requests through between chunks of work.
        if (job.processed % 1000 === 0) await new Promise((r) => setImmediate(r));
      }
      for (const a of engine.flush()) keep(a);
      job.progress = 1;
      job.status = 'done';
    } catch (e) {
      job.status = 'failed';
      job.error = (e as Error).message;
      this.logger.warn({ job: job.id, err: job.error }, 'backtest failed');
    } finally {
      job.finishedAt = new Date().toISOString();
    }
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.status !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.id);
  }
}
