import type { Request, Response } from 'express';
import { z } from 'zod';
import type { IdentityStore, Principal } from '@emsoc/common/auth';
import { HttpError, parseWith, verifiedPeerCertificate, type CertificateStatusCheck } from '@emsoc/common/http';
import type { TLSSocket } from 'node:tls';
import { actorOf, sourceIp, type ConsoleAudit } from '../audit/console-audit.js';
import { clearSessionCookie, readCookie, SESSION_COOKIE, setSessionCookie } from '../session/cookies.js';
import { certificateFingerprint } from '../session/middleware.js';
import type { LoginRateLimiter } from '../session/rate-limit.js';
import type { Session, SessionStore } from '../session/store.js';
import type { RouteSpec } from '../routes/spec.js';
import { matchTotpStep, type TotpState } from '../session/totp.js';

const loginBody = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256), totp: z.string().regex(/^\d{6}$/).optional() })
  .strict();

export interface SessionDeps {
  identity: IdentityStore;
  sessions: SessionStore;
  /** Failed sign-ins per account name and per source address (an office behind NAT shares one). */
  limiters: { account: LoginRateLimiter; address: LoginRateLimiter };
  audit: ConsoleAudit;
  certificateStatus: CertificateStatusCheck;
  now: () => number;
  /** Local (break-glass) sign-in needs a TOTP second factor; default true. */
  requireTotp: boolean;
  totp: TotpState;
}

export function sessionAnswer(identity: IdentityStore, p: Principal, session: Session | undefined) {
  const account = identity.getAccount(p.accountId);
  return {
    user: { name: p.name, displayName: account?.displayName ?? p.name, roles: p.roles, permissions: [...p.permissions].sort() },
    csrfToken: session?.csrf ?? null,
    via: session ? session.via : p.via,
    /** The session only allows enrolling a TOTP authenticator (then it is replaced by a full one). */
    totpEnrolmentRequired: session?.via === 'totp-enrolment',
  };
}

/** Failed-attempt bookkeeping shared by sign-in and TOTP confirmation: throttling, counting, auditing. */
export function attemptGuards(d: Pick<SessionDeps, 'limiters' | 'audit'>) {
  const limiterOf = (key: string) => (key.startsWith('account:') ? d.limiters.account : d.limiters.address);
  const throttled = (res: Response, keys: string[]) => {
    const wait = Math.max(...keys.map((k) => limiterOf(k).retryAfterMs(k)));
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      return true;
    }
    return false;
  };
  const refuse = (req: Request, res: Response, kind: string, attempted: string, reason: string, keys: string[], status = 401, message = 'sign-in failed') => {
    for (const k of keys) limiterOf(k).fail(k);
    d.audit.record({ eventType: kind, objectType: 'session', objectId: attempted, outcome: 'failure', actor: actorOf(req, res), details: { reason } });
    return new HttpError(status, message);
  };
  return { throttled, refuse };
}

/** Signs in: any session the browser brought is ended, and a fresh id is issued (no fixation). */
export function sessionStarter(d: Pick<SessionDeps, 'sessions' | 'audit' | 'identity'>) {
  return (req: Request, res: Response, principal: Principal, via: Session['via'], certFingerprint?: string) => {
    d.sessions.destroy(readCookie(req, SESSION_COOKIE));
    const { id, session } = d.sessions.create({ accountId: principal.accountId, via, sourceIp: sourceIp(req), ...(certFingerprint ? { certFingerprint } : {}) });
    setSessionCookie(res, id);
    res.locals.principal = principal;
    res.locals.session = session;
    const eventType = via === 'certificate' ? 'session.certificate_login' : via === 'totp-enrolment' ? 'session.enrolment_login' : 'session.login';
    d.audit.record({ eventType, objectType: 'session', objectId: principal.name, outcome: 'success', actor: actorOf(req, res), details: { via } });
    return sessionAnswer(d.identity, { ...principal, via: 'session' }, session);
  };
}

export function sessionRoutes(d: SessionDeps): RouteSpec[] {
  const guards = attemptGuards(d);
  const throttled = guards.throttled;
  const refuse = (req: Request, res: Response, kind: string, attempted: string, reason: string, keys: string[], status = 401, message = 'sign-in failed') =>
    guards.refuse(req, res, `session.${kind}`, attempted, reason, keys, status, message);
  const start = sessionStarter(d);

  return [
    {
      method: 'post',
      path: '/api/v1/session/login',
      access: 'public',
      tag: 'session',
      summary: 'Local (break-glass) sign-in with password and TOTP; sets the session cookie',
      note: 'Rate-limited per account and per source address (429 with Retry-After). An account without TOTP whose enrolment window is open (new, or reset by a security administrator) gets an enrolment-only session (totpEnrolmentRequired: true).',
      body: loginBody,
      handler: ({ req, res }) => {
        const body = parseWith(loginBody, req.body);
        const keys = [`account:${body.username.toLowerCase()}`, `address:${sourceIp(req)}`];
        if (throttled(res, keys)) {
          d.audit.record({ eventType: 'session.login', objectType: 'session', objectId: body.username, outcome: 'failure', actor: actorOf(req, res), details: { reason: 'rate-limited' } });
          throw new HttpError(429, 'too many failed sign-ins; try again later');
        }
        const checked = d.identity.checkPassword(body.username, body.password);
        if (!checked) throw refuse(req, res, 'login', body.username, 'bad username or password', keys);
        const { account, totpSecret } = checked;
        let via: Session['via'] = 'password';
        if (totpSecret) {
          if (!body.totp) throw refuse(req, res, 'login', body.username, 'TOTP code missing', keys, 401, 'TOTP code required');
          const step = matchTotpStep(totpSecret, body.totp, d.now());
          if (step === undefined) throw refuse(req, res, 'login', body.username, 'bad TOTP code', keys);
          // Each time step is accepted once per account, and never an earlier one after it (RFC 6238 §5.2).
          if (!d.totp.accept(account.id, step)) throw refuse(req, res, 'login', body.username, 'TOTP code replayed', keys);
        } else if (d.requireTotp) {
          // Only a new or reset account may use its password alone, and only to enrol (a restricted session).
          if (!d.totp.windowOpen(account.id)) {
            throw refuse(req, res, 'login', body.username, 'account has no TOTP second factor', keys, 401, 'local sign-in requires a TOTP second factor; ask a security administrator to reset your TOTP enrolment');
          }
          via = 'totp-enrolment';
        }
        const principal = d.identity.principalForAccount(account.id, 'session');
        if (!principal) throw refuse(req, res, 'login', body.username, 'account not active', keys);
        d.limiters.account.succeed(keys[0]!);
        return start(req, res, via === 'totp-enrolment' ? { ...principal, permissions: new Set() } : principal, via);
      },
    },
    {
      method: 'post',
      path: '/api/v1/session/certificate',
      access: 'public',
      tag: 'session',
      summary: 'Sign-in with the TLS client certificate presented to this listener (issued by our CA, status checked)',
      handler: async ({ req, res }) => {
        const keys = [`address:${sourceIp(req)}`];
        if (throttled(res, keys)) throw new HttpError(429, 'too many failed sign-ins; try again later');
        const cert = verifiedPeerCertificate(req);
        if (!cert) {
          const presented = (req.socket as TLSSocket).getPeerCertificate?.()?.raw;
          throw refuse(req, res, 'certificate_login', 'certificate', presented ? 'certificate not issued by the platform CA or not valid' : 'no client certificate presented', keys, 401, 'no valid client certificate presented');
        }
        const fingerprint = certificateFingerprint(cert);
        const principal = d.identity.principalFromCertificate(fingerprint);
        if (!principal) throw refuse(req, res, 'certificate_login', fingerprint, 'certificate not bound to an active account', keys, 401, 'client certificate is not bound to an active account');
        const status = await d.certificateStatus(cert);
        if (status !== 'good') throw refuse(req, res, 'certificate_login', principal.name, `certificate status ${status}`, keys, 401, `client certificate status is ${status}`);
        return start(req, res, principal, 'certificate', fingerprint);
      },
    },
    {
      method: 'get',
      path: '/api/v1/session',
      access: 'authenticated',
      tag: 'session',
      summary: 'The current caller (user, roles, permissions) and the session CSRF token',
      duringEnrolment: true,
      handler: ({ principal, session }) => sessionAnswer(d.identity, principal, session),
    },
    {
      method: 'post',
      path: '/api/v1/session/logout',
      access: 'authenticated',
      tag: 'session',
      summary: 'Ends the session and clears the cookie',
      duringEnrolment: true,
      status: 204,
      handler: ({ req, res, principal }) => {
        const ended = d.sessions.destroy(readCookie(req, SESSION_COOKIE));
        clearSessionCookie(res);
        d.audit.record({ eventType: 'session.logout', objectType: 'session', objectId: principal.name, outcome: 'success', actor: actorOf(req, res), details: { ended } });
        res.status(204).end();
        return undefined;
      },
    },
  ];
}
