import { z } from 'zod';
import { IdentityError, type IdentityStore } from '@emsoc/common/auth';
import { HttpError, parseWith } from '@emsoc/common/http';
import { actorOf, type ConsoleAudit } from '../audit/console-audit.js';
import type { RouteSpec } from '../routes/spec.js';
import type { SessionStore } from '../session/store.js';
import type { TotpState } from '../session/totp.js';

const createBody = z
  .object({
    name: z.string().min(2).max(64),
    displayName: z.string().min(1).max(128).optional(),
    roles: z.array(z.string().max(64)).max(8).default([]),
    orgUnit: z.string().max(64).optional(),
    password: z.string().min(12).max(256).optional(),
  })
  .strict();
const rolesBody = z.object({ roles: z.array(z.string().max(64)).max(8) }).strict();
const tokenBody = z.object({ label: z.string().min(1).max(128), ttlDays: z.number().int().min(1).max(3650).optional() }).strict();

function identityCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof IdentityError) throw new HttpError(e.status, e.message);
    throw e;
  }
}

/**
 * Account administration. System administrators create accounts and tokens; granting roles is the
 * security administrator's (MLPS separation), so creating an account with roles needs both permissions.
 * Every change is audited; disabling an account also ends its sessions and tokens.
 */
export function accountRoutes(identity: IdentityStore, sessions: SessionStore, audit: ConsoleAudit, totp: TotpState): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/api/v1/admin/accounts',
      access: ['accounts:read'],
      tag: 'accounts',
      summary: 'All accounts (no secrets)',
      handler: () => ({ accounts: identity.listAccounts() }),
    },
    {
      method: 'post',
      path: '/api/v1/admin/accounts',
      access: ['accounts:write'],
      tag: 'accounts',
      summary: 'Creates an account (granting roles also needs roles:assign)',
      note: 'With a password, a 72 h window opens in which the user signs in with the password alone, only to enrol TOTP.',
      body: createBody,
      status: 201,
      handler: ({ req, res, principal }) => {
        const body = parseWith(createBody, req.body);
        if (body.roles.length > 0 && !principal.permissions.has('roles:assign')) throw new HttpError(403, 'permission roles:assign required to grant roles');
        const account = identityCall(() => identity.createAccount(body));
        const enrolUntil = account.hasPassword ? new Date(totp.openWindow(account.id)).toISOString() : null;
        audit.record({ eventType: 'account.created', objectType: 'account', objectId: account.id, outcome: 'success', actor: actorOf(req, res), details: { name: account.name, roles: account.roles, enrolUntil } });
        return account;
      },
    },
    {
      method: 'put',
      path: '/api/v1/admin/accounts/:id/roles',
      access: ['roles:assign'],
      tag: 'accounts',
      summary: 'Replaces the roles of an account (separation of duties enforced)',
      body: rolesBody,
      handler: ({ req, res }) => {
        const body = parseWith(rolesBody, req.body);
        const before = identity.getAccount(String(req.params.id))?.roles;
        const account = identityCall(() => identity.setRoles(String(req.params.id), body.roles));
        audit.record({ eventType: 'account.roles_changed', objectType: 'account', objectId: account.id, outcome: 'success', actor: actorOf(req, res), details: { name: account.name, before, after: account.roles } });
        return account;
      },
    },
    {
      method: 'post',
      path: '/api/v1/admin/accounts/:id/disable',
      access: ['accounts:write'],
      tag: 'accounts',
      summary: 'Disables an account, revoking its tokens and ending its sessions',
      status: 204,
      handler: ({ req, res }) => {
        const id = String(req.params.id);
        identityCall(() => identity.setStatus(id, 'disabled'));
        const tokens = identity.revokeTokens(id);
        const ended = sessions.destroyForAccount(id);
        audit.record({ eventType: 'account.disabled', objectType: 'account', objectId: id, outcome: 'success', actor: actorOf(req, res), details: { tokensRevoked: tokens, sessionsEnded: ended } });
        res.status(204).end();
        return undefined;
      },
    },
    {
      method: 'post',
      path: '/api/v1/admin/accounts/:id/tokens',
      access: ['tokens:write'],
      tag: 'accounts',
      summary: 'Issues an API token (shown once)',
      body: tokenBody,
      status: 201,
      handler: ({ req, res }) => {
        const body = parseWith(tokenBody, req.body);
        const issued = identityCall(() => identity.issueToken(String(req.params.id), body.label, body.ttlDays));
        audit.record({ eventType: 'token.issued', objectType: 'account', objectId: String(req.params.id), outcome: 'success', actor: actorOf(req, res), details: { label: body.label, expiresAt: issued.expiresAt } });
        return issued;
      },
    },
    {
      method: 'get',
      path: '/api/v1/whoami',
      access: 'authenticated',
      tag: 'session',
      summary: 'Name, roles and how the caller authenticated',
      handler: ({ principal }) => ({ name: principal.name, roles: principal.roles, via: principal.via }),
    },
  ];
}
