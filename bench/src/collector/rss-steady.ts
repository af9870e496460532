/**
 * Collector memory at a steady 50,000 events/s (target ≤ 300 MB RSS): a sender process writes syslog
 * over TCP at that rate for a bounded time into the in-process collector (listener → spool → SQLite
 * sink); RSS is sampled every 250 ms and the maximum reported, with the rate actually absorbed (TCP
 * backpressure slows the sender when the collector cannot keep up; the run stops after --seconds).
 *
 * RSS covers every thread (the store sink and UDP receivers run in worker threads); `--inline-sink` runs
 * the sink on the main thread instead, for comparison.
 *
 *   node --import tsx bench/src/collector/rss-steady.ts [--seconds 20] [--rate 50000] [--inline-sink]
 */
import net from 'node:net';
import { pino } from 'pino';
import { listenSyslogTcp } from '../../../log-collector/src/sources/syslog/listen.js';
import { emit, inProcessCollector, sender } from './harness.js';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 20) || 20;
const rate = Number(args[args.indexOf('--rate') + 1] ?? 50_000) || 50_000;
const sinkMode = args.includes('--inline-sink') ? 'inline' : 'worker';

const srvProbe = net.createServer();
await new Promise<void>((r) => srvProbe.listen(0, '127.0.0.1', r));
const port = (srvProbe.address() as net.AddressInfo).port;
await new Promise((r) => srvProbe.close(r));

const c = await inProcessCollector({ sink: sinkMode });
let frames = 0;
const decode: typeof c.decode = (f, r) => {
  frames++;
  return c.decode(f, r);
};
const server = await listenSyslogTcp({ host: '127.0.0.1', port, decode, pipeline: c.pipeline, maxFrameBytes: 65536, logger: pino({ level: 'silent' }) });
let maxRss = 0;
const sampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 250);
const t0 = performance.now();
const s = sender('tcp', { port, count: rate * seconds, rate });
// Bounded: whatever the sender managed to push, stop after `seconds`.
const r = await Promise.race([s.done, new Promise<undefined>((res) => setTimeout(() => res(undefined), seconds * 1000 + 2000))]);
s.proc.kill('SIGKILL');
const elapsed = (performance.now() - t0) / 1000;
clearInterval(sampler);
maxRss = Math.max(maxRss, process.memoryUsage().rss);
emit('collector.rss_at_steady_rate', maxRss / 2 ** 20, 'MB', null, null, {
  target_rate: rate, sink: sinkMode, absorbed_rate: Math.round(frames / elapsed), sender_finished: r !== undefined, received: frames, seconds: Math.round(elapsed * 10) / 10, target_mb: 300,
});
server.close();
await c.close(1000);
process.exit(0);
