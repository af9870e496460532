/**
 * CMP round trips to the embedded CA's endpoint: ir (fresh P-256 key, signature POP, PBM-protected) +
 * certConf/pkiConf, through the full RA path (MAC check, POP check, policy, prepare/lint, ECDSA P-384
 * signature, SQLite commit with audit records). Our CmpClient over HTTP keep-alive at concurrency 8,
 * then `openssl cmp` (OpenSSL 3, one process per enrolment, as a device script would run it) as the peer.
 *   node --import tsx bench/src/ra/cmp-roundtrip.ts      (CMP_BENCH_N=400, CMP_BENCH_OPENSSL_N=40)
 * The RA runs in this process (same event loop as the load generator); figures are per wall-clock second.
 * Prints JSON lines {"name","value","unit","peer","peer_value"}.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createLogger, IdentityStore, loadConfig, loadRolePolicy, freeTcpPort } from '@emsoc/common';
import { createDevCa, createKeySigner, issueTlsServerCertificate, sequence } from '@emsoc/pki';
import { CmpClient } from '@emsoc/ra-service/ca/cmp/client';
import { startRaService } from '@emsoc/ra-service/service';
import { openRepository } from '@emsoc/ra-service/store/open';
import { emit, intArg, percentile, round } from '../store/util.js';

const N = intArg('CMP_BENCH_N', 400);
const OPENSSL_N = intArg('CMP_BENCH_OPENSSL_N', 40);
const CONCURRENCY = 8;
const SECRET = 'bench-shared-secret';
const SUBJECT = '0b3a1c6e-8a55-4c3e-b1c2-3d4e5f607182';
const execFileP = promisify(execFile);

function irInput() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const template = { publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })), subject: sequence() };
  return { body: 'ir' as const, template, popSigner: createKeySigner(privateKey) };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cmp-'));
  const ca = createDevCa(path.join(dataDir, 'ca'));
  issueTlsServerCertificate(ca, { dnsNames: ['ra.emsoc.internal'], ipAddresses: ['127.0.0.1'], name: 'ra' }, path.join(dataDir, 'tls'));
  const { config } = loadConfig({ env: { SOC_DATA_DIR: dataDir } });
  config.ra.port = await freeTcpPort();
  config.ra.statusPort = await freeTcpPort();
  Object.assign(config.ra.ca, { cmpServer: { enabled: true, port: 0, clients: [{ reference: 'bench', secret: SECRET, subjectId: SUBJECT }] } });
  const repo = await openRepository(config);
  const now = new Date().toISOString();
  await repo.tx(async (w) => w.insertSubject({ id: SUBJECT, kind: 'service', orgUnit: 'city-demo-hq', status: 'active', attributes: { commonName: 'bench-gw', dnsNames: ['bench-gw.city.demo.internal'] }, createdAt: now, updatedAt: now }));
  await repo.close();
  const identity = new IdentityStore(path.join(dataDir, 'identity.db'), loadRolePolicy());
  const svc = await startRaService({ config, logger: createLogger('bench-cmp', 'silent'), identity });
  const url = `http://127.0.0.1:${svc.ports.cmp}/cmp`;
  try {
    const client = new CmpClient({ url, protection: { type: 'pbm', secret: SECRET, senderKID: Buffer.from('bench'), iterations: 1000 }, timeoutMs: 30_000 });
    const inputs = Array.from({ length: N + 40 }, irInput);
    for (const i of inputs.slice(0, 40)) await client.certify(i); // warm-up
    const latencies: number[] = [];
    let next = 40;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < inputs.length) {
          const i = inputs[next++]!;
          const s = performance.now();
          await client.certify(i);
          latencies.push(performance.now() - s);
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    client.close();
    latencies.sort((a, b) => a - b);

    // Peer: openssl cmp, one process per ir + certConf, sequential (as a shell script on a device would).
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cmp-ossl-'));
    const keys: string[] = [];
    for (let i = 0; i < OPENSSL_N; i++) {
      const f = path.join(work, `k${i}.pem`);
      fs.writeFileSync(f, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      keys.push(f);
    }
    const run = (k: string, i: number) =>
      execFileP('openssl', ['cmp', '-cmd', 'ir', '-server', `127.0.0.1:${svc.ports.cmp}`, '-path', 'cmp', '-ref', 'bench', '-secret', `pass:${SECRET}`, '-recipient', '/CN=emsoc', '-newkey', k, '-subject', '/CN=bench-gw', '-certout', path.join(work, `c${i}.pem`)], { timeout: 60_000 });
    await run(keys[0]!, 0);
    const o0 = performance.now();
    for (let i = 1; i < keys.length; i++) await run(keys[i]!, i);
    const osecs = (performance.now() - o0) / 1000;
    fs.rmSync(work, { recursive: true, force: true });
    const opensslRate = (keys.length - 1) / osecs;
    const peer = 'openssl cmp (OpenSSL 3, one process per ir+certConf, sequential) against the same endpoint';
    emit('ra.cmp.roundtrips_per_s', round(N / secs, 1), 'ir+certConf per second (CmpClient, keep-alive, concurrency 8)', peer, round(opensslRate, 1), { n: N });
    emit('ra.cmp.roundtrip_p50', round(percentile(latencies, 50), 1), 'ms', null, null);
    emit('ra.cmp.roundtrip_p99', round(percentile(latencies, 99), 1), 'ms', null, null);
    emit('ra.cmp.openssl_sequential_ms', round((osecs * 1000) / (keys.length - 1), 1), 'ms per openssl cmp enrolment (process start included)', null, null, { n: keys.length - 1 });
  } finally {
    await svc.close();
    identity.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
