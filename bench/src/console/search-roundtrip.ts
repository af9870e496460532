/**
 * Console search round trip at SOC_BENCH_EVENTS (default 1,000,000) synthetic events over 7 days in the
 * embedded SQLite store (written directly through the store): the time for what the search page asks on
 * open — first page of hits (100) + 60-bucket histogram — through the console's HTTPS API with a Bearer
 * token (authentication, permission check, audit record included). Target: ≤ 1 s. Prints JSON lines.
 * Measured two ways: the one streamed call the web app makes (GET events/first-screen: histogram line,
 * then page line; also the time to the histogram line) and, for comparison, the two separate calls.
 *   node --import tsx bench/src/console/search-roundtrip.ts
 * SOC_BENCH_DATA_DIR=<dir> keeps the data dir (and reuses its events on the next run) instead of a temp one.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { platformConfigSchema } from '@emsoc/common/config';
import { IdentityStore, loadRolePolicy } from '@emsoc/common/auth';
import { openEventStore } from '@emsoc/event-store';
import { issueTlsServerCertificate, loadOrCreateDevCa } from '@emsoc/pki';
import { startConsole } from '@emsoc/soc-console-server/service';
import { syntheticEvent, BENCH_START } from '../store/synthetic.js';
import { emit, intArg, percentile, round } from '../store/util.js';

const N = intArg('SOC_BENCH_EVENTS', 1_000_000);
const RUNS = intArg('SOC_BENCH_RUNS', 10);
const DAY = 86_400_000;
const BATCH = 5_000;

const keep = process.env.SOC_BENCH_DATA_DIR;
const dataDir = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'emsoc-bench-console-'));
fs.mkdirSync(dataDir, { recursive: true });
try {
  const ca = loadOrCreateDevCa(path.join(dataDir, 'ca'));
  if (!fs.existsSync(path.join(dataDir, 'tls', 'console.pem'))) issueTlsServerCertificate(ca, { ipAddresses: ['127.0.0.1'], clientAuth: true, name: 'console' }, path.join(dataDir, 'tls'));
  const config = platformConfigSchema.parse({ dataDir });
  config.console.port = 0;
  const identity = new IdentityStore(path.join(dataDir, 'identity.db'), loadRolePolicy());
  const analyst = identity.findAccountByName('bench-analyst') ?? identity.createAccount({ name: 'bench-analyst', roles: ['soc-analyst'] });
  const token = identity.issueToken(analyst.id, 'bench').token;
  const store = await openEventStore({ engine: 'sqlite', path: path.join(dataDir, 'events.db') });

  if ((await store.count({ dataset: 'events' })) !== N) {
    const t0 = performance.now();
    for (let i = 0; i < N; i += BATCH) {
      const r = await store.bulk('events', Array.from({ length: Math.min(BATCH, N - i) }, (_, k) => syntheticEvent(i + k, 7 * DAY, N)));
      if (r.failed.length) throw new Error(r.failed[0]!.error);
    }
    emit('console.search.load_rate', round(N / ((performance.now() - t0) / 1000), 0), 'events/s', null, null, { events: N });
  }

  const running = await startConsole({ config, logger: pino({ level: 'silent' }), identity, store }, { incidentPollMs: 3_600_000 });
  const agent = new https.Agent({ ca: ca.certificatePem, keepAlive: true });
  /** Bytes received; `firstChunk` gets the time the first body bytes arrived (streamed answers). */
  const get = (p: string, firstChunk?: (ms: number) => void) =>
    new Promise<number>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: running.port, path: p, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
          let n = 0;
          res.on('data', (c: Buffer) => {
            if (n === 0) firstChunk?.(performance.now());
            n += c.length;
          });
          res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`${p}: HTTP ${res.statusCode}`))));
        })
        .on('error', reject);
    });

  const end = BENCH_START + 7 * DAY;
  const cases = [
    { name: 'last_24h', from: end - DAY, to: end, q: '' },
    { name: 'all_7d', from: BENCH_START, to: end, q: '' },
    { name: 'last_24h_query', from: end - DAY, to: end, q: 'event.outcome:failure AND destination.port:22' },
  ];
  for (const c of cases) {
    const range = `from=${new Date(c.from).toISOString()}&to=${new Date(c.to).toISOString()}${c.q ? `&q=${encodeURIComponent(c.q)}` : ''}`;
    await get(`/api/v1/events?${range}&size=100`); // warm-up (statement cache, page cache)
    const total: number[] = [];
    const page: number[] = [];
    const hist: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const a = performance.now();
      await get(`/api/v1/events?${range}&size=100`);
      const b = performance.now();
      await get(`/api/v1/events/histogram?${range}&buckets=60`);
      const e = performance.now();
      page.push(b - a);
      hist.push(e - b);
      total.push(e - a);
    }
    await get(`/api/v1/events/first-screen?${range}&size=100&buckets=60`);
    const streamed: number[] = [];
    const toHistogram: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const a = performance.now();
      let first = a;
      await get(`/api/v1/events/first-screen?${range}&size=100&buckets=60`, (t) => (first = t));
      streamed.push(performance.now() - a);
      toHistogram.push(first - a);
    }
    for (const xs of [total, page, hist, streamed, toHistogram]) xs.sort((x, y) => x - y);
    emit(`console.search.${c.name}.first_screen_p50`, round(percentile(streamed, 50), 1), 'ms', null, null, { events: N, target_ms: 1000 });
    emit(`console.search.${c.name}.first_screen_p95`, round(percentile(streamed, 95), 1), 'ms', null, null, { events: N, target_ms: 1000 });
    emit(`console.search.${c.name}.first_screen_histogram_line_p50`, round(percentile(toHistogram, 50), 1), 'ms');
    emit(`console.search.${c.name}.first_page_plus_histogram_p50`, round(percentile(total, 50), 1), 'ms', null, null, { events: N, target_ms: 1000 });
    emit(`console.search.${c.name}.first_page_plus_histogram_p95`, round(percentile(total, 95), 1), 'ms', null, null, { events: N, target_ms: 1000 });
    emit(`console.search.${c.name}.first_page_p50`, round(percentile(page, 50), 1), 'ms');
    emit(`console.search.${c.name}.histogram_p50`, round(percentile(hist, 50), 1), 'ms');
  }
  agent.destroy();
  await running.close();
  await store.close();
  identity.close();
} finally {
  if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
}
