import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { IdentityStore, Principal } from '../auth/identity-store.js';
import { HttpError } from './errors.js';
import { verifiedPeerCertificate } from './app.js';

declare module 'express-serve-static-core' {
  interface Locals {
    principal?: Principal;
    requestId?: string;
  }
}

/** Optional hook: refuse certificates that our RA revoked or suspended (the status client). */
export type CertificateStatusCheck = (certDer: Buffer) => Promise<'good' | 'revoked' | 'unknown'>;

/**
 * Resolves the caller from a Bearer token or a verified client certificate bound to an account.
 * A missing or invalid credential is 401; permission checks (403) happen per route.
 */
export function authenticate(identity: IdentityStore, opts: { certificateStatus?: CertificateStatusCheck } = {}) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.headers.authorization;
      if (header) {
        const m = /^Bearer\s+(\S+)$/i.exec(header);
        const principal = m ? identity.principalFromToken(m[1]!) : undefined;
        if (!principal) throw new HttpError(401, 'invalid or expired token');
        res.locals.principal = principal;
        return next();
      }
      const cert = verifiedPeerCertificate(req);
      if (cert) {
        const fingerprint = createHash('sha256').update(cert).digest('hex');
        const principal = identity.principalFromCertificate(fingerprint);
        if (!principal) throw new HttpError(401, 'client certificate is not bound to an active account');
        if (opts.certificateStatus && (await opts.certificateStatus(cert)) !== 'good') {
          throw new HttpError(401, 'client certificate is revoked, suspended or of unknown status');
        }
        res.locals.principal = principal;
        return next();
      }
      throw new HttpError(401, 'authentication required (Bearer token or client certificate)');
    } catch (e) {
      next(e);
    }
  };
}

/** Route guard: the principal must hold the permission (roles come from policies/roles.yaml). */
export function requirePermission(permission: string) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const p = res.locals.principal;
    if (!p) return next(new HttpError(401, 'authentication required'));
    if (!p.permissions.has(permission)) return next(new HttpError(403, `permission ${permission} required`));
    next();
  };
}

export function principalOf(res: Response): Principal {
  const p = res.locals.principal;
  if (!p) throw new HttpError(401, 'authentication required');
  return p;
}
