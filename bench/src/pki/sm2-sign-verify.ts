/**
 * SM2-with-SM3 signatures per second (sign and verify, 64-byte messages, default user ID), with
 * `openssl speed sm2` on the same machine as the peer figure. Prints JSON lines.
 *
 * The machine is shared, so each figure comes twice: per wall-clock second (peer run with
 * `-elapsed`) and per CPU second of this process (peer's default accounting, user CPU time).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { generateSm2KeyPair, OID_SM2_WITH_SM3, Sm2Signer, sm2Verifier } from '@emsoc/pki/sm2/index';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

/** Operations per wall-clock second and per CPU second. */
function rate(fn: () => void): { wall: number; cpu: number } {
  for (let i = 0; i < 50; i++) fn(); // warm up
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: n / ((performance.now() - start) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

/** "256 bits SM2 (CurveSM2)   0.0007s   0.0005s   1497.9   1934.6" → sign/s, verify/s. */
function opensslSpeed(elapsed: boolean): { sign: number; verify: number } | null {
  try {
    const args = ['speed', ...(elapsed ? ['-elapsed'] : []), '-seconds', String(SECONDS), 'sm2'];
    const out = execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /SM2 \(CurveSM2\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/.exec(out);
    return m ? { sign: Number(m[1]), verify: Number(m[2]) } : null;
  } catch {
    return null;
  }
}

const signer = new Sm2Signer(generateSm2KeyPair());
const messages = Array.from({ length: 64 }, () => new Uint8Array(randomBytes(64)));
let i = 0;
const signRate = rate(() => signer.sign(messages[i++ & 63]!));
const sigs = messages.map((m) => signer.sign(m));
const verifyRate = rate(() => {
  const k = i++ & 63;
  if (!sm2Verifier.verify({ algorithmOid: OID_SM2_WITH_SM3, publicKeyInfo: signer.publicKeyInfo, data: messages[k]!, signature: sigs[k]! })) {
    throw new Error('benchmark signature failed to verify');
  }
});
const peerWall = opensslSpeed(true);
const peerCpu = opensslSpeed(false);
const line = (name: string, unit: string, value: number, peer: string, peerValue: number | undefined) =>
  console.log(JSON.stringify({ name, value: Math.round(value), unit, peer: peerValue === undefined ? null : peer, peer_value: peerValue ?? null }));
line('pki.sm2.sign', 'ops/s', signRate.wall, 'openssl speed -elapsed sm2', peerWall?.sign);
line('pki.sm2.verify', 'ops/s', verifyRate.wall, 'openssl speed -elapsed sm2', peerWall?.verify);
line('pki.sm2.sign.cpu', 'ops/cpu-s', signRate.cpu, 'openssl speed sm2', peerCpu?.sign);
line('pki.sm2.verify.cpu', 'ops/cpu-s', verifyRate.cpu, 'openssl speed sm2', peerCpu?.verify);
