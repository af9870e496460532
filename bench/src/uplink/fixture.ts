// bench: library
/**
 * A receiving tier in-process (the real startUplink service: HTTPS with mTLS, receiver, event store,
 * audit) on a temporary data dir, plus N lower units certified by its CA, for the uplink benchmarks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { platformConfigSchema } from '@emsoc/common/config';
import { createLogger } from '@emsoc/common/log';
import { IdentityStore, loadRolePolicy } from '@emsoc/common/auth';
import { openEventStore, type EventStore } from '@emsoc/event-store';
import { issueTlsServerCertificate, loadOrCreateDevCa } from '@emsoc/pki';
import { startUplink, type RunningUplink, type UnitIdentity } from '@emsoc/uplink';

export interface BenchTier {
  dir: string;
  uplink: RunningUplink;
  store: EventStore;
  units: UnitIdentity[];
  ca: string;
  url: string;
  close(): Promise<void>;
}

export function summaryBody(i: number): Record<string, unknown> {
  return {
    schedule: '5m',
    events: { total: 1000 + i, byCategory: [{ key: 'authentication', count: 700 }, { key: 'network', count: 300 + i }], byDataset: [{ key: 'system.auth', count: 700 }], bySourceType: [{ key: 'syslog', count: 1000 }] },
    flows: { flows: 5000, bytes: 123456789 + i, packets: 98765, topTalkers: Array.from({ length: 10 }, (_, k) => ({ key: `10.0.0.${k}`, bytes: 1e6 - k, packets: 1000, flows: 100 })), topOrgUnits: [{ key: 'unit-a', bytes: 5e7, packets: 5e4, flows: 2000 }] },
    alerts: { total: 12, bySeverity: [{ key: 'high', count: 2 }, { key: 'medium', count: 10 }], byRule: [{ key: 'ssh-bf', count: 12 }] },
    incidents: { opened: 1, open: 3, inProgress: 1, resolved: 1, falsePositive: 0, meanTimeToTriageMs: 600000, meanTimeToResolveMs: 7200000 },
    health: { store: { status: 'green', detail: 'sqlite 3.46' }, collector: { status: 'green' } },
    certificates: { issued: 3, revoked: 0, suspended: 0, resumed: 0 },
  };
}

export async function startBenchTier(unitCount: number): Promise<BenchTier> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emsoc-bench-uplink-'));
  const units = Array.from({ length: unitCount }, (_, i) => `county-${String(i).padStart(3, '0')}`);
  const config = platformConfigSchema.parse({ dataDir: dir, unit: { id: 'prov-bench', name: 'Bench province' }, log: { level: 'error' }, uplink: { receiver: { enabled: true, units: units.map((id) => ({ id })) } } });
  config.uplink.port = 0; // any free port (the schema's minimum is for configured listeners)
  const ca = loadOrCreateDevCa(path.join(dir, 'ca'));
  const logger = createLogger('bench-uplink', 'error');
  const roles = loadRolePolicy();
  const identity = new IdentityStore(path.join(dir, 'identity.db'), roles);
  const store = await openEventStore({ engine: 'sqlite', path: path.join(dir, 'events.db') });
  // The lower units' certificates carry no CRL distribution point here: status is taken as good, so the
  // figure is signature + chain + registration + replay checks + store + audit, not CRL fetching.
  const uplink = await startUplink({ config, logger, identity, store }, { certificateStatus: async () => 'good' });
  const identities = units.map((id): UnitIdentity => {
    const f = issueTlsServerCertificate(ca, { clientAuth: true, commonName: id, ipAddresses: ['127.0.0.1'], name: id }, path.join(dir, 'units'));
    const leaf = new X509Certificate(f.certificatePem);
    return { unitId: id, unitName: `Unit ${id}`, certPem: f.certificatePem, keyPem: f.keyPem, privateKey: createPrivateKey(f.keyPem), chainDer: [leaf.raw], fingerprint: leaf.fingerprint256 };
  });
  return {
    dir,
    uplink,
    store,
    units: identities,
    ca: ca.certificatePem,
    url: `https://127.0.0.1:${uplink.port}`,
    async close() {
      await uplink.close();
      await store.close();
      identity.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
