/**
 * One small HTTP layer for Elasticsearch 8/9 and OpenSearch 2/3 instead of their two client libraries:
 * the ES 9 client sends `compatible-with=9` media types that ES 8 rejects and refuses to talk to OpenSearch
 * (product check), the OpenSearch client wraps responses differently — two clients would mean two code
 * paths for the same REST calls. The calls we make (_bulk, _search, _count, _index_template, _refresh,
 * _delete_by_query, _cat/indices, _cluster/health) are identical JSON on all four, and the bulk writer needs
 * raw status codes to tell retryable from permanent failures anyway.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

export type EngineAuth = { username: string; password: string } | { apiKey: string };

export interface EngineConnectionOptions {
  /** One or more node URLs; requests rotate over them and fail over on connection errors. */
  urls: string[];
  auth?: EngineAuth;
  tls?: { caFile?: string; rejectUnauthorized?: boolean };
  /** Per-request timeout (headers and body), default 30 s. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(message: string, readonly status: number | undefined, readonly retryable: boolean, readonly type?: string) {
    super(message);
  }
}

/** 429 (rejected execution / too many requests) and 5xx are transient; 4xx are the request's fault. */
export const isRetryableStatus = (status: number) => status === 429 || status >= 500;

export interface EngineResponse<T = any> { status: number; body: T }

export class EngineHttp {
  private readonly agent: Agent;
  private readonly urls: URL[];
  private readonly headers: Record<string, string>;
  private next = 0;
  private readonly timeout: number;

  constructor(opts: EngineConnectionOptions) {
    if (!opts.urls?.length) throw new EngineError('at least one engine URL is required', undefined, false);
    this.urls = opts.urls.map((u) => {
      const url = new URL(u);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EngineError(`unsupported URL scheme in ${url.origin}`, undefined, false);
      return url;
    });
    this.timeout = opts.requestTimeoutMs ?? 30_000;
    const ca = opts.tls?.caFile ? readFileSync(opts.tls.caFile) : undefined;
    this.agent = new Agent({
      connect: { ca, rejectUnauthorized: opts.tls?.rejectUnauthorized ?? true, timeout: opts.connectTimeoutMs ?? 10_000 },
      headersTimeout: this.timeout,
      bodyTimeout: this.timeout,
      keepAliveTimeout: 30_000,
    });
    this.headers = { accept: 'application/json' };
    const auth = opts.auth;
    if (auth && 'apiKey' in auth) this.headers.authorization = `ApiKey ${auth.apiKey}`;
    else if (auth) this.headers.authorization = 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  }

  /** `body` is JSON-serialised unless it is already a string (NDJSON for _bulk). */
  async request<T = any>(method: string, path: string, body?: unknown, ok: number[] = []): Promise<EngineResponse<T>> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const contentType = typeof body === 'string' ? 'application/x-ndjson' : 'application/json';
    let lastError: unknown;
    for (let attempt = 0; attempt < this.urls.length; attempt++) {
      const base = this.urls[this.next++ % this.urls.length]!;
      const url = new URL(path, base);
      try {
        const res = await request(url, {
          method: method as 'GET',
          headers: payload === undefined ? this.headers : { ...this.headers, 'content-type': contentType },
          body: payload,
          dispatcher: this.agent,
          headersTimeout: this.timeout,
          bodyTimeout: this.timeout,
        });
        const text = await res.body.text();
        let parsed: any;
        try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
        if (res.statusCode >= 400 && !ok.includes(res.statusCode)) {
          const err = parsed?.error;
          const reason = typeof err === 'string' ? err
            : [err?.root_cause?.[0]?.reason ?? err?.reason, err?.caused_by?.reason].filter(Boolean).join(': ') || String(text).slice(0, 300);
          throw new EngineError(`${method} ${url.pathname}: ${res.statusCode} ${reason}`, res.statusCode, isRetryableStatus(res.statusCode), err?.type);
        }
        return { status: res.statusCode, body: parsed as T };
      } catch (e) {
        if (e instanceof EngineError) throw e;
        lastError = e; // connection refused/reset/timeout: try the next node
      }
    }
    const cause = lastError as { code?: string; message?: string };
    throw new EngineError(`engine unreachable (${cause?.code ?? cause?.message ?? 'unknown error'})`, undefined, true, 'unavailable');
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
