import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { authenticate, counter, createApp, finishApp, HttpError, verifiedPeerCertificate, type IdentityStore, type TrustedFrontEnd } from '@emsoc/common';
import type { CaConnector } from '../ca/connector.js';
import type { Caller } from '../ra.js';
import type { RaRepository } from '../store/repository.js';
import { openApiDocument } from './openapi.js';
import { serialOf, type RouteSpec } from './routes.js';

const denied = counter('emsoc_ra_access_denied_total', 'RA API requests denied', ['status']);

/** The caller's address: the end user's as a trusted front end reports it, else the TCP peer. */
export function sourceIp(req: Request, res?: Response): string | null {
  const forwarded = res?.locals.onBehalfOf?.sourceAddress;
  if (forwarded) return forwarded;
  const a = req.socket.remoteAddress ?? null;
  return a?.startsWith('::ffff:') ? a.slice(7) : a;
}

export interface ApiAppOptions {
  logger: Logger;
  identity: IdentityStore;
  repo: RaRepository;
  ca: CaConnector;
  specs: RouteSpec[];
  version: string;
  bodyLimit?: string;
  /** Front ends (the SOC console) whose pinned certificate may act on behalf of signed-in users. */
  trustedFrontEnds?: TrustedFrontEnd[];
}

/**
 * The RA REST API: every route passes authentication (token or bound client certificate whose
 * status is checked against this RA) and its named permission; denials are counted and audited.
 */
export function buildApiApp(o: ApiAppOptions): Express {
  const app = createApp({ service: 'ra', logger: o.logger, bodyLimit: o.bodyLimit ?? '256kb' });
  // Responses are Cache-Control: no-store, so an ETag (a SHA-1 over every response body) buys nothing.
  app.set('etag', false);
  const doc = openApiDocument(o.specs, o.version);
  app.get('/api/v1/openapi.json', (_req, res) => void res.json(doc));

  const auditDenial = async (req: Request, res: Response, status: number, message: string) => {
    denied.inc({ status: String(status) });
    const p = res.locals.principal;
    try {
      await o.repo.tx(async (w) => {
        await w.audit({
          eventType: status === 401 ? 'access.unauthenticated' : 'access.denied',
          objectType: 'access',
          objectId: `${req.method} ${req.route?.path ?? req.path}`,
          outcome: 'failure',
          actor: { id: p?.accountId ?? 'anonymous', name: p?.name ?? 'anonymous', roles: p?.roles ?? [], sourceIp: sourceIp(req, res) },
          details: { reason: message },
        });
      });
    } catch (e) {
      o.logger.error({ err: e }, 'cannot audit an access denial');
    }
  };

  const authn = authenticate(o.identity, {
    certificateStatus: async (der) => o.ca.status(serialOf(der)),
    ...(o.trustedFrontEnds ? { trustedFrontEnds: o.trustedFrontEnds } : {}),
  });
  // Presented-but-invalid credentials are audited; a request with no credentials at all is only counted.
  const authWithAudit = (req: Request, res: Response, next: NextFunction) => {
    void authn(req, res, (err?: unknown) => {
      if (err instanceof HttpError && err.status === 401) {
        const presented = Boolean(req.headers.authorization) || Boolean(verifiedPeerCertificate(req));
        if (presented) return void auditDenial(req, res, 401, err.message).then(() => next(err));
        denied.inc({ status: '401' });
      }
      next(err);
    });
  };

  for (const spec of o.specs) {
    const guard = (req: Request, res: Response, next: NextFunction) => {
      if (spec.permissions === 'public') return next();
      const p = res.locals.principal!;
      if (!spec.permissions.some((perm) => p.permissions.has(perm))) {
        const msg = `permission ${spec.permissions.join(' or ')} required`;
        return void auditDenial(req, res, 403, msg).then(() => next(new HttpError(403, msg)));
      }
      next();
    };
    const handler = async (req: Request, res: Response) => {
      const p = res.locals.principal!;
      const caller: Caller = { id: p.accountId, name: p.name, roles: p.roles, permissions: p.permissions, sourceIp: sourceIp(req, res) };
      const out = await spec.handler({ req, res, caller });
      if (out !== undefined) res.status(spec.status ?? 200).json(out);
    };
    const chain = spec.permissions === 'public' ? [handler] : [authWithAudit, guard, handler];
    app[spec.method](spec.path, ...(chain as never[]));
  }
  finishApp(app, o.logger);
  return app;
}
