/** Retention policy (policies/retention.yaml): days per dataset, with a legal floor for logs and flows. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DATASETS, type Dataset } from '../contract.js';

/** Network logs are kept at least six months (Cybersecurity Law art. 21). */
export const LEGAL_MINIMUM_DAYS = 180;
export const LEGAL_DATASETS: ReadonlySet<Dataset> = new Set(['events', 'audit', 'flows', 'deadletter']);
const DEFAULT_DAYS = 180;

export interface RetentionOverride { reason: string; approvedBy: string }
export interface DatasetRetention { days: number; override?: RetentionOverride }
export interface RetentionPolicy { datasets: Record<Dataset, DatasetRetention> }

export class RetentionPolicyError extends Error {
  override readonly name = 'RetentionPolicyError';
}

export function parseRetentionPolicy(text: string): RetentionPolicy {
  let raw: unknown;
  try { raw = parse(text, { maxAliasCount: 10 }); } catch (e) { throw new RetentionPolicyError(`retention policy is not valid YAML: ${(e as Error).message}`); }
  return validateRetentionPolicy(raw);
}

export function loadRetentionPolicy(file: string): RetentionPolicy {
  return parseRetentionPolicy(readFileSync(file, 'utf8'));
}

export function validateRetentionPolicy(raw: unknown): RetentionPolicy {
  const obj = raw as { datasets?: Record<string, unknown> } | null;
  if (!obj || typeof obj !== 'object' || !obj.datasets || typeof obj.datasets !== 'object') {
    throw new RetentionPolicyError('retention policy needs a "datasets" map');
  }
  for (const k of Object.keys(obj.datasets)) {
    if (!(DATASETS as readonly string[]).includes(k)) throw new RetentionPolicyError(`unknown dataset "${k.slice(0, 64)}" in retention policy`);
  }
  const datasets = {} as Record<Dataset, DatasetRetention>;
  for (const d of DATASETS) {
    const entry = (obj.datasets[d] ?? { days: DEFAULT_DAYS }) as { days?: unknown; override?: unknown };
    const days = entry.days;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 36_500) {
      throw new RetentionPolicyError(`retention for ${d} must be a whole number of days (1..36500)`);
    }
    const override = parseOverride(d, entry.override);
    if (LEGAL_DATASETS.has(d) && days < LEGAL_MINIMUM_DAYS && !override) {
      throw new RetentionPolicyError(
        `retention for ${d} is ${days} days, below the legal minimum of ${LEGAL_MINIMUM_DAYS}; add override: { reason, approvedBy } to accept this`);
    }
    datasets[d] = override ? { days, override } : { days };
  }
  return { datasets };
}

function parseOverride(d: Dataset, v: unknown): RetentionOverride | undefined {
  if (v === undefined || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const ok = (s: unknown) => typeof s === 'string' && s.trim().length > 0 && s.length <= 1000;
  if (typeof v !== 'object' || !ok(o.reason) || !ok(o.approvedBy)) {
    throw new RetentionPolicyError(`override for ${d} needs a non-empty reason and approvedBy`);
  }
  return { reason: (o.reason as string).trim(), approvedBy: (o.approvedBy as string).trim() };
}

/** True when this dataset's retention is below the legal floor by virtue of an override. */
export function usesOverride(policy: RetentionPolicy, d: Dataset): boolean {
  const r = policy.datasets[d];
  return LEGAL_DATASETS.has(d) && r.days < LEGAL_MINIMUM_DAYS && r.override !== undefined;
}
