/** Request checks shared by both engines, so that both refuse the same bad requests the same way. */
import { DATASETS, type Aggregation, type Dataset, type SortSpec } from './contract.js';
import { fieldType, isValidFieldName } from './schema/fields.js';

export const MAX_PAGE_SIZE = 10_000;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_BUCKETS = 10_000;

export class RequestError extends Error {
  override readonly name = 'RequestError';
}

export function checkDataset(dataset: string): Dataset {
  if (!(DATASETS as readonly string[]).includes(dataset)) throw new RequestError(`unknown dataset ${JSON.stringify(String(dataset).slice(0, 64))}`);
  return dataset as Dataset;
}

export function checkField(field: string, purpose: string): string {
  if (field !== '_id' && (!isValidFieldName(field) || field.startsWith('_'))) {
    throw new RequestError(`invalid field name for ${purpose}: ${JSON.stringify(String(field).slice(0, 64))}`);
  }
  if (field !== '_id' && fieldType(field) === 'text') throw new RequestError(`cannot ${purpose} on text field ${field}`);
  return field;
}

/** Sort specs plus the id tie-breaker, which both engines append. */
export function resolveSort(sort: SortSpec[] | undefined): SortSpec[] {
  const specs = sort?.length ? sort : [{ field: '@timestamp', order: 'desc' as const }];
  if (specs.length > 8) throw new RequestError('at most 8 sort fields');
  for (const s of specs) {
    checkField(s.field, 'sort');
    if (s.order !== 'asc' && s.order !== 'desc') throw new RequestError(`sort order must be asc or desc`);
  }
  return specs.some((s) => s.field === '_id') ? specs : [...specs, { field: '_id', order: 'asc' }];
}

export function pageSize(size: number | undefined): number {
  if (size === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) throw new RequestError(`size must be an integer 0..${MAX_PAGE_SIZE}`);
  return size;
}

export function checkCursor(after: unknown[] | undefined, sort: SortSpec[]): unknown[] | undefined {
  if (after === undefined) return undefined;
  if (!Array.isArray(after) || after.length !== sort.length || after.some((v) => v !== null && typeof v !== 'string' && typeof v !== 'number')) {
    throw new RequestError('searchAfter must be the sort values of a previous hit');
  }
  return after;
}

/** Validates aggregation specs; nesting is limited to one level on both engines. */
export function checkAggs(aggs: Record<string, Aggregation>, depth = 0): void {
  const names = Object.keys(aggs ?? {});
  if (names.length === 0 && depth === 0) throw new RequestError('no aggregations requested');
  if (names.length > 20) throw new RequestError('at most 20 aggregations per level');
  for (const name of names) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new RequestError(`invalid aggregation name ${JSON.stringify(name.slice(0, 64))}`);
    const a = aggs[name]!;
    checkField(a.field, 'aggregate');
    if (a.field === '_id') throw new RequestError('cannot aggregate on _id');
    switch (a.type) {
      case 'date_histogram':
        if (fieldType(a.field) !== 'date') throw new RequestError(`date_histogram needs a date field, ${a.field} is not`);
        if (!Number.isSafeInteger(a.intervalMs) || a.intervalMs < 1000) throw new RequestError('intervalMs must be an integer of at least 1000');
        break;
      case 'terms':
        if (!Number.isInteger(a.size) || a.size < 1 || a.size > MAX_BUCKETS) throw new RequestError(`terms size must be 1..${MAX_BUCKETS}`);
        break;
      case 'cardinality': case 'sum': case 'avg': case 'min': case 'max':
        if (a.type !== 'cardinality' && !['long', 'double', 'date'].includes(fieldType(a.field))) {
          throw new RequestError(`${a.type} needs a numeric or date field, ${a.field} is not`);
        }
        continue;
      default:
        throw new RequestError(`unknown aggregation type ${JSON.stringify(String((a as { type: unknown }).type).slice(0, 32))}`);
    }
    if (a.aggs) {
      if (depth >= 1) throw new RequestError('aggregations nest at most one level');
      checkAggs(a.aggs, depth + 1);
    }
  }
}
