/**
 * SM2-with-SM3 signatures per second (sign and verify, 64-byte messages, default user ID), with
 * `openssl speed sm2` on the same machine as the peer figure. Prints JSON lines.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { generateSm2KeyPair, OID_SM2_WITH_SM3, Sm2Signer, sm2Verifier } from '@emsoc/pki/sm2/index';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

function rate(fn: () => void): number {
  for (let i = 0; i < 50; i++) fn(); // warm up
  let n = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
  }
  return n / ((performance.now() - start) / 1000);
}

/** "256 bits SM2 (CurveSM2)   0.0007s   0.0005s   1497.9   1934.6" → sign/s, verify/s. */
function opensslSpeed(): { sign: number; verify: number } | null {
  try {
    const out = execFileSync('openssl', ['speed', '-seconds', String(SECONDS), 'sm2'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
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
const peer = opensslSpeed();
const line = (name: string, value: number, peerValue: number | null) =>
  console.log(JSON.stringify({ name, value: Math.round(value), unit: 'ops/s', peer: peerValue === null ? null : 'openssl speed sm2', peer_value: peerValue }));
line('pki.sm2.sign', signRate, peer?.sign ?? null);
line('pki.sm2.verify', verifyRate, peer?.verify ?? null);
