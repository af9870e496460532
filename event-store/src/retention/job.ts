/** Scheduled retention: deletes expired data per policy and reports what it removed. */
import { DATASETS, type EventStore, type RetentionResult } from '../contract.js';
import { usesOverride, type RetentionPolicy } from './policy.js';

const DAY_MS = 86_400_000;

export interface RetentionAuditEvent {
  type: 'retention.override-applied';
  dataset: string;
  days: number;
  cutoff: string;
  reason: string;
  approvedBy: string;
}

export interface RetentionJobOptions {
  store: EventStore;
  policy: RetentionPolicy;
  /** Receives every use of a legal-minimum override (required: overrides must leave a trace). */
  audit: (e: RetentionAuditEvent) => void | Promise<void>;
  /** Interval between runs (default 1 h). The first run starts immediately. */
  intervalMs?: number;
  onResult?: (results: RetentionResult[]) => void;
  onError?: (e: Error) => void;
  now?: () => number;
}

export interface RetentionJob {
  runOnce(): Promise<RetentionResult[]>;
  stop(): Promise<void>;
}

export function startRetention(opts: RetentionJobOptions): RetentionJob {
  const now = opts.now ?? Date.now;
  let running: Promise<RetentionResult[]> | undefined;
  let stopped = false;

  const run = async (): Promise<RetentionResult[]> => {
    const results: RetentionResult[] = [];
    for (const d of DATASETS) {
      const r = opts.policy.datasets[d];
      const cutoff = new Date(now() - r.days * DAY_MS);
      if (usesOverride(opts.policy, d)) {
        await opts.audit({ type: 'retention.override-applied', dataset: d, days: r.days, cutoff: cutoff.toISOString(), reason: r.override!.reason, approvedBy: r.override!.approvedBy });
      }
      results.push(await opts.store.deleteBefore(d, cutoff));
    }
    opts.onResult?.(results);
    return results;
  };

  const runOnce = (): Promise<RetentionResult[]> => {
    running ??= run().finally(() => { running = undefined; });
    return running;
  };

  const tick = () => {
    if (stopped) return;
    runOnce().catch((e) => opts.onError?.(e as Error));
  };
  const timer = setInterval(tick, opts.intervalMs ?? 3_600_000);
  timer.unref?.();
  tick();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
