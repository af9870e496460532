import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { IdentityStore } from '@emsoc/common/auth';
import { HttpError, verifiedPeerCertificate, type CertificateStatusCheck } from '@emsoc/common/http';
import { readCookie, SESSION_COOKIE } from './cookies.js';
import type { Session, SessionStore } from './store.js';

declare module 'express-serve-static-core' {
  interface Locals {
    session?: Session;
    sessionExpired?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isStateChanging = (req: Request) => !SAFE_METHODS.has(req.method);

export function certificateFingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/**
 * Resolves the caller, without deciding access (the route guard does): a Bearer token (automation), the
 * session cookie, or a verified client certificate bound to an account whose status check says good.
 * An invalid Bearer token is refused outright; an unknown or expired cookie just means "no session".
 */
export function resolveCaller(identity: IdentityStore, sessions: SessionStore, certificateStatus: CertificateStatusCheck) {
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
      const found = sessions.lookup(readCookie(req, SESSION_COOKIE));
      if (found === 'expired') res.locals.sessionExpired = true;
      else if (found) {
        const principal = identity.principalForAccount(found.accountId, 'session');
        if (principal) {
          // An enrolment-only session carries no permissions at all (defence in depth besides the route guard).
          res.locals.principal = found.via === 'totp-enrolment' ? { ...principal, permissions: new Set() } : principal;
          res.locals.session = found;
          return next();
        }
      }
      const cert = verifiedPeerCertificate(req);
      if (cert) {
        const principal = identity.principalFromCertificate(certificateFingerprint(cert));
        if (principal && (await certificateStatus(cert)) === 'good') res.locals.principal = principal;
      }
      next();
    } catch (e) {
      next(e);
    }
  };
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Cross-site request refusal for everything a browser sends on its own (cookies, client certificates):
 * a state-changing request must not come from another site (Fetch Metadata / Origin), and with a
 * session cookie it must carry the session's CSRF token. Bearer requests are exempt (not ambient).
 */
export function checkCrossSite(req: Request, res: Response, sessionRoute = true): void {
  if (!isStateChanging(req) || req.headers.authorization) return;
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') throw new HttpError(403, 'cross-site request refused');
  const origin = req.headers.origin;
  // Host comparison (not scheme): the Angular dev server proxies http://host:4200 with the Host header kept.
  if (origin !== undefined && originHost(origin) !== req.headers.host) throw new HttpError(403, 'cross-origin request refused');
  const session = res.locals.session;
  // Sign-in routes are public: a session the browser still holds is replaced there, so it has no token to check.
  if (session && sessionRoute) {
    const token = req.headers['x-csrf-token'];
    if (typeof token !== 'string' || !sameToken(token, session.csrf)) throw new HttpError(403, 'CSRF token missing or invalid');
  }
}
