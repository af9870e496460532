import { z } from 'zod';
import { DATASETS, QuerySyntaxError, type Dataset } from '@emsoc/event-store/contract';
import { HttpError } from '@emsoc/common/http';
import type { Principal } from '@emsoc/common/auth';

export const MAX_RANGE_DAYS = 400;

/** Which permission reads which dataset. */
export const READ_PERMISSION: Record<Dataset, string> = {
  events: 'events:read',
  flows: 'flows:read',
  alerts: 'alerts:read',
  incidents: 'incidents:read',
  audit: 'audit:read',
  reports: 'reports:read',
  deadletter: 'events:read',
};

const REL = /^now(?:([+-])(\d{1,9})([smhdw]))?$/;
const UNIT: Record<string, number> = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 };

/** A time bound: ISO-8601 with offset, epoch milliseconds, or `now`, `now-15m`, `now-7d`. */
export const timeBound = z
  .string()
  .max(64)
  .refine((v) => parseTime(v, 0) !== undefined, 'expected ISO-8601 with offset, epoch ms or now-<n><s|m|h|d|w>');

export function parseTime(v: string, now: number): number | undefined {
  if (/^\d{1,15}$/.test(v)) return Number(v);
  const m = REL.exec(v);
  if (m) return m[1] ? now + (m[1] === '-' ? -1 : 1) * Number(m[2]) * UNIT[m[3]!]! : now;
  if (!z.iso.datetime({ offset: true }).safeParse(v).success) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

export function timeRange(from: string | undefined, to: string | undefined, now = Date.now()): { from: Date; to: Date } {
  const end = to ? parseTime(to, now)! : now + 1; // 'to' is exclusive: include what happened this millisecond
  const start = from ? parseTime(from, now)! : end - 24 * 3600_000;
  if (start >= end) throw new HttpError(400, '"from" must be before "to"');
  if (end - start > MAX_RANGE_DAYS * 86_400_000) throw new HttpError(400, `time range longer than ${MAX_RANGE_DAYS} days`);
  return { from: new Date(start), to: new Date(end) };
}

export const datasetParam = z.enum(DATASETS as unknown as [Dataset, ...Dataset[]]).default('events');

export const baseQuery = {
  q: z.string().max(16_384).optional(),
  from: timeBound.optional(),
  to: timeBound.optional(),
};

export function requireDataset(p: Principal, dataset: Dataset): void {
  const needed = READ_PERMISSION[dataset];
  if (!p.permissions.has(needed)) throw new HttpError(403, `permission ${needed} required for dataset ${dataset}`);
}

export function encodeCursor(sort: unknown[] | undefined): string | undefined {
  return sort ? Buffer.from(JSON.stringify(sort)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined): unknown[] | undefined {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length <= 8 && v.every((x) => x === null || typeof x === 'string' || typeof x === 'number')) return v;
  } catch {
    /* fall through */
  }
  throw new HttpError(400, 'invalid cursor');
}

/** Runs a store call, turning query syntax and request errors into 400 answers with their details. */
export async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const name = (e as Error)?.name;
    if (e instanceof QuerySyntaxError || name === 'QuerySyntaxError') {
      const qe = e as QuerySyntaxError;
      throw new HttpError(400, qe.message, { column: qe.column, expected: qe.expected });
    }
    if (name === 'RequestError') throw new HttpError(400, (e as Error).message);
    throw e;
  }
}

const NICE = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000].map((s) => s * 1000);

/** A readable bucket width giving at most `buckets` buckets over the range. */
export function histogramInterval(range: { from: Date; to: Date }, buckets: number): number {
  const raw = Math.ceil((range.to.getTime() - range.from.getTime()) / buckets);
  return NICE.find((n) => n >= raw) ?? Math.ceil(raw / 86_400_000) * 86_400_000;
}

/** Buckets from the store, with the empty ones in between filled in (charts need a continuous axis). */
export function fillBuckets(range: { from: Date; to: Date }, intervalMs: number, got: { key: string | number; count: number }[]): { key: number; count: number }[] {
  const byKey = new Map(got.map((b) => [Number(b.key), b.count]));
  const out: { key: number; count: number }[] = [];
  const start = range.from.getTime() - (range.from.getTime() % intervalMs);
  for (let k = start; k < range.to.getTime() && out.length <= 10_000; k += intervalMs) out.push({ key: k, count: byKey.get(k) ?? 0 });
  return out;
}
