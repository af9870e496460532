import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { counter, histogram, registry } from '../metrics.js';
import { HttpError } from './errors.js';
import type { ListenerTls } from '../tls.js';

const requests = counter('emsoc_http_requests_total', 'HTTP requests by service, route and status', ['service', 'method', 'status']);
const latency = histogram('emsoc_http_request_seconds', 'HTTP request latency', ['service'], [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5]);

export interface AppOptions {
  service: string;
  logger: Logger;
  /** Largest JSON body accepted; larger ones are refused before parsing. */
  bodyLimit?: string;
  /** Health details reported by /healthz. */
  health?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
}

/**
 * An express app with what every service needs: security headers, bounded JSON bodies,
 * request ids and logs, /healthz and /metrics (no secrets in either). Routes are added by the caller,
 * then `finishApp` installs the 404 and error handlers.
 */
export function createApp(opts: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const id = randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    res.setHeader('Cache-Control', 'no-store');
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      requests.inc({ service: opts.service, method: req.method, status: String(res.statusCode) });
      latency.observe({ service: opts.service }, seconds);
      opts.logger.info(
        { req: { id, method: req.method, url: req.originalUrl.split('?')[0], remote: req.socket.remoteAddress }, status: res.statusCode, ms: Math.round(seconds * 1000), actor: res.locals.principal?.name },
        'request',
      );
    });
    next();
  });
  app.use(express.json({ limit: opts.bodyLimit ?? '1mb', strict: true }));
  app.get('/healthz', async (_req, res) => {
    res.json({ status: 'ok', service: opts.service, ...(opts.health ? await opts.health() : {}) });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });
  return app;
}

/** Installs the 404 and error handlers; call after all routes. */
export function finishApp(app: Express, logger: Logger): void {
  app.use((_req, _res, next) => next(new HttpError(404, 'no such endpoint')));
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.message, ...(err.details !== undefined ? { details: err.details } : {}) });
      return;
    }
    if (err instanceof z.ZodError) {
      res.status(400).json({ error: 'invalid request', details: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
      return;
    }
    // body-parser errors carry a status (413 too large, 400 bad JSON)
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err, requestId: res.locals.requestId }, 'unhandled error');
    res.status(status).json({ error: status === 500 ? 'internal error' : String(err.message ?? 'bad request') });
  };
  app.use(onError);
}

/** Parses a body or query with a strict schema: unknown fields are rejected, not ignored. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new HttpError(400, 'invalid request', r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  return r.data;
}

/** Wraps an async route so rejections reach the error handler (express 5 does this too; explicit for clarity). */
export const route =
  (fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown> | unknown) =>
  (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve(fn(req, res, next)).catch(next);
  };

export interface HttpsListenOptions {
  host: string;
  port: number;
  tls: ListenerTls;
  /** Ask for a client certificate (mTLS sign-in) without requiring one; tokens remain possible. */
  requestClientCert?: boolean;
}

export function listenHttps(app: Express, opts: HttpsListenOptions): Promise<https.Server> {
  const server = https.createServer(
    { ...opts.tls, requestCert: opts.requestClientCert ?? false, rejectUnauthorized: false },
    app,
  );
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The verified client certificate of a request, if the peer presented one our CA signed. */
export function verifiedPeerCertificate(req: Request): Buffer | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  return cert && cert.raw ? cert.raw : undefined;
}
