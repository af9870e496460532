/**
 * The event-store contract: one interface, two engines (embedded SQLite, Elasticsearch/OpenSearch).
 * Every component that writes or reads events (collector sink, RA audit forwarder, console, detection
 * backtest, uplink summaries) depends on this file only, never on an engine.
 */

/** Datasets are stored separately (an index/data stream or a table each). */
export type Dataset = 'events' | 'flows' | 'alerts' | 'incidents' | 'audit' | 'reports' | 'deadletter';
export const DATASETS: readonly Dataset[] = ['events', 'flows', 'alerts', 'incidents', 'audit', 'reports', 'deadletter'];

/** An ECS document: nested objects as in ECS (`{ source: { ip } }`), `@timestamp` an ISO-8601 string. */
export interface EcsDocument {
  '@timestamp': string;
  [field: string]: unknown;
}

/**
 * A document with its deterministic id (e.g. `event.id`). Writing the same id again replaces the document
 * (index semantics): a replay never duplicates, and mutable records (incidents) are updated this way.
 */
export interface StoredDocument {
  id: string;
  doc: EcsDocument;
}

/**
 * A document already serialised as JSON text (e.g. read back from the collector's spool): `json` is one
 * object, as `JSON.stringify` writes it. Duplicate keys are not detected (engines differ on them).
 */
export interface SerializedDocument {
  id: string;
  json: string;
}

export interface TimeRange {
  /** inclusive */
  from: Date;
  /** exclusive */
  to: Date;
}

export interface SortSpec {
  field: string;
  order: 'asc' | 'desc';
}

export interface SearchRequest {
  dataset: Dataset;
  /** Analyst query language (KQL-like); empty or undefined means all. */
  query?: string;
  range?: TimeRange;
  /** Default: `@timestamp` desc, then id as tie-breaker. */
  sort?: SortSpec[];
  size?: number;
  /** Opaque cursor returned as `nextCursor` by the previous page. */
  searchAfter?: unknown[];
}

export interface SearchHit {
  id: string;
  doc: EcsDocument;
  /** Sort values of this hit (feed the last one back as searchAfter). */
  sort: unknown[];
}

export interface SearchResponse {
  total: number;
  hits: SearchHit[];
  nextCursor?: unknown[];
}

export type Aggregation =
  | { type: 'date_histogram'; field: string; intervalMs: number; aggs?: Record<string, Aggregation> }
  | { type: 'terms'; field: string; size: number; aggs?: Record<string, Aggregation> }
  | { type: 'cardinality'; field: string }
  | { type: 'sum' | 'avg' | 'min' | 'max'; field: string };

export interface Bucket {
  key: string | number;
  count: number;
  aggs?: Record<string, AggregationResult>;
}

export type AggregationResult = { buckets: Bucket[] } | { value: number | null };

export interface AggregateRequest {
  dataset: Dataset;
  query?: string;
  range?: TimeRange;
  aggs: Record<string, Aggregation>;
}

/** Per-item outcome of a bulk write. */
export interface BulkItemResult {
  id: string;
  ok: boolean;
  /** true when the failure is worth retrying (429, 5xx, timeouts). */
  retryable?: boolean;
  error?: string;
}

export interface BulkResult {
  written: number;
  failed: BulkItemResult[];
}

export interface RetentionResult {
  dataset: Dataset;
  removedBefore: Date;
  removed: number;
}

export interface HealthStatus {
  engine: 'sqlite' | 'elasticsearch' | 'opensearch';
  version: string;
  status: 'green' | 'yellow' | 'red';
  detail?: string;
}

export interface EventStore {
  /** Creates tables/templates; idempotent. */
  init(): Promise<void>;
  bulk(dataset: Dataset, docs: StoredDocument[]): Promise<BulkResult>;
  /**
   * Same as `bulk` for documents that are already JSON text: the same checks and per-item results, without
   * serialising each document again. Optional: callers fall back to `bulk` with parsed documents.
   */
  bulkJson?(dataset: Dataset, docs: SerializedDocument[]): Promise<BulkResult>;
  search(req: SearchRequest): Promise<SearchResponse>;
  count(req: Omit<SearchRequest, 'sort' | 'size' | 'searchAfter'>): Promise<number>;
  aggregate(req: AggregateRequest): Promise<Record<string, AggregationResult>>;
  get(dataset: Dataset, id: string): Promise<EcsDocument | undefined>;
  /** Deletes documents of a dataset older than the cutoff; reports how many. */
  deleteBefore(dataset: Dataset, cutoff: Date): Promise<RetentionResult>;
  /** Makes recent writes visible to search (refresh); no-op where writes are immediately visible. */
  refresh(dataset?: Dataset): Promise<void>;
  health(): Promise<HealthStatus>;
  close(): Promise<void>;
}

/** Thrown for analyst query syntax errors; `column` is 1-based. */
export class QuerySyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
    readonly expected: string[],
  ) {
    super(message);
    this.name = 'QuerySyntaxError';
  }
}
