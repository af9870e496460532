import https from 'node:https';
import type { Request, Response } from 'express';
import { HttpError } from '@emsoc/common/http';
import { sourceIp } from '../audit/console-audit.js';
import type { RouteSpec } from '../routes/spec.js';

/** Header naming the account the console acts for (see docs/console-api.md, "RA on behalf of"). */
export const ON_BEHALF_OF = 'x-emsoc-on-behalf-of';
/** The end user's address as the console saw it, for the RA's audit records. */
export const SOURCE_ADDRESS = 'x-emsoc-source-address';

const REQUEST_HEADERS = ['accept', 'content-type', 'if-none-match', 'if-match'];
const RESPONSE_HEADERS = ['content-type', 'content-disposition', 'etag', 'x-total-count', 'retry-after', 'location'];

export interface RaClientOptions {
  host: string;
  port: number;
  /** Trust anchor for the RA's certificate (the platform CA). */
  ca: string;
  /** The console's own TLS client certificate: proves to the RA that "on behalf of" comes from the console. */
  clientCert?: { cert: string; key: string };
  timeoutMs?: number;
}

interface Outgoing {
  method: string;
  /** Path and query on the RA, starting with /api/v1/. */
  path: string;
  body?: Buffer;
  contentType?: string;
}

/**
 * Calls the RA service with the caller's identity: a Bearer caller's own token is forwarded unchanged;
 * a cookie-session or client-certificate caller is represented by the console's client certificate
 * plus `X-EMSOC-On-Behalf-Of: <account id>`. Headers a client sends under those names are never passed on.
 */
export class RaClient {
  private readonly agent: https.Agent;

  constructor(private readonly o: RaClientOptions) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 16, ca: o.ca, minVersion: 'TLSv1.2', ...(o.clientCert ?? {}) });
  }

  private headersFor(req: Request, res: Response, out: Outgoing): Record<string, string> {
    const p = res.locals.principal;
    if (!p) throw new HttpError(401, 'authentication required');
    const h: Record<string, string> = {};
    for (const name of REQUEST_HEADERS) {
      const v = req.headers[name];
      if (typeof v === 'string') h[name] = v;
    }
    if (out.contentType) h['content-type'] = out.contentType;
    if (res.locals.requestId) h['x-request-id'] = res.locals.requestId;
    if (p.via === 'token') {
      h.authorization = req.headers.authorization!;
    } else {
      if (!this.o.clientCert) throw new HttpError(502, 'the console has no client certificate to act on behalf of users at the RA');
      h[ON_BEHALF_OF] = p.accountId;
      h[SOURCE_ADDRESS] = sourceIp(req) ?? '';
    }
    return h;
  }

  private send(out: Outgoing, headers: Record<string, string>, body: Buffer | Request | undefined): Promise<import('node:http').IncomingMessage> {
    return new Promise((resolve, reject) => {
      const r = https.request(
        { host: this.o.host, port: this.o.port, method: out.method, path: out.path, agent: this.agent, headers, timeout: this.o.timeoutMs ?? 30_000 },
        resolve,
      );
      r.on('timeout', () => r.destroy(new Error('RA request timed out')));
      r.on('error', reject);
      if (Buffer.isBuffer(body)) r.end(body);
      else if (body) (body as Request).pipe(r);
      else r.end();
    });
  }

  /** A buffered call (small answers, e.g. audit verification). */
  async request(out: Outgoing, req: Request, res: Response): Promise<{ status: number; body: Buffer }> {
    const headers = this.headersFor(req, res, out);
    if (out.body) headers['content-length'] = String(out.body.length);
    const answer = await this.send(out, headers, out.body);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of answer) {
      size += (c as Buffer).length;
      if (size > 16 * 1024 * 1024) throw new Error('RA answer too large');
      chunks.push(c as Buffer);
    }
    return { status: answer.statusCode ?? 502, body: Buffer.concat(chunks) };
  }

  /** Streams a client request to the RA and the answer back. */
  async forward(req: Request, res: Response, path: string): Promise<void> {
    const out: Outgoing = { method: req.method, path };
    let body: Buffer | Request | undefined;
    if (req.body !== undefined && typeof req.body === 'object' && req.is('application/json')) {
      // express.json already consumed the stream: send what it parsed.
      body = Buffer.from(JSON.stringify(req.body));
      out.contentType = 'application/json';
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      body = req;
    }
    const headers = this.headersFor(req, res, out);
    if (body instanceof Buffer) headers['content-length'] = String(body.length);
    else if (body && req.headers['content-length']) headers['content-length'] = req.headers['content-length'];
    let answer;
    try {
      answer = await this.send(out, headers, body);
    } catch (e) {
      throw new HttpError(502, `RA service unavailable: ${(e as Error).message}`);
    }
    res.status(answer.statusCode ?? 502);
    for (const name of RESPONSE_HEADERS) {
      const v = answer.headers[name];
      if (v !== undefined) res.setHeader(name, v);
    }
    await new Promise<void>((resolve, reject) => {
      answer.pipe(res);
      answer.on('end', resolve);
      answer.on('error', reject);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** `/api/v1/ra/<rest>` → `/api/v1/<rest>`; refuses dot segments and encoded separators. */
export function raPath(originalUrl: string): string {
  const rest = originalUrl.slice('/api/v1/ra/'.length);
  const [p, ...q] = rest.split('?');
  if (!p || /(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\/i.test(p)) throw new HttpError(400, 'invalid RA path');
  return `/api/v1/${p}${q.length ? `?${q.join('?')}` : ''}`;
}

export function raRoutes(ra: RaClient): RouteSpec[] {
  return (['get', 'post', 'patch'] as const).map((method) => ({
    method,
    path: '/api/v1/ra/*path',
    access: 'authenticated' as const,
    tag: 'ra',
    summary: `Proxies ${method.toUpperCase()} /api/v1/ra/<path> to the RA API /api/v1/<path> with the caller's identity`,
    note: 'The RA enforces its own permissions (ra.* in roles.yaml); see the RA OpenAPI at ra/openapi.json.',
    handler: async ({ req, res }) => {
      await ra.forward(req, res, raPath(req.originalUrl));
      return undefined;
    },
  }));
}
