/**
 * RA issuance end to end through the REST API vs `cfssl serve` signing the same CSRs, same run.
 *   node --import tsx bench/src/ra/issuance.ts       (RA_BENCH_N=1500 requests per side after RA_BENCH_WARMUP=1000 each, concurrency 8)
 *
 * What is measured on the RA side: HTTPS keep-alive POST /api/v1/requests (type enroll, profile
 * service-automation — approvals: 0, the automation profile, so no officer round trip) → token
 * authentication → strict JSON parsing → CSR parse + proof of possession + key checks + duplicate-key
 * lookup → willingToIssue → prepare TBS → preflight lint → serial stored → ECDSA P-384 signature by the
 * embedded dev CA → certificate, request transitions and 3 audit records committed (SQLite WAL; request.submitted and
 * request.approved with the reserved serial in one transaction before signing, certificate.issued after) → JSON
 * response with the PEM. The RA runs as its own process (main.ts), as in production.
 * cfssl side: HTTPS keep-alive POST /api/v1/cfssl/sign with the same CSRs, same CA key (P-384; RA_BENCH_CA_CURVE=P-256
 * for a P-256 CA on both sides), no DB.
 * Both servers are separate processes on the same 2-core machine; the load generator is this process.
 * Prints JSON lines {"name","value","unit","peer","peer_value"}.
 * Profiling knobs for the RA process: RA_BENCH_PROFILE=<dir> (--cpu-prof into dir), RA_BENCH_NODE_ARGS='<node/V8 flags>',
 * RA_BENCH_RA_STDOUT=<file> (its stdout, e.g. for --trace-* output).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { IdentityStore, loadRolePolicy, repoRoot, freeTcpPort } from '@emsoc/common';
import { createDevCa, issueTlsServerCertificate } from '@emsoc/pki';
import { p256Csr } from './csr.js';
import { emit, intArg, percentile, round } from '../store/util.js';

const N = intArg('RA_BENCH_N', 1500);
// Steady state: with 150 warm-up requests V8 was still compiling the request path during the measurement
// (≈ 1 ms of CPU per certificate on its compiler threads). A service runs warm; cfssl (Go) needs none.
const WARMUP = intArg('RA_BENCH_WARMUP', 1000);
/** Curve of the CA key both sides sign with: P-384 as the platform's dev CA, or P-256 (the issue's premise). */
const CA_CURVE = process.env.RA_BENCH_CA_CURVE === 'P-256' ? 'P-256' : 'P-384';
const CONCURRENCY = 8;
const DNS = 'svc.bench.emsoc.internal';

const makeCsr = () => p256Csr(DNS);

interface ProcStats {
  cpuSeconds(): number;
  /** The process's first thread only (for Node: the event loop; the rest is libuv's pool, GC, workers). */
  mainThreadCpuSeconds(): number;
  /** CPU seconds per thread id (main thread, V8 platform/GC threads, libuv pool, worker threads). */
  threadCpuSeconds(): Map<number, number>;
  peakRssMb(): number;
}

function procStats(pid: number): ProcStats {
  const tick = 100; // USER_HZ on Linux
  const cpu = (file: string) => {
    const f = fs.readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / tick;
  };
  return {
    cpuSeconds: () => cpu(`/proc/${pid}/stat`),
    mainThreadCpuSeconds: () => cpu(`/proc/${pid}/task/${pid}/stat`),
    threadCpuSeconds() {
      const out = new Map<number, number>();
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        try {
          out.set(Number(tid), cpu(`/proc/${pid}/task/${tid}/stat`));
        } catch {
          // thread ended meanwhile
        }
      }
      return out;
    },
    peakRssMb() {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? round(Number(m[1]) / 1024, 1) : NaN;
    },
  };
}

async function waitFor(url: string, ca: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = https.get(url, { ca, rejectUnauthorized: true }, (res) => {
        res.resume();
        resolve((res.statusCode ?? 500) < 500);
      });
      req.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface RunResult {
  perSecond: number;
  p50: number;
  p99: number;
  cpuSeconds: number;
  mainThreadCpuSeconds: number;
  errors: number;
}

/** Sends bodies with CONCURRENCY keep-alive connections; returns throughput and latencies. */
async function drive(url: string, ca: string, headers: Record<string, string>, bodies: string[], check: (status: number, body: string) => boolean, stats: ProcStats): Promise<RunResult> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca });
  const lat: number[] = [];
  let next = 0;
  let errors = 0;
  const one = (body: string) =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = https.request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          lat.push(performance.now() - t0);
          if (!check(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))) {
            if (errors++ < 3) process.stderr.write(`unexpected response ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}\n`);
          }
          resolve();
        });
      });
      req.on('error', (e) => {
        errors++;
        process.stderr.write(`request error ${e.message}\n`);
        resolve();
      });
      req.end(body);
    });
  const cpu0 = stats.cpuSeconds();
  const main0 = stats.mainThreadCpuSeconds();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) await one(bodies[next++]!);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = stats.cpuSeconds() - cpu0;
  const mainThreadCpuSeconds = stats.mainThreadCpuSeconds() - main0;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { perSecond: bodies.length / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99), cpuSeconds, mainThreadCpuSeconds, errors };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ra-bench-'));
  const children: ChildProcess[] = [];
  const cleanup = () => {
    for (const c of children) if (c.pid && c.exitCode === null) c.kill('SIGTERM');
  };
  const stopped = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)));
  process.on('exit', cleanup);
  try {
    // What the platform bootstrap creates.
    const ca = createDevCa(path.join(dir, 'ca'), { curve: CA_CURVE });
    const tlsFiles = issueTlsServerCertificate(ca, { ipAddresses: ['127.0.0.1'], name: 'ra' }, path.join(dir, 'tls'));
    const identity = new IdentityStore(path.join(dir, 'identity.db'), loadRolePolicy());
    const requester = identity.createAccount({ name: 'bench-requester', roles: ['ra-requester'] });
    const officer = identity.createAccount({ name: 'bench-officer', roles: ['ra-officer'] });
    const requesterToken = identity.issueToken(requester.id, 'bench').token;
    const officerToken = identity.issueToken(officer.id, 'bench').token;
    identity.close();

    const raPort = await freeTcpPort();
    const cfg = path.join(dir, 'platform.yaml');
    fs.writeFileSync(cfg, `dataDir: ${dir}\nlog: { level: warn }\nra: { port: ${raPort}, statusPort: ${await freeTcpPort()} }\n`);
    const prof = process.env.RA_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.RA_BENCH_PROFILE] : [];
    const ra = spawn(process.execPath, [...prof, ...(process.env.RA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', path.join(repoRoot, 'ra-service', 'src', 'main.ts'), '--config', cfg], { stdio: ['ignore', process.env.RA_BENCH_RA_STDOUT ? fs.openSync(process.env.RA_BENCH_RA_STDOUT, 'w') : 'ignore', 'inherit'] });
    children.push(ra);
    const raUrl = `https://127.0.0.1:${raPort}`;
    await waitFor(`${raUrl}/healthz`, ca.certificatePem);

    const cfsslPort = await freeTcpPort();
    const cfsslCfg = path.join(dir, 'cfssl.json');
    fs.writeFileSync(cfsslCfg, JSON.stringify({ signing: { default: { expiry: '168h', usages: ['digital signature', 'server auth', 'client auth'] } } }));
    const cfssl = spawn(
      'cfssl',
      ['serve', '-address', '127.0.0.1', '-port', String(cfsslPort), '-ca', path.join(dir, 'ca', 'root.pem'), '-ca-key', path.join(dir, 'ca', 'root-key.pem'), '-config', cfsslCfg, '-tls-cert', tlsFiles.certPath, '-tls-key', tlsFiles.keyPath, '-loglevel', '4'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let cfsslErr = '';
    cfssl.stderr!.on('data', (c: Buffer) => (cfsslErr = (cfsslErr + c.toString()).slice(-2000)));
    children.push(cfssl);
    const cfsslUrl = `https://127.0.0.1:${cfsslPort}`;
    await waitFor(`${cfsslUrl}/api/v1/cfssl/health`, ca.certificatePem).catch((e) => {
      throw new Error(`${(e as Error).message}: ${cfsslErr}`);
    });

    // A service subject registered by an officer, owning the DNS name every CSR asks for.
    const subj = await new Promise<string>((resolve, reject) => {
      const body = JSON.stringify({ kind: 'service', orgUnit: 'prov-demo', commonName: 'bench-service', dnsNames: [DNS] });
      const req = https.request(`${raUrl}/api/v1/subjects`, { method: 'POST', ca: ca.certificatePem, headers: { Authorization: `Bearer ${officerToken}`, 'Content-Type': 'application/json' } }, (res) => {
        let s = '';
        res.on('data', (c) => (s += c));
        res.on('end', () => (res.statusCode === 201 ? resolve(JSON.parse(s).id) : reject(new Error(s))));
      });
      req.end(body);
    });

    const csrs = Array.from({ length: 2 * (N + WARMUP) }, makeCsr);
    const raBodies = csrs.slice(0, N + WARMUP).map((csr) => JSON.stringify({ type: 'enroll', profile: 'service-automation', subjectId: subj, csr }));
    const cfsslBodies = csrs.slice(N + WARMUP).map((csr) => JSON.stringify({ certificate_request: csr }));
    const raStats = procStats(ra.pid!);
    const cfsslStats = procStats(cfssl.pid!);
    const raCheck = (s: number, b: string) => s === 201 && b.includes('"status":"issued"') && b.includes('BEGIN CERTIFICATE');
    const cfsslCheck = (s: number, b: string) => s === 200 && b.includes('BEGIN CERTIFICATE');
    const raHeaders = { Authorization: `Bearer ${requesterToken}` };

    // Warm up both, then measure alternately (cfssl, RA) so machine load affects both alike.
    await drive(`${raUrl}/api/v1/requests`, ca.certificatePem, raHeaders, raBodies.slice(0, WARMUP), raCheck, raStats);
    await drive(`${cfsslUrl}/api/v1/cfssl/sign`, ca.certificatePem, {}, cfsslBodies.slice(0, WARMUP), cfsslCheck, cfsslStats);
    const half = Math.floor(N / 2);
    const c1 = await drive(`${cfsslUrl}/api/v1/cfssl/sign`, ca.certificatePem, {}, cfsslBodies.slice(WARMUP, WARMUP + half), cfsslCheck, cfsslStats);
    const threads0 = raStats.threadCpuSeconds();
    const r1 = await drive(`${raUrl}/api/v1/requests`, ca.certificatePem, raHeaders, raBodies.slice(WARMUP, WARMUP + half), raCheck, raStats);
    const r2 = await drive(`${raUrl}/api/v1/requests`, ca.certificatePem, raHeaders, raBodies.slice(WARMUP + half), raCheck, raStats);
    const threads1 = raStats.threadCpuSeconds();
    const c2 = await drive(`${cfsslUrl}/api/v1/cfssl/sign`, ca.certificatePem, {}, cfsslBodies.slice(WARMUP + half), cfsslCheck, cfsslStats);

    const combine = (a: RunResult, b: RunResult, na: number, nb: number) => ({
      perSecond: (na + nb) / (na / a.perSecond + nb / b.perSecond),
      perCpuSecond: (na + nb) / (a.cpuSeconds + b.cpuSeconds),
      cpuMsPerCert: ((a.cpuSeconds + b.cpuSeconds) * 1000) / (na + nb),
      mainThreadCpuMsPerCert: ((a.mainThreadCpuSeconds + b.mainThreadCpuSeconds) * 1000) / (na + nb),
      p50: (a.p50 + b.p50) / 2,
      p99: Math.max(a.p99, b.p99),
      errors: a.errors + b.errors,
    });
    const raR = combine(r1, r2, half, N - half);
    const cfR = combine(c1, c2, half, N - half);
    const peer = 'cfssl serve /api/v1/cfssl/sign (Debian golang-cfssl 1.2.0), same CSRs and CA key';
    emit('ra.issuance.throughput', round(raR.perSecond, 1), 'certs/s', peer, round(cfR.perSecond, 1), { concurrency: CONCURRENCY, n: N, ca_curve: CA_CURVE, errors: raR.errors, peer_errors: cfR.errors });
    emit('ra.issuance.ratio', round(raR.perSecond / cfR.perSecond, 3), 'ratio (RA/cfssl, wall clock)', peer, 1, { target: '>= 1.0', ca_curve: CA_CURVE });
    emit('ra.issuance.per_cpu_second', round(raR.perCpuSecond, 1), 'certs per server CPU-second', peer, round(cfR.perCpuSecond, 1), {
      note: 'server process CPU only (utime+stime); robust against other load on the shared machine',
      cpu_ms_per_cert: round(raR.cpuMsPerCert, 2),
      main_thread_cpu_ms_per_cert: round(raR.mainThreadCpuMsPerCert, 2),
      peer_cpu_ms_per_cert: round(cfR.cpuMsPerCert, 2),
    });
    // Where the RA's CPU goes, thread by thread (ids in creation order: the event loop first, then V8's
    // platform threads — GC, compilation —, libuv's pool — signatures —, worker threads and their helpers).
    const perThread = [...threads1]
      .map(([tid, s]) => [tid, ((s - (threads0.get(tid) ?? 0)) * 1000) / N] as const)
      .filter(([, ms]) => ms >= 0.05)
      .sort((a, b) => a[0] - b[0])
      .map(([tid, ms]) => `${tid === ra.pid ? 'main' : tid}:${round(ms, 2)}`);
    emit('ra.issuance.thread_cpu', round(raR.mainThreadCpuMsPerCert, 2), 'ms CPU per certificate on the event loop', null, null, { threads_ms_per_cert: perThread.join(' ') });
    emit('ra.issuance.latency_p50', round(raR.p50, 2), 'ms', peer, round(cfR.p50, 2));
    emit('ra.issuance.latency_p99', round(raR.p99, 2), 'ms', peer, round(cfR.p99, 2));
    emit('ra.issuance.peak_rss', raStats.peakRssMb(), 'MiB (server VmHWM)', peer, cfsslStats.peakRssMb());
    // Group commit at work: how many write transactions shared each COMMIT (warm-up included).
    const metrics = await new Promise<string>((resolve) => {
      https.get(`${raUrl}/metrics`, { ca: ca.certificatePem }, (res) => {
        let s = '';
        res.on('data', (c) => (s += c));
        res.on('end', () => resolve(s));
      }).on('error', () => resolve(''));
    });
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    emit('ra.issuance.group_commit_batch', round(metric('emsoc_ra_db_transactions_total') / metric('emsoc_ra_db_commits_total'), 2), 'transactions per COMMIT', null, null);
    // The audit chain the run produced still verifies (offline verifier, as an auditor runs it).
    const verify = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'ra-service', 'src', 'main.ts'), 'verify-audit', '--config', cfg], { encoding: 'utf8' });
    const report = (() => {
      try {
        return JSON.parse(verify.stdout) as { ok: boolean; records: number };
      } catch {
        return { ok: false, records: NaN };
      }
    })();
    emit('ra.issuance.audit_verified', report.ok && verify.status === 0 ? 1 : 0, 'bool', null, null, { records: report.records });
    emit('ra.issuance.committed', 1, 'bool', null, null, {
      note: 'each RA response is 201 with status issued and the PEM; DB commit and audit records happen before the response',
    });
  } finally {
    cleanup();
    await Promise.race([Promise.all(children.map(stopped)), new Promise((r) => setTimeout(r, 5000))]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
