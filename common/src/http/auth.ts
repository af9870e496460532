import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import type { IdentityStore, Principal } from '../auth/identity-store.js';
import { HttpError } from './errors.js';
import { verifiedPeerCertificate } from './app.js';

declare module 'express-serve-static-core' {
  interface Locals {
    principal?: Principal;
    requestId?: string;
    /** Set when a trusted front end (the SOC console) acts for the principal: the end user's address. */
    onBehalfOf?: { via: string; sourceAddress?: string };
  }
}

/** Header naming the account a trusted front end acts for (docs/console-api.md, "RA on behalf of"). */
export const ON_BEHALF_OF_HEADER = 'x-emsoc-on-behalf-of';
export const SOURCE_ADDRESS_HEADER = 'x-emsoc-source-address';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TrustedFrontEnd {
  /** Name recorded in audit details (e.g. "console"). */
  name: string;
  /** SHA-256 (hex) of the front end's client certificate DER: only that certificate may act for others. */
  certificateSha256: string;
}

/** Optional hook: refuse certificates that our RA revoked or suspended (the status client). */
export type CertificateStatusCheck = (certDer: Buffer) => Promise<'good' | 'revoked' | 'unknown'>;

/**
 * Resolves the caller from a Bearer token or a verified client certificate bound to an account.
 * A missing or invalid credential is 401; permission checks (403) happen per route.
 */
export function authenticate(identity: IdentityStore, opts: { certificateStatus?: CertificateStatusCheck; trustedFrontEnds?: TrustedFrontEnd[] } = {}) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.headers.authorization;
      const onBehalf = req.headers[ON_BEHALF_OF_HEADER];
      if (onBehalf !== undefined) {
        if (header) throw new HttpError(400, 'both Authorization and on-behalf-of: ambiguous identity');
        const cert = verifiedPeerCertificate(req);
        const fingerprint = cert ? createHash('sha256').update(cert).digest('hex') : undefined;
        const front = opts.trustedFrontEnds?.find((f) => f.certificateSha256.toLowerCase() === fingerprint);
        if (!front) throw new HttpError(401, 'on-behalf-of is only accepted from a trusted front end certificate');
        if (typeof onBehalf !== 'string' || !UUID.test(onBehalf)) throw new HttpError(401, 'on-behalf-of must name one account id');
        const principal = identity.principalForAccount(onBehalf, 'session');
        if (!principal) throw new HttpError(401, 'on-behalf-of names no active account');
        const addr = req.headers[SOURCE_ADDRESS_HEADER];
        res.locals.principal = principal;
        res.locals.onBehalfOf = { via: front.name, ...(typeof addr === 'string' && isIP(addr) ? { sourceAddress: addr } : {}) };
        return next();
      }
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
