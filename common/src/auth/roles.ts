import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { policiesDir } from '../paths.js';

export interface RolePolicy {
  roles: Record<string, { description?: Record<string, string>; permissions: string[] }>;
  exclusive: string[][];
  bootstrap: { roles: string[] };
}

/** Loads policies/roles.yaml; fails loudly on a malformed file since every endpoint depends on it. */
export function loadRolePolicy(file = path.join(policiesDir, 'roles.yaml')): RolePolicy {
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as Partial<RolePolicy> | null;
  if (!doc || typeof doc.roles !== 'object') throw new Error(`${file}: missing "roles" mapping`);
  for (const [name, role] of Object.entries(doc.roles)) {
    if (!Array.isArray(role?.permissions)) throw new Error(`${file}: role ${name} has no permissions list`);
  }
  return { roles: doc.roles, exclusive: doc.exclusive ?? [], bootstrap: doc.bootstrap ?? { roles: [] } };
}

export function permissionsOf(policy: RolePolicy, roles: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const r of roles) for (const p of policy.roles[r]?.permissions ?? []) out.add(p);
  return out;
}

/** Returns a reason when the role set breaks separation of duties, otherwise undefined. */
export function separationViolation(policy: RolePolicy, roles: readonly string[]): string | undefined {
  for (const r of roles) if (!policy.roles[r]) return `unknown role "${r}"`;
  for (const group of policy.exclusive) {
    const held = group.filter((g) => roles.includes(g));
    if (held.length > 1) return `roles ${held.join(' and ')} must be held by different people`;
  }
  return undefined;
}
