import type { ChartConfiguration } from 'chart.js';
import { axisLabel } from '../../core/time/time-range';

// Pure builders from API buckets to Chart.js configurations (type-only import: no Chart.js code here).

export interface Bucket {
  key: number;
  count?: number;
  value?: number;
}

export interface Series {
  label: string;
  buckets: readonly Bucket[];
  colour: string;
}

export const bucketValue = (b: Bucket): number => b.count ?? b.value ?? 0;

/** Labels from the union of all bucket keys, so series with gaps still line up. */
export function timeSeriesChart(type: 'line' | 'bar', series: readonly Series[], tz: string, stacked = false): ChartConfiguration<'line' | 'bar'> {
  const keys = [...new Set(series.flatMap((s) => s.buckets.map((b) => b.key)))].sort((a, b) => a - b);
  const span = keys.length > 1 ? keys[keys.length - 1]! - keys[0]! : 0;
  return {
    type,
    data: {
      labels: keys.map((k) => axisLabel(k, span, tz)),
      datasets: series.map((s) => {
        const byKey = new Map(s.buckets.map((b) => [b.key, bucketValue(b)]));
        return {
          label: s.label,
          data: keys.map((k) => byKey.get(k) ?? 0),
          borderColor: s.colour,
          backgroundColor: type === 'bar' ? s.colour : `${s.colour}33`,
          fill: type === 'line' && !stacked,
          pointRadius: 0,
          borderWidth: type === 'line' ? 2 : 0,
        };
      }),
    },
    options: {
      scales: { x: { stacked, ticks: { maxTicksLimit: 8, maxRotation: 0 } }, y: { stacked, beginAtZero: true } },
      plugins: { legend: { display: series.length > 1 } },
    },
  };
}

export function barChart(labels: readonly string[], values: readonly number[], label: string, colour: string, horizontal = true): ChartConfiguration<'bar'> {
  return {
    type: 'bar',
    data: { labels: [...labels], datasets: [{ label, data: [...values], backgroundColor: colour }] },
    options: { indexAxis: horizontal ? 'y' : 'x', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
  };
}

export function doughnutChart(labels: readonly string[], values: readonly number[], colours: readonly string[]): ChartConfiguration<'doughnut'> {
  return {
    type: 'doughnut',
    data: { labels: [...labels], datasets: [{ data: [...values], backgroundColor: [...colours] }] },
    options: { plugins: { legend: { position: 'right' } } },
  };
}

/** Per-second rate of the last complete bucket (the newest one is still filling). */
export function latestRate(buckets: readonly Bucket[]): number | null {
  if (buckets.length < 2) return null;
  const sorted = [...buckets].sort((a, b) => a.key - b.key);
  const i = sorted.length >= 3 ? sorted.length - 2 : sorted.length - 1;
  const interval = sorted[i]!.key - sorted[i - 1]!.key;
  return interval > 0 ? bucketValue(sorted[i]!) / (interval / 1000) : null;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
