/**
 * Catch-up after an outage: 100 units each hold 24 h of 5-minute summaries (288 each, 28,800 messages)
 * in their durable outboxes; the upper tier comes back and the real senders (mTLS, batches, in order)
 * drain everything into the real receiving service. Reports the seconds until every outbox is empty.
 *   node --import tsx bench/src/uplink/catch-up.ts   (SOC_BENCH_UPLINK_UNITS=100, SOC_BENCH_UPLINK_PER_UNIT=288)
 */
import path from 'node:path';
import { createLogger } from '@emsoc/common/log';
import { Outbox, UplinkSender } from '@emsoc/uplink';
import { startBenchTier, summaryBody } from './fixture.js';

const UNITS = Number(process.env.SOC_BENCH_UPLINK_UNITS ?? 100);
const PER_UNIT = Number(process.env.SOC_BENCH_UPLINK_PER_UNIT ?? 288);

const tier = await startBenchTier(UNITS);
const logger = createLogger('bench-uplink', 'error');
const t0 = Date.now() - 86_400_000;
const outboxes = tier.units.map((u) => {
  const ob = new Outbox(path.join(tier.dir, 'outboxes', `${u.unitId}.db`));
  ob.db.transaction(() => {
    for (let i = 0; i < PER_UNIT; i++) ob.enqueue(u, 'emsoc.uplink.summary.v1', { from: new Date(t0 + i * 300_000).toISOString(), to: new Date(t0 + (i + 1) * 300_000).toISOString() }, summaryBody(i), 'summary 5m');
  })();
  return ob;
});
const backlog = outboxes.reduce((n, ob) => n + ob.counts().pending, 0);

const started = process.hrtime.bigint();
const senders = tier.units.map((u, k) => new UplinkSender({ outbox: outboxes[k]!, url: tier.url, ca: tier.ca, cert: u.certPem, key: u.keyPem, logger, initialMs: 200, maxMs: 2000, batchSize: 50 }));
for (const s of senders) s.start();
for (;;) {
  const left = outboxes.reduce((n, ob) => n + ob.counts().pending, 0);
  if (left === 0) break;
  await new Promise((r) => setTimeout(r, 50));
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await Promise.all(senders.map((s) => s.stop()));
const stored = await tier.store.count({ dataset: 'reports' });
console.log(JSON.stringify({ name: `uplink_catch_up_${backlog}_summaries_${UNITS}_units_s`, value: Math.round(seconds * 10) / 10, unit: 's', peer: null, peer_value: null }));
console.log(JSON.stringify({ name: 'uplink_catch_up_reports_per_s', value: Math.round(backlog / seconds), unit: 'reports/s', peer: null, peer_value: null }));
if (stored !== backlog) console.error(`stored ${stored} of ${backlog}`);
for (const ob of outboxes) ob.close();
await tier.close();
process.exit(0);
