import express, { type Router } from 'express';
import { z } from 'zod';
import { IdentityError, type IdentityStore } from '@emsoc/common/auth';
import { HttpError, parseWith, principalOf, requirePermission, route } from '@emsoc/common/http';

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
 */
export function accountsRouter(identity: IdentityStore, audit: (action: string, outcome: 'success' | 'failure', detail: Record<string, unknown>) => void): Router {
  const router = express.Router();
  router.get('/api/v1/admin/accounts', requirePermission('accounts:read'), (_req, res) => {
    res.json({ accounts: identity.listAccounts() });
  });
  router.post(
    '/api/v1/admin/accounts',
    requirePermission('accounts:write'),
    route((req, res) => {
      const body = parseWith(createBody, req.body);
      if (body.roles.length > 0 && !principalOf(res).permissions.has('roles:assign')) throw new HttpError(403, 'permission roles:assign required to grant roles');
      const account = identityCall(() => identity.createAccount(body));
      audit('account.created', 'success', { account: account.name, roles: account.roles });
      res.status(201).json(account);
    }),
  );
  router.put(
    '/api/v1/admin/accounts/:id/roles',
    requirePermission('roles:assign'),
    route((req, res) => {
      const body = parseWith(rolesBody, req.body);
      const account = identityCall(() => identity.setRoles(String(req.params.id), body.roles));
      audit('account.roles_changed', 'success', { account: account.name, roles: account.roles });
      res.json(account);
    }),
  );
  router.post(
    '/api/v1/admin/accounts/:id/disable',
    requirePermission('accounts:write'),
    route((req, res) => {
      identityCall(() => identity.setStatus(String(req.params.id), 'disabled'));
      identity.revokeTokens(String(req.params.id));
      audit('account.disabled', 'success', { accountId: req.params.id });
      res.status(204).end();
    }),
  );
  router.post(
    '/api/v1/admin/accounts/:id/tokens',
    requirePermission('tokens:write'),
    route((req, res) => {
      const body = parseWith(tokenBody, req.body);
      const issued = identityCall(() => identity.issueToken(String(req.params.id), body.label, body.ttlDays));
      audit('token.issued', 'success', { accountId: req.params.id, label: body.label });
      res.status(201).json(issued);
    }),
  );
  return router;
}
