/**
 * Elasticsearch 8/9 and OpenSearch 2/3 behind the EventStore contract.
 * Layout: daily indices `<prefix>-<dataset>-YYYY.MM.DD` chosen by the event's own @timestamp (not data
 * streams: overwrite-by-id must work, and a replayed event must land in the same index), plus one
 * `<prefix>-<dataset>-all` index for the mutable, low-volume datasets (incidents, reports) whose records
 * are updated in place. Retention drops whole expired daily indices.
 */
import {
  type AggregateRequest, type Aggregation, type AggregationResult, type Bucket, type BulkResult, type Dataset, type EcsDocument,
  type EventStore, type HealthStatus, type RetentionResult, type SearchRequest, type SearchResponse, DATASETS, type StoredDocument, type SerializedDocument,
} from '../contract.js';
import { parseQuery, toEs, esField } from '../query/index.js';
import { fieldType } from '../schema/fields.js';
import { DocumentError, ID_FIELD, prepareDocument, prepareSerialized, serializedDocument } from '../schema/document.js';
import { checkAggs, checkCursor, checkDataset, pageSize, resolveSort, RequestError } from '../request.js';
import { EngineError, EngineHttp, isRetryableStatus, type EngineConnectionOptions } from './http.js';
import { indexTemplate, type IndexSettings, type TextAnalysis } from './templates.js';

export type EngineKind = 'elasticsearch' | 'opensearch';

export interface SearchEngineStoreOptions extends EngineConnectionOptions {
  engine?: EngineKind | 'auto';
  /** Index name prefix, default `emsoc`. */
  indexPrefix?: string;
  index?: IndexSettings;
}

/** Datasets whose records are updated in place: one index, so an id always maps to the same index. */
const MUTABLE: ReadonlySet<Dataset> = new Set(['incidents', 'reports']);
const DAY_MS = 86_400_000;

type Dsl = Record<string, any>;

export class SearchEngineEventStore implements EventStore {
  readonly http: EngineHttp;
  readonly prefix: string;
  engine: EngineKind | undefined;
  version = '';
  /** Which text analyzer the templates use (see templates.ts). */
  textAnalysis: TextAnalysis = 'emsoc';

  constructor(private readonly opts: SearchEngineStoreOptions) {
    this.prefix = opts.indexPrefix ?? 'emsoc';
    if (!/^[a-z0-9][a-z0-9_-]{0,47}$/.test(this.prefix)) throw new RequestError('indexPrefix must be lowercase letters, digits, - or _');
    this.http = new EngineHttp(opts);
  }

  /** GET / tells Elasticsearch from OpenSearch and their versions. */
  async connect(): Promise<{ engine: EngineKind; version: string }> {
    let number: string;
    let engine: EngineKind;
    try {
      const { body } = await this.http.request('GET', '/');
      number = body?.version?.number ?? '';
      engine = body?.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
    } catch (e) {
      // Elasticsearch serves GET / from its rest-root module; a bare embedded node lacks it (OpenSearch never does).
      if (!(e instanceof EngineError) || (e.status !== 405 && e.status !== 404)) throw e;
      const { body } = await this.http.request('GET', '/_nodes/_local?filter_path=nodes.*.version');
      number = String(Object.values<any>(body?.nodes ?? {})[0]?.version ?? '');
      engine = 'elasticsearch';
    }
    const major = Number(number.split('.')[0]);
    const supported = engine === 'opensearch' ? major >= 2 && major <= 3 : major >= 8 && major <= 9;
    if (!supported) throw new EngineError(`unsupported engine ${engine} ${number} (need Elasticsearch 8/9 or OpenSearch 2/3)`, undefined, false);
    if (this.opts.engine && this.opts.engine !== 'auto' && this.opts.engine !== engine) {
      throw new EngineError(`configured for ${this.opts.engine} but the server is ${engine} ${number}`, undefined, false);
    }
    this.engine = engine;
    this.version = number;
    return { engine, version: number };
  }

  pattern(d: Dataset): string { return `${this.prefix}-${d}-*`; }

  indexFor(d: Dataset, ts: number): string {
    if (MUTABLE.has(d)) return `${this.prefix}-${d}-all`;
    const day = new Date(ts).toISOString().slice(0, 10).replace(/-/g, '.');
    return `${this.prefix}-${d}-${day}`;
  }

  async init(): Promise<void> {
    if (!this.engine) await this.connect();
    for (const d of DATASETS) {
      try {
        await this.http.request('PUT', `/_index_template/${this.prefix}-${d}`, indexTemplate(this.prefix, d, this.opts.index, this.textAnalysis));
      } catch (e) {
        const missingAnalysis = e instanceof EngineError && e.status === 400 && /pattern|char_filter|tokenizer|analy[sz]er|filter/i.test(e.message);
        if (!missingAnalysis || this.textAnalysis === 'standard') throw e;
        this.textAnalysis = 'standard';
        await this.http.request('PUT', `/_index_template/${this.prefix}-${d}`, indexTemplate(this.prefix, d, this.opts.index, this.textAnalysis));
      }
    }
  }

  async bulk(dataset: Dataset, docs: StoredDocument[]): Promise<BulkResult> {
    return this.send(dataset, docs, (item) => {
      const { doc, ts } = prepareDocument(item.doc);
      return { ts, json: serializedDocument(doc) };
    });
  }

  /** The text goes into the NDJSON body as given (parsed once for the checks); see `prepareSerialized`. */
  async bulkJson(dataset: Dataset, docs: SerializedDocument[]): Promise<BulkResult> {
    return this.send(dataset, docs, (item) => {
      const { ts, json } = prepareSerialized(item.json);
      return { ts, json: json.trimEnd() };
    });
  }

  private async send<T extends { id: string }>(dataset: Dataset, docs: T[], prepare: (item: T) => { ts: number; json: string }): Promise<BulkResult> {
    const d = checkDataset(dataset);
    const failed: BulkResult['failed'] = [];
    const sent: string[] = [];
    // One string built by appending (V8 concatenates lazily): no per-document line array and no join copy.
    let body = '';
    let lastDay = NaN;
    let indexPrefix = '';
    for (const item of docs) {
      try {
        if (typeof item?.id !== 'string' || item.id.length === 0 || item.id.length > 512) throw new DocumentError('id must be a string of 1..512 characters');
        const { ts, json: source } = prepare(item); // an object with @timestamp: ends in '}', never '{}'
        const day = Math.floor(ts / DAY_MS);
        if (day !== lastDay) { lastDay = day; indexPrefix = `{"index":{"_index":${JSON.stringify(this.indexFor(d, ts))},"_id":`; }
        const id = JSON.stringify(item.id);
        body += `${indexPrefix}${id}}}\n${source.slice(0, -1)},"${ID_FIELD}":${id}}\n`;
        sent.push(item.id);
      } catch (e) {
        failed.push({ id: String(item?.id), ok: false, retryable: false, error: `mapping conflict: ${(e as Error).message}` });
      }
    }
    if (sent.length === 0) return { written: 0, failed };
    let res: any;
    try {
      // Only what the per-item check reads: the engine skips rendering _index/_id/_version/_shards of every item.
      res = (await this.http.request('POST', '/_bulk?filter_path=errors,items.*.status,items.*.error', body)).body;
    } catch (e) {
      const retryable = e instanceof EngineError ? e.retryable : true;
      for (const id of sent) failed.push({ id, ok: false, retryable, error: (e as Error).message });
      return { written: 0, failed };
    }
    const items = res?.items as any[] | undefined;
    if (!Array.isArray(items) || items.length !== sent.length) {
      for (const id of sent) failed.push({ id, ok: false, retryable: true, error: 'bulk response does not list every item' });
      return { written: 0, failed };
    }
    if (res.errors === false) return { written: sent.length, failed };
    let written = 0;
    items.forEach((it, i) => {
      const r = it.index ?? it.create ?? it.update ?? {};
      if (r.status < 300) { written++; return; }
      const reason = `${r.error?.type ?? r.status}: ${r.error?.reason ?? ''}`.slice(0, 500);
      failed.push({ id: sent[i]!, ok: false, retryable: isRetryableStatus(r.status), error: reason });
    });
    return { written, failed };
  }

  private filter(req: { query?: string; range?: SearchRequest['range'] }): Dsl {
    const filters: Dsl[] = [];
    if (req.range) {
      const from = req.range.from.getTime();
      const to = req.range.to.getTime();
      if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RequestError('range needs valid dates');
      filters.push({ range: { '@timestamp': { gte: from, lt: to, format: 'epoch_millis' } } });
    }
    if (req.query?.trim()) filters.push(toEs(parseQuery(req.query), req.query));
    return filters.length ? { bool: { filter: filters } } : { match_all: {} };
  }

  private searchPath(d: Dataset, api: '_search' | '_count'): string {
    return `/${this.pattern(d)}/${api}?ignore_unavailable=true&allow_no_indices=true`;
  }

  async search(req: SearchRequest): Promise<SearchResponse> {
    const d = checkDataset(req.dataset);
    const sort = resolveSort(req.sort);
    const size = pageSize(req.size);
    const after = checkCursor(req.searchAfter, sort);
    const body: Dsl = {
      size,
      track_total_hits: true,
      query: this.filter(req),
      sort: sort.map((s) => ({ [esField(s.field)]: { order: s.order, missing: '_last', unmapped_type: unmappedType(s.field) } })),
    };
    if (after) body.search_after = after;
    const res = (await this.http.request('POST', this.searchPath(d, '_search'), body)).body;
    const hits = (res.hits.hits as any[]).map((h) => ({ id: h._id as string, doc: stripId(h._source), sort: h.sort as unknown[] }));
    return { total: res.hits.total.value, hits, nextCursor: hits.length === size && size > 0 ? hits[hits.length - 1]!.sort : undefined };
  }

  async count(req: Omit<SearchRequest, 'sort' | 'size' | 'searchAfter'>): Promise<number> {
    const d = checkDataset(req.dataset);
    const res = (await this.http.request('POST', this.searchPath(d, '_count'), { query: this.filter(req) })).body;
    return res.count;
  }

  async aggregate(req: AggregateRequest): Promise<Record<string, AggregationResult>> {
    const d = checkDataset(req.dataset);
    checkAggs(req.aggs);
    const body = { size: 0, track_total_hits: false, query: this.filter(req), aggs: esAggs(req.aggs) };
    const res = (await this.http.request('POST', this.searchPath(d, '_search'), body)).body;
    return normalizeAggs(req.aggs, res.aggregations ?? {});
  }

  async get(dataset: Dataset, id: string): Promise<EcsDocument | undefined> {
    const d = checkDataset(dataset);
    if (MUTABLE.has(d)) {
      const res = await this.http.request('GET', `/${this.prefix}-${d}-all/_doc/${encodeURIComponent(String(id))}`, undefined, [404]);
      return res.body?.found ? stripId(res.body._source) : undefined;
    }
    const res = (await this.http.request('POST', this.searchPath(d, '_search'), { size: 1, query: { ids: { values: [String(id)] } } })).body;
    const hit = res.hits.hits[0];
    return hit ? stripId(hit._source) : undefined;
  }

  /** Whole daily indices entirely before the cutoff are dropped; the boundary day is trimmed by query. */
  async deleteBefore(dataset: Dataset, cutoff: Date): Promise<RetentionResult> {
    const d = checkDataset(dataset);
    const ms = cutoff.getTime();
    if (!Number.isFinite(ms)) throw new RequestError('cutoff must be a valid date');
    const res = await this.http.request('GET', `/_cat/indices/${this.pattern(d)}?format=json&h=index`);
    const names = (res.body as { index: string }[]).map((r) => r.index);
    let removed = 0;
    for (const name of names) {
      const m = /-(\d{4})\.(\d{2})\.(\d{2})$/.exec(name);
      const dayStart = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
      if (dayStart !== undefined && dayStart >= ms) continue;
      if (dayStart !== undefined && dayStart + DAY_MS <= ms) {
        await this.http.request('POST', `/${name}/_refresh`);
        removed += (await this.http.request('POST', `/${name}/_count`, { query: { match_all: {} } })).body.count;
        await this.http.request('DELETE', `/${name}`);
      } else {
        removed += await this.trimIndex(name, ms);
      }
    }
    return { dataset: d, removedBefore: cutoff, removed };
  }

  /** Deletes documents before `ms` inside one index: _delete_by_query, or search + bulk delete where the reindex module is absent. */
  private async trimIndex(index: string, ms: number): Promise<number> {
    const query = { range: { '@timestamp': { lt: ms, format: 'epoch_millis' } } };
    try {
      const r = await this.http.request('POST', `/${index}/_delete_by_query?conflicts=proceed&refresh=true`, { query });
      return r.body.deleted ?? 0;
    } catch (e) {
      if (!(e instanceof EngineError) || (e.status !== 400 && e.status !== 404 && e.status !== 405)) throw e;
    }
    await this.http.request('POST', `/${index}/_refresh`);
    let removed = 0;
    for (;;) {
      const res = (await this.http.request('POST', `/${index}/_search`, { size: 1000, _source: false, query, sort: [{ [ID_FIELD]: 'asc' }] })).body;
      const ids: string[] = res.hits.hits.map((h: any) => h._id);
      if (ids.length === 0) return removed;
      const body = ids.map((id) => JSON.stringify({ delete: { _index: index, _id: id } })).join('\n') + '\n';
      const r = (await this.http.request('POST', '/_bulk?refresh=true', body)).body;
      removed += (r.items as any[]).filter((it) => it.delete?.result === 'deleted').length;
    }
  }

  async refresh(dataset?: Dataset): Promise<void> {
    const target = dataset ? this.pattern(checkDataset(dataset)) : `${this.prefix}-*`;
    await this.http.request('POST', `/${target}/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  }

  async health(): Promise<HealthStatus> {
    const engine = this.engine ?? (this.opts.engine === 'opensearch' ? 'opensearch' : 'elasticsearch');
    try {
      if (!this.engine) await this.connect();
      const h = (await this.http.request('GET', '/_cluster/health')).body;
      return { engine: this.engine!, version: this.version, status: h.status, detail: `${h.number_of_nodes} node(s), ${h.unassigned_shards} unassigned shard(s), text analysis ${this.textAnalysis}` };
    } catch (e) {
      return { engine: this.engine ?? engine, version: this.version, status: 'red', detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

function stripId(source: Record<string, unknown>): EcsDocument {
  const { [ID_FIELD]: _, ...doc } = source;
  return doc as EcsDocument;
}

function unmappedType(field: string): string {
  if (field === '_id') return 'keyword';
  const t = fieldType(field);
  return t === 'text' ? 'keyword' : t;
}

function intervalText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function esAggs(aggs: Record<string, Aggregation>): Dsl {
  const out: Dsl = {};
  for (const [name, a] of Object.entries(aggs)) {
    switch (a.type) {
      case 'date_histogram':
        out[name] = { date_histogram: { field: a.field, fixed_interval: intervalText(a.intervalMs), min_doc_count: 1 } };
        break;
      case 'terms':
        out[name] = { terms: { field: a.field, size: a.size, shard_size: Math.min(10_000, Math.max(a.size * 10, 1_000)), order: [{ _count: 'desc' }, { _key: 'asc' }] } };
        break;
      case 'cardinality':
        out[name] = { cardinality: { field: a.field, precision_threshold: 40_000 } };
        break;
      default:
        out[name] = { [a.type]: { field: a.field } };
    }
    if ((a.type === 'terms' || a.type === 'date_histogram') && a.aggs) out[name].aggs = esAggs(a.aggs);
  }
  return out;
}

/** Response → contract shape: epoch-millis histogram keys, boolean keys as 'true'/'false', sum 0 when empty. */
export function normalizeAggs(aggs: Record<string, Aggregation>, res: Dsl): Record<string, AggregationResult> {
  const out: Record<string, AggregationResult> = {};
  for (const [name, a] of Object.entries(aggs)) {
    const r = res[name] ?? {};
    if (a.type === 'terms' || a.type === 'date_histogram') {
      const boolKeys = a.type === 'terms' && fieldType(a.field) === 'boolean';
      out[name] = {
        buckets: (r.buckets ?? []).map((b: any): Bucket => ({
          key: boolKeys ? b.key_as_string : b.key,
          count: b.doc_count,
          ...(a.aggs ? { aggs: normalizeAggs(a.aggs, b) } : {}),
        })),
      };
    } else {
      out[name] = { value: a.type === 'sum' ? (r.value ?? 0) : (r.value ?? null) };
    }
  }
  return out;
}
