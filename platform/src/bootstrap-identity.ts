import fs from 'node:fs';
import path from 'node:path';
import type { IdentityStore } from '@emsoc/common/auth';
import type { RolePolicy } from '@emsoc/common/auth';

export interface IdentityBootstrap {
  /** Path of the first administrator's token, written once (mode 0600) on an empty data dir. */
  adminTokenFile?: string;
  /** Token file the RA uses to forward its audit records into the collector. */
  raIngestTokenFile: string;
}

function writeSecret(file: string, value: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${value}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/**
 * First start on an empty data dir: the bootstrap administrator (token to data/initial-admin-token)
 * and the service account the RA uses for the log pipeline. Idempotent on later starts.
 */
export function bootstrapIdentity(identity: IdentityStore, policy: RolePolicy, dataDir: string): IdentityBootstrap {
  const out: IdentityBootstrap = { raIngestTokenFile: path.join(dataDir, 'secrets', 'ra-ingest.token') };
  if (identity.isEmpty()) {
    const admin = identity.createAccount({
      name: 'admin',
      displayName: 'Bootstrap administrator',
      roles: policy.bootstrap.roles,
      bootstrap: true,
    });
    const { token } = identity.issueToken(admin.id, 'initial admin token');
    out.adminTokenFile = path.join(dataDir, 'initial-admin-token');
    writeSecret(out.adminTokenFile, token);
  }
  if (!fs.existsSync(out.raIngestTokenFile)) {
    const svc = identity.findAccountByName('svc-ra-audit') ?? identity.createAccount({ name: 'svc-ra-audit', displayName: 'RA audit forwarder', roles: ['ingest-agent'] });
    writeSecret(out.raIngestTokenFile, identity.issueToken(svc.id, 'RA audit forwarding').token);
  }
  return out;
}
