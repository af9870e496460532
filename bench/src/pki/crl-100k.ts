/**
 * Seconds to build and sign a CRL with 100,000 revoked entries (target ≤ 2 s): random 16-octet
 * serials, a third on hold, a third key-compromised with an invalidity date. ECDSA P-384 CA key.
 *   node --import tsx bench/src/pki/crl-100k.ts        (BENCH_CRL_ENTRIES=100000, BENCH_ROUNDS=5)
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildCrl,
  createKeySigner,
  CrlReason,
  encodeName,
  keyIdentifierFromSpki,
  prepareCertificate,
  selfIssuer,
  signPrepared,
  toPem,
  type RevokedEntry,
} from '@emsoc/pki';

const N = Number(process.env.BENCH_CRL_ENTRIES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const caKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
const signer = createKeySigner(caKey);
const caName = [{ type: 'C', value: 'CN' }, { type: 'O', value: 'EMSOC Bench' }, { type: 'CN', value: 'Bench CRL CA' }];
const issuer = { name: encodeName(caName), keyIdentifier: keyIdentifierFromSpki(signer.publicKeyInfo) };
const now = new Date();
const serials = randomBytes(16 * N);
const entries: RevokedEntry[] = Array.from({ length: N }, (_, i) => {
  const serialNumber = serials.subarray(16 * i, 16 * i + 16);
  serialNumber[0] = (serialNumber[0]! & 0x7f) || 1;
  const kind = i % 3;
  return {
    serialNumber,
    revocationDate: new Date(now.getTime() - (i % 86_400) * 1000),
    reason: kind === 0 ? CrlReason.certificateHold : kind === 1 ? CrlReason.keyCompromise : undefined,
    invalidityDate: kind === 1 ? new Date(now.getTime() - 7 * 86_400_000) : undefined,
  };
});

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const wall: number[] = [];
const cpu: number[] = [];
let bytes = 0;
for (let r = 0; r < ROUNDS; r++) {
  const t0 = performance.now();
  const c0 = cpuMs();
  const crl = buildCrl({ issuer, thisUpdate: now, nextUpdate: new Date(now.getTime() + 86_400_000), crlNumber: 1000 + r, entries }, signer);
  wall.push((performance.now() - t0) / 1000);
  cpu.push((cpuMs() - c0) / 1000);
  bytes = crl.length;
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

/** Peer: `openssl ca -gencrl` over an index.txt with the same entries (same key, same reasons). */
function opensslGencrlSeconds(): number | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'emsoc-crl-bench-'));
  try {
    const cert = signPrepared(
      prepareCertificate({ issuer: selfIssuer(caName, signer), subject: caName, publicKeyInfo: signer.publicKeyInfo, notAfter: new Date(now.getTime() + 864e8), basicConstraints: { ca: true }, keyUsage: ['keyCertSign', 'cRLSign'] }),
      signer,
    );
    writeFileSync(path.join(dir, 'ca.pem'), toPem(cert, 'CERTIFICATE'));
    writeFileSync(path.join(dir, 'ca-key.pem'), caKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    const ts = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
    const reasonName: Record<number, string> = { [CrlReason.certificateHold]: 'certificateHold', [CrlReason.keyCompromise]: 'keyCompromise' };
    const lines = entries.map((e) => {
      const reason = e.reason !== undefined ? `,${reasonName[e.reason]}` : '';
      const serial = Buffer.from(e.serialNumber as Uint8Array).toString('hex').toUpperCase();
      return `R\t${ts(new Date(now.getTime() + 864e8))}\t${ts(e.revocationDate)}${reason}\t${serial}\tunknown\t/CN=x${serial}\n`;
    });
    writeFileSync(path.join(dir, 'index.txt'), lines.join(''));
    writeFileSync(path.join(dir, 'index.txt.attr'), 'unique_subject = no\n');
    writeFileSync(path.join(dir, 'crlnumber'), '1000\n');
    writeFileSync(path.join(dir, 'ca.cnf'), `[ca]\ndefault_ca = d\n[d]\ndir = ${dir}\ndatabase = $dir/index.txt\ncrlnumber = $dir/crlnumber\ndefault_md = sha384\ndefault_crl_days = 1\n`);
    const t0 = performance.now();
    const r = spawnSync('openssl', ['ca', '-config', path.join(dir, 'ca.cnf'), '-gencrl', '-cert', path.join(dir, 'ca.pem'), '-keyfile', path.join(dir, 'ca-key.pem'), '-out', path.join(dir, 'x.crl')], { encoding: 'utf8' });
    const secs = (performance.now() - t0) / 1000;
    if (r.status !== 0) {
      console.error(`openssl ca -gencrl failed: ${r.stderr}`);
      return null;
    }
    return secs;
  } catch (e) {
    console.error(`openssl peer unavailable: ${(e as Error).message}`);
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const peer = opensslGencrlSeconds();
console.log(JSON.stringify({
  name: 'pki.crl.build_sign_100k',
  value: round3(median(wall)),
  unit: 's',
  peer: peer === null ? null : 'openssl ca -gencrl (same entries, P-384/SHA-384)',
  peer_value: peer === null ? null : round3(peer),
  entries: N,
  rounds: ROUNDS,
  first_round_s: round3(wall[0]!),
  cpu_s_median: round3(median(cpu)),
  crl_bytes: bytes,
  loadavg_1m: Math.round(loadavg()[0]! * 100) / 100,
  target_s: 2,
}));
