import { z } from 'zod';
import type { Request, Response } from 'express';
import { HttpError, parseWith } from '@emsoc/common/http';
import { actorOf, sourceIp } from '../audit/console-audit.js';
import type { RouteSpec } from '../routes/spec.js';
import { matchTotpStep, otpauthUri, TOTP_STEP_MS } from '../session/totp.js';
import { attemptGuards, sessionAnswer, sessionStarter, type SessionDeps } from './session.js';

const confirmBody = z.object({ code: z.string().regex(/^\d{6}$/, 'six digits') }).strict();

/**
 * TOTP self-enrolment for local (password) accounts and the security administrator's reset. Enrolment is
 * two-step: the server makes a secret and shows it once; it becomes active only when the user proves
 * their authenticator produces the right code. Every step is audited; wrong codes count as failed sign-ins.
 */
export function totpRoutes(d: SessionDeps & { issuer: string }): RouteSpec[] {
  const { throttled, refuse } = attemptGuards(d);
  const start = sessionStarter(d);
  const audit = (req: Request, res: Response, eventType: string, objectId: string, outcome: 'success' | 'failure', details?: Record<string, unknown>) =>
    d.audit.record({ eventType, objectType: 'account', objectId, outcome, actor: actorOf(req, res), ...(details ? { details } : {}) });

  /** The caller's own local account: TOTP only protects password sign-in. */
  const localAccount = (accountId: string) => {
    const account = d.identity.getAccount(accountId);
    if (!account) throw new HttpError(404, 'no such account');
    if (!account.hasPassword) throw new HttpError(400, 'this account has no local password; it signs in with its certificate');
    return account;
  };

  return [
    {
      method: 'get',
      path: '/api/v1/account/totp',
      access: 'authenticated',
      duringEnrolment: true,
      tag: 'session',
      summary: "The caller's TOTP status: enrolled, a pending enrolment, whether one is required now",
      handler: ({ principal, session }) => {
        const account = d.identity.getAccount(principal.accountId);
        const pending = d.totp.pending(principal.accountId);
        return {
          localAccount: account?.hasPassword ?? false,
          enrolled: account?.hasTotp ?? false,
          pendingUntil: pending ? new Date(pending.expiresMs).toISOString() : null,
          enrolmentRequired: session?.via === 'totp-enrolment',
        };
      },
    },
    {
      method: 'post',
      path: '/api/v1/account/totp/enrolment',
      access: 'authenticated',
      duringEnrolment: true,
      tag: 'session',
      summary: 'Starts TOTP enrolment: a new secret, shown once as an otpauth:// URI and in base32 (valid 10 min until confirmed)',
      note: 'Only for accounts with a local password and no active TOTP (a security administrator resets a lost one). Starting again replaces the pending secret.',
      status: 201,
      handler: ({ req, res, principal }) => {
        const account = localAccount(principal.accountId);
        if (account.hasTotp) {
          audit(req, res, 'totp.enrolment_started', account.id, 'failure', { reason: 'already enrolled' });
          throw new HttpError(409, 'TOTP is already enrolled; a security administrator can reset it');
        }
        const { secret, expiresMs } = d.totp.startPending(account.id);
        audit(req, res, 'totp.enrolment_started', account.id, 'success', { name: account.name });
        res.setHeader('Cache-Control', 'no-store');
        return {
          secret,
          uri: otpauthUri(d.issuer, account.name, secret),
          algorithm: 'SHA1',
          digits: 6,
          periodSeconds: TOTP_STEP_MS / 1000,
          expiresAt: new Date(expiresMs).toISOString(),
        };
      },
    },
    {
      method: 'post',
      path: '/api/v1/account/totp/enrolment/confirm',
      access: 'authenticated',
      duringEnrolment: true,
      tag: 'session',
      summary: 'Activates the pending secret with a current code from the authenticator; an enrolment-only session is replaced by a full one',
      note: 'Wrong codes count against the account like failed sign-ins (429 with Retry-After); the confirming code cannot be used again to sign in.',
      body: confirmBody,
      handler: ({ req, res, principal, session }) => {
        const body = parseWith(confirmBody, req.body);
        const account = localAccount(principal.accountId);
        const keys = [`account:${account.name.toLowerCase()}`, `address:${sourceIp(req)}`];
        if (throttled(res, keys)) {
          audit(req, res, 'totp.enrolled', account.id, 'failure', { reason: 'rate-limited' });
          throw new HttpError(429, 'too many wrong codes; try again later');
        }
        const pending = d.totp.pending(account.id);
        if (!pending) {
          audit(req, res, 'totp.enrolled', account.id, 'failure', { reason: 'no pending enrolment' });
          throw new HttpError(409, 'no pending enrolment (it expires after 10 minutes); start again');
        }
        const step = matchTotpStep(pending.secret, body.code, d.now());
        if (step === undefined) throw refuse(req, res, 'totp.enrolled', account.id, 'bad TOTP code', keys, 400, 'the code does not match; check the time on your device and try the next code');
        if (!d.totp.accept(account.id, step)) throw refuse(req, res, 'totp.enrolled', account.id, 'TOTP code replayed', keys, 400, 'that code was already used; wait for the next one');
        d.identity.setTotpSecret(account.id, pending.secret);
        d.totp.activated(account.id);
        d.limiters.account.succeed(keys[0]!);
        audit(req, res, 'totp.enrolled', account.id, 'success', { name: account.name });
        if (session?.via === 'totp-enrolment') {
          // Password + a proven code = a full sign-in; a new session id for the new privilege level.
          const full = d.identity.principalForAccount(account.id, 'session');
          if (!full) throw new HttpError(403, 'account not active');
          return { enrolled: true, ...start(req, res, full, 'password') };
        }
        return { enrolled: true, ...sessionAnswer(d.identity, principal, session) };
      },
    },
    {
      method: 'delete',
      path: '/api/v1/admin/accounts/:id/totp',
      access: ['accounts:read', 'roles:assign'],
      tag: 'accounts',
      summary: "Security administrator: resets an account's TOTP (lost device); ends its sessions and opens a 72 h enrolment window",
      note: 'Not for one’s own account (another security administrator must do it).',
      handler: ({ req, res, principal }) => {
        const id = String(req.params.id);
        const account = d.identity.getAccount(id);
        if (!account) throw new HttpError(404, 'no such account');
        if (id === principal.accountId) {
          audit(req, res, 'account.totp_reset', id, 'failure', { reason: 'own account' });
          throw new HttpError(403, 'another security administrator must reset your own TOTP');
        }
        if (!account.hasPassword) throw new HttpError(400, 'this account has no local password');
        d.identity.setTotpSecret(id, null);
        const until = d.totp.openWindow(id);
        const ended = d.sessions.destroyForAccount(id);
        audit(req, res, 'account.totp_reset', id, 'success', { name: account.name, hadTotp: account.hasTotp, sessionsEnded: ended, enrolUntil: new Date(until).toISOString() });
        return { id, name: account.name, enrolUntil: new Date(until).toISOString() };
      },
    },
  ];
}
