/**
 * OCSP responses/s over HTTP on the RA status port, the RA running as its own process (main.ts):
 *   node --import tsx bench/src/ra/ocsp-http.ts     (RA_OCSP_SECONDS=5 per scenario, RA_OCSP_CERTS=100)
 * Scenarios: nonce-free GET (RFC 5019; served from the pre-signed cache after the first answer) and
 * POST with a fresh nonce (signed on demand by the delegated P-256 responder key). Peer: `openssl ocsp` as responder (index
 * file, same CA key and certificates), which signs every answer; compared with our signed path.
 * Concurrency 16 keep-alive connections; the load generator is this process (2-core machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { IdentityStore, loadRolePolicy, repoRoot, freeTcpPort } from '@emsoc/common';
import { createDevCa, explicit, inspectCertificate, issueTlsServerCertificate, octetString, oid, sequence } from '@emsoc/pki';
import { buildCertId, buildOcspRequest } from '@emsoc/pki/status-client/index';
import { p256Csr } from './csr.js';
import { emit, intArg, round } from '../store/util.js';

const SECONDS = intArg('RA_OCSP_SECONDS', 5);
const CERTS = intArg('RA_OCSP_CERTS', 100);
const CONCURRENCY = 16;
const DNS = 'ocsp.bench.emsoc.internal';

const makeCsr = () => p256Csr(DNS);

async function waitHttp(url: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await fetch(url).then((r) => r.status < 500, () => false);
    if (ok) return;
    if (Date.now() > end) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function withNonce(certId: Uint8Array): Uint8Array {
  const nonce = sequence(oid('1.3.6.1.5.5.7.48.1.2'), octetString(octetString(randomBytes(16))));
  return sequence(sequence(sequence(sequence(certId)), explicit(2, sequence(nonce))));
}

/** Runs requests for `seconds` over keep-alive connections; counts successful OCSP responses. */
/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * Runs requests for `seconds` over keep-alive connections; counts successful OCSP responses, and
 * responses per CPU-second of the server (meaningful even when other jobs share the machine).
 */
async function drive(make: () => { method: string; path: string; body?: Uint8Array }, port: number, seconds: number, serverPid?: number): Promise<{ perSecond: number; perCpuSecond: number | null; errors: number }> {
  const cpu0 = serverPid ? cpuSeconds(serverPid) : 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let ok = 0;
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const r = make();
      const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, agent, headers: r.body ? { 'content-type': 'application/ocsp-request', 'content-length': r.body.length } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const b = Buffer.concat(chunks);
          // OCSPResponse SEQUENCE { ENUMERATED 0 (successful), ... }
          if (res.statusCode === 200 && b.length > 10 && b.includes(Buffer.from([0x0a, 0x01, 0x00]))) ok++;
          else errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(r.body);
    });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (performance.now() < end) await one(); }));
  agent.destroy();
  const cpu = serverPid ? cpuSeconds(serverPid) - cpu0 : 0;
  return { perSecond: ok / ((performance.now() - t0) / 1000), perCpuSecond: cpu > 0 ? round(ok / cpu, 0) : null, errors };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ra-ocsp-bench-'));
  const children: ChildProcess[] = [];
  process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM')));
  const ca = createDevCa(path.join(dir, 'ca'));
  issueTlsServerCertificate(ca, { ipAddresses: ['127.0.0.1'], name: 'ra' }, path.join(dir, 'tls'));
  const identity = new IdentityStore(path.join(dir, 'identity.db'), loadRolePolicy());
  const token = identity.issueToken(identity.createAccount({ name: 'bench', roles: ['ra-requester'] }).id, 'bench').token;
  identity.close();
  const raPort = await freeTcpPort();
  const statusPort = await freeTcpPort();
  const cfg = path.join(dir, 'platform.yaml');
  fs.writeFileSync(cfg, `dataDir: ${dir}\nlog: { level: warn }\nra: { port: ${raPort}, statusPort: ${statusPort} }\n`);
  const ra = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'ra-service', 'src', 'main.ts'), '--config', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(ra);
  await waitHttp(`http://127.0.0.1:${statusPort}/healthz`);

  // Certificates through the automation profile (approvals: 0).
  const agent = new https.Agent({ keepAlive: true, ca: ca.certificatePem });
  const certs: Uint8Array[] = [];
  for (let i = 0; i < CERTS; i++) {
    const body = JSON.stringify({ type: 'enroll', profile: 'service-automation', subject: { kind: 'service', orgUnit: 'city-demo-hq', commonName: DNS, dnsNames: [DNS] }, csr: makeCsr() });
    const res = await new Promise<{ status: number; json: { resultSerial?: string } }>((resolve, reject) => {
      const req = https.request(`https://127.0.0.1:${raPort}/api/v1/requests`, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (r) => {
        const c: Buffer[] = [];
        r.on('data', (x: Buffer) => c.push(x));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, json: JSON.parse(Buffer.concat(c).toString()) }));
      });
      req.on('error', reject);
      req.end(body);
    });
    if (res.status !== 201) throw new Error(`issuance failed: ${JSON.stringify(res.json)}`);


    certs.push(Buffer.from(res.json.resultSerial!, 'hex'));
  }
  agent.destroy();
  const caInfo = inspectCertificate(ca.certificateDer);
  const certIds = certs.map((serial) => buildCertId(caInfo, serial));
  const gets = certIds.map((id) => `/ocsp/${encodeURIComponent(Buffer.from(buildOcspRequest(id)).toString('base64'))}`);
  let i = 0;
  const getReq = () => ({ method: 'GET', path: gets[i++ % gets.length]! });
  const postReq = () => ({ method: 'POST', path: '/ocsp', body: withNonce(certIds[i++ % certIds.length]!) });

  await drive(getReq, statusPort, 1); // warm: every GET answer is now pre-signed
  const cached = await drive(getReq, statusPort, SECONDS, ra.pid);
  const signed = await drive(postReq, statusPort, SECONDS, ra.pid);

  // Peer: openssl ocsp responder over an index of the same certificates, same CA key.
  let peerSigned: number | null = null;
  let peerPerCpu: number | null = null;
  try {
    const index = certs.map((s) => `V\t491231235959Z\t\t${Buffer.from(s).toString('hex').toUpperCase()}\tunknown\t/CN=${DNS}`).join('\n') + '\n';
    fs.writeFileSync(path.join(dir, 'index.txt'), index);
    fs.writeFileSync(path.join(dir, 'index.txt.attr'), 'unique_subject = no\n'); // every bench certificate has the same subject
    const peerPort = await freeTcpPort();
    const peer = spawn('openssl', ['ocsp', '-index', path.join(dir, 'index.txt'), '-port', String(peerPort), '-rsigner', path.join(dir, 'ca', 'root.pem'), '-rkey', path.join(dir, 'ca', 'root-key.pem'), '-CA', path.join(dir, 'ca', 'root.pem'), '-nmin', '60'], { stdio: ['ignore', 'ignore', 'ignore'] });
    children.push(peer);
    await new Promise((r) => setTimeout(r, 1000));
    const p = await drive(postReq, peerPort, SECONDS, peer.pid);
    peerSigned = round(p.perSecond, 0);
    peerPerCpu = p.perCpuSecond;
    peer.kill('SIGTERM');
  } catch (e) {
    process.stderr.write(`openssl ocsp peer not measured: ${(e as Error).message}\n`);
  }
  const load = os.loadavg()[0]!;
  emit('ra_ocsp_get_cached_per_s', round(cached.perSecond, 0), 'responses/s', null, null, { errors: cached.errors, certificates: CERTS, concurrency: CONCURRENCY, loadavg1: round(load, 1) });
  emit('ra_ocsp_get_cached_per_cpu_s', cached.perCpuSecond, 'responses/CPU-s', null, null);
  const peerName = 'openssl ocsp -index (same CA key, signs every response)';
  emit('ra_ocsp_post_nonce_signed_per_s', round(signed.perSecond, 0), 'responses/s', peerName, peerSigned, { errors: signed.errors, signature: 'ECDSA P-256 delegated responder (openssl peer: P-384 CA key)', loadavg1: round(load, 1) });
  emit('ra_ocsp_post_nonce_signed_per_cpu_s', signed.perCpuSecond, 'responses/CPU-s', peerName, peerPerCpu);
  ra.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });

}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
