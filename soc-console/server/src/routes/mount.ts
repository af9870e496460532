import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { HttpError } from '@emsoc/common/http';
import { actorOf, type ConsoleAudit } from '../audit/console-audit.js';
import { checkCrossSite } from '../session/middleware.js';
import type { RouteSpec } from './spec.js';

/** Installs the route table: access rule → cross-site/CSRF check → handler; denials (403) are audited. */
export function mountRoutes(specs: RouteSpec[], audit: ConsoleAudit): Router {
  const router = express.Router();
  for (const spec of specs) {
    const guard = (req: Request, res: Response, next: NextFunction) => {
      try {
        checkCrossSite(req, res, spec.access !== 'public');
        if (spec.access === 'public') return next();
        const p = res.locals.principal;
        if (!p) throw new HttpError(401, res.locals.sessionExpired ? 'session expired' : 'authentication required (session, Bearer token or client certificate)');
        if (res.locals.session?.via === 'totp-enrolment' && !spec.duringEnrolment) {
          throw new HttpError(403, 'enrol a TOTP authenticator first');
        }
        if (spec.access !== 'authenticated') {
          const missing = spec.access.filter((perm) => !p.permissions.has(perm));
          if (missing.length) throw new HttpError(403, `permission ${missing.join(', ')} required`);
        }
        next();
      } catch (e) {
        if (e instanceof HttpError && e.status === 403) {
          audit.record({ eventType: 'access.denied', objectType: 'endpoint', objectId: `${req.method} ${spec.path}`, outcome: 'failure', actor: actorOf(req, res), details: { reason: e.message } });
        }
        next(e);
      }
    };
    const handler = async (req: Request, res: Response, next: NextFunction) => {
      try {
        const out = await spec.handler({ req, res, principal: res.locals.principal!, session: res.locals.session });
        if (out !== undefined && !res.headersSent) res.status(spec.status ?? 200).json(out);
      } catch (e) {
        if (res.headersSent) {
          // A streamed answer cannot change its status any more: cut it so the client sees it incomplete.
          res.destroy(e as Error);
          return;
        }
        next(e);
      }
    };
    router[spec.method](spec.path, guard, handler);
  }
  return router;
}
