import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createLogger } from '@emsoc/common/log';
import { issueTlsServerCertificate, loadOrCreateDevCa, type DevCa } from '@emsoc/pki';
import type { UnitIdentity } from '../src/unit-identity.js';

export const silent = () => createLogger('uplink-test', 'silent');

export function tempDir(prefix = 'uplink-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A development CA in its own directory (a "tier"), optionally naming a CRL URL in what it issues. */
export function testCa(dir: string, crlUrl?: string): DevCa {
  return loadOrCreateDevCa(path.join(dir, 'ca'), crlUrl ? { crlUrls: [crlUrl] } : {});
}

/** A unit identity (P-256 key, clientAuth certificate with CN = unit id) issued by `ca`. */
export function testUnit(ca: DevCa, dir: string, unitId: string, name = `Unit ${unitId}`): UnitIdentity & { serialHex: string } {
  const files = issueTlsServerCertificate(ca, { clientAuth: true, commonName: unitId, ipAddresses: ['127.0.0.1'], name: unitId }, path.join(dir, 'units'));
  const leaf = new X509Certificate(files.certificatePem);
  return {
    unitId,
    unitName: name,
    certPem: files.certificatePem,
    keyPem: files.keyPem,
    privateKey: createPrivateKey(files.keyPem),
    chainDer: [leaf.raw],
    fingerprint: leaf.fingerprint256.replace(/:/g, '').toLowerCase(),
    serialHex: files.serialHex,
  };
}

export function period(minutesAgo = 5): { from: string; to: string } {
  const to = new Date(Math.floor(Date.now() / 300_000) * 300_000);
  return { from: new Date(to.getTime() - minutesAgo * 60_000).toISOString(), to: to.toISOString() };
}

/** A summary body as the scheduler produces it (figures are arbitrary but well-formed). */
export function summaryBody(n = 1): Record<string, unknown> {
  return {
    schedule: '5m',
    events: { total: 10 * n, byCategory: [{ key: 'authentication', count: 7 * n }], byDataset: [{ key: 'system.auth', count: 10 * n }], bySourceType: [] },
    flows: { flows: 3, bytes: 4096 * n, packets: 30, topTalkers: [{ key: '10.0.0.1', bytes: 4096, packets: 30, flows: 3 }], topOrgUnits: [] },
    alerts: { total: 1, bySeverity: [{ key: 'high', count: 1 }], byRule: [{ key: 'ssh-bruteforce', count: 1 }] },
    incidents: { opened: 1, open: 1, inProgress: 0, resolved: 0, falsePositive: 0, meanTimeToTriageMs: null, meanTimeToResolveMs: null },
    health: { store: { status: 'green', detail: 'sqlite 3' }, collector: { status: 'green' } },
    certificates: { issued: 2, revoked: 0, suspended: 0, resumed: 0 },
  };
}
