/**
 * Seconds to build and sign a CRL with 100,000 revoked entries (target ≤ 2 s): random 16-octet
 * serials, a third on hold, a third key-compromised with an invalidity date. ECDSA P-384 CA key.
 *   node --import tsx bench/src/pki/crl-100k.ts        (BENCH_CRL_ENTRIES=100000, BENCH_ROUNDS=5)
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { buildCrl, createKeySigner, CrlReason, encodeName, keyIdentifierFromSpki, type RevokedEntry } from '@emsoc/pki';

const N = Number(process.env.BENCH_CRL_ENTRIES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const signer = createKeySigner(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
const issuer = {
  name: encodeName([{ type: 'C', value: 'CN' }, { type: 'O', value: 'EMSOC Bench' }, { type: 'CN', value: 'Bench CRL CA' }]),
  keyIdentifier: keyIdentifierFromSpki(signer.publicKeyInfo),
};
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
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
console.log(JSON.stringify({
  name: 'pki.crl.build_sign_100k',
  value: round3(median(wall)),
  unit: 's',
  peer: null,
  peer_value: null,
  entries: N,
  rounds: ROUNDS,
  first_round_s: round3(wall[0]!),
  cpu_s_median: round3(median(cpu)),
  crl_bytes: bytes,
  loadavg_1m: Math.round(loadavg()[0]! * 100) / 100,
  target_s: 2,
}));
