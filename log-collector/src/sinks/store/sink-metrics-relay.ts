/**
 * The sink's metrics are counted where it runs (a worker thread has its own registry); this relays them to
 * the main thread's registry, which `/metrics` serves: counters as increments, gauges as values.
 */
import { counter, gauge, registry } from '@emsoc/common/metrics';

type Counter = ReturnType<typeof counter>;
type Gauge = ReturnType<typeof gauge>;

export const SINK_METRIC_NAMES = [
  'emsoc_collector_sink_stored_total',
  'emsoc_collector_sink_deadletter_total',
  'emsoc_collector_sink_retries_total',
  'emsoc_collector_sink_lag_seconds',
  // Counted where raw frames are decoded (SpoolDrain).
  'emsoc_collector_parsed_total',
  'emsoc_collector_malformed_total',
  'emsoc_collector_alerts_total',
  // The detection stage runs in the drain too; these exist here only through the relay.
  'emsoc_detection_rules_loaded',
  'emsoc_detection_correlation_groups',
  // The certificate-status view of the detection stage (pipeline/crl-status-view.ts).
  'emsoc_collector_crl_fetches_total',
  'emsoc_collector_crl_fetch_failures_total',
] as const;

/** Metrics that exist only in the worker: declared here on their first update. */
const RELAYED_ONLY_HELP: Partial<Record<string, string>> = {
  emsoc_detection_rules_loaded: 'Rules compiled into the live detection engine (in the sink worker), by kind',
  emsoc_detection_correlation_groups: 'Open correlation groups of the live detection engine (in the sink worker)',
  emsoc_collector_crl_fetches_total: 'CRLs fetched, verified and loaded into the detection status view (in the sink worker)',
  emsoc_collector_crl_fetch_failures_total: 'CRL fetches for the detection status view that failed or were refused; the last good CRL keeps answering (in the sink worker)',
};

function declare(u: MetricUpdate): Counter | Gauge | undefined {
  const help = RELAYED_ONLY_HELP[u.name];
  if (!help) return undefined;
  return u.delta !== undefined ? counter(u.name, help, Object.keys(u.labels)) : gauge(u.name, help, Object.keys(u.labels));
}

export interface MetricUpdate {
  name: string;
  labels: Partial<Record<string, string | number>>;
  delta?: number;
  value?: number;
}

const sent = new Map<string, number>();

/** Worker side: what changed since the last call. */
export async function sinkMetricUpdates(): Promise<MetricUpdate[]> {
  const out: MetricUpdate[] = [];
  for (const name of SINK_METRIC_NAMES) {
    const m = registry.getSingleMetric(name);
    if (!m) continue;
    const snap = await m.get();
    for (const v of snap.values) {
      const key = `${name}${JSON.stringify(v.labels)}`;
      const before = sent.get(key) ?? 0;
      if (String(snap.type) === 'gauge') out.push({ name, labels: v.labels, value: v.value });
      else if (v.value > before) out.push({ name, labels: v.labels, delta: v.value - before });
      sent.set(key, v.value);
    }
  }
  return out;
}

/** Main side: applies updates to the metrics of the same names here. */
export function applySinkMetricUpdates(updates: MetricUpdate[]): void {
  for (const u of updates) {
    const m = registry.getSingleMetric(u.name) ?? declare(u);
    if (!m) continue;
    if (u.delta !== undefined) (m as Counter).inc(u.labels, u.delta);
    else if (u.value !== undefined) (m as Gauge).set(u.labels, u.value);
  }
}
