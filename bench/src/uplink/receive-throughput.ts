/**
 * Reports accepted per second at the receiving tier, signature verification included: pre-signed 5-minute
 * summaries from 100 units posted over HTTPS with mutual TLS to the real uplink service (receiver checks,
 * `reports` dataset write, audit record per report), one client per unit, all concurrently.
 *   node --import tsx bench/src/uplink/receive-throughput.ts   (SOC_BENCH_UPLINK_REPORTS=10000, _BATCH=50)
 */
import https from 'node:https';
import { buildMessage, signMessage, type SignedMessage } from '@emsoc/uplink';
import { startBenchTier, summaryBody } from './fixture.js';

const TOTAL = Number(process.env.SOC_BENCH_UPLINK_REPORTS ?? 10_000);
const UNITS = 100;
const BATCH = Number(process.env.SOC_BENCH_UPLINK_BATCH ?? 50);

const tier = await startBenchTier(UNITS);
const perUnit = Math.ceil(TOTAL / UNITS);
const t0 = new Date('2026-11-28T00:00:00Z').getTime();
const signed: SignedMessage[][] = tier.units.map((u) =>
  Array.from({ length: perUnit }, (_, i) => signMessage(buildMessage(u, 'emsoc.uplink.summary.v1', i + 1, { from: new Date(t0 + i * 300_000).toISOString(), to: new Date(t0 + (i + 1) * 300_000).toISOString() }, summaryBody(i)), u)),
);

function post(agent: https.Agent, body: unknown): Promise<{ results: { status: string }[] }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(`${tier.url}/api/v1/uplink/reports`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as { results: { status: string }[] }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function run(batch: number, messages: SignedMessage[][]): Promise<{ accepted: number; seconds: number }> {
  let accepted = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    tier.units.map(async (u, k) => {
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: tier.ca, cert: u.certPem, key: u.keyPem });
      const list = messages[k]!;
      for (let i = 0; i < list.length; i += batch) {
        const chunk = list.slice(i, i + batch);
        const r = await post(agent, batch === 1 ? chunk[0] : { reports: chunk });
        accepted += r.results.filter((x) => x.status === 'accepted').length;
      }
      agent.destroy();
    }),
  );
  return { accepted, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

// Batched (as the outbox sends during catch-up), then one message per request (steady state).
const half = Math.floor(perUnit / 2);
const batched = await run(BATCH, signed.map((l) => l.slice(0, half)));
const single = await run(1, signed.map((l) => l.slice(half)));
const line = (name: string, value: number, unit: string) => console.log(JSON.stringify({ name, value: Math.round(value * 10) / 10, unit, peer: null, peer_value: null }));
line(`uplink_receive_batched_${BATCH}_reports_per_s`, batched.accepted / batched.seconds, 'reports/s');
line('uplink_receive_single_reports_per_s', single.accepted / single.seconds, 'reports/s');
if (batched.accepted + single.accepted !== UNITS * perUnit) console.error(`only ${batched.accepted + single.accepted} of ${UNITS * perUnit} accepted`);
await tier.close();
process.exit(0);
