/**
 * CRL publication with 100,000 revoked certificates on the RA status path:
 *   node --import tsx bench/src/ra/crl-publish.ts      (RA_CRL_ENTRIES=100000)
 * Measures CrlPublisher.publish — full CRL (freshestCRL) + delta CRL, both signed with the P-384 dev
 * CA key, CRL numbers and the crl.published audit record committed in SQLite — then the HTTP download
 * of the published full CRL from the status port handler, and `openssl crl` parsing it (peer).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createLogger, loadConfig } from '@emsoc/common';
import { createDevCa } from '@emsoc/pki';
import { openRepository } from '../../../ra-service/src/store/open.js';
import { statusAuthority } from '../../../ra-service/src/status/authority.js';
import { CrlPublisher, type RevocationRow } from '../../../ra-service/src/status/crl-publisher.js';
import { StatusService } from '../../../ra-service/src/status/service.js';
import { statusRequestHandler } from '../../../ra-service/src/status/http.js';
import { emit, intArg, round } from '../store/util.js';

const N = intArg('RA_CRL_ENTRIES', 100_000);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ra-crl-bench-'));
  const ca = createDevCa(path.join(dir, 'ca'));
  const { config } = loadConfig({ env: { SOC_DATA_DIR: dir } });
  const repo = await openRepository(config);
  const logger = createLogger('bench', 'silent');
  const a = statusAuthority('root', ca.certificateDer, ca.signer, () => true);
  const reasons: RevocationRow['reason'][] = ['keyCompromise', 'superseded', 'certificateHold', 'cessationOfOperation', 'affiliationChanged'];
  const now = Date.now();
  const rows: RevocationRow[] = Array.from({ length: N }, (_, i) => ({
    serial: `7${randomBytes(15).toString('hex')}`,
    revokedAt: new Date(now - i * 1000).toISOString(),
    reason: reasons[i % reasons.length]!,
  }));
  const pub = new CrlPublisher(a, repo, { fullValidityHours: 24, deltaValiditySeconds: 900, deltaBaseSeconds: 3600, deltaUrl: 'http://127.0.0.1/crl/root-delta.crl' }, logger);
  await pub.publish(rows.slice(0, 1000)); // warm-up
  // The delta base: a full CRL from 100 revocations ago (dropping the base makes the next publication the new base).
  Object.assign(pub, { base: undefined });
  await pub.publish(rows.slice(100));
  const t0 = performance.now();
  await pub.publish(rows);
  const publishMs = performance.now() - t0;

  // Download through the status port handler.
  const status = new StatusService([a], repo, () => a, { crl: () => '', deltaCrl: () => '' }, logger);
  status.publishers[0] = pub;
  const server = http.createServer(statusRequestHandler(status));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const t1 = performance.now();
  const der = Buffer.from(await (await fetch(`http://127.0.0.1:${port}/crl/root.crl`)).arrayBuffer());
  const fetchMs = performance.now() - t1;
  server.close();
  const f = path.join(dir, 'root.crl');
  fs.writeFileSync(f, der);
  const t2 = performance.now();
  execFileSync('openssl', ['crl', '-inform', 'DER', '-in', f, '-noout', '-crlnumber']);
  const opensslMs = performance.now() - t2;
  emit('ra_crl_publish_full_and_delta_ms', round(publishMs, 0), 'ms', null, null, { entries: N, bytes: der.length, delta_entries: pub.delta!.entries, loadavg1: round(os.loadavg()[0]!, 1) });
  emit('ra_crl_http_download_ms', round(fetchMs, 0), 'ms', 'openssl crl parse of the same DER', round(opensslMs, 0), { entries: N });
  await repo.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
