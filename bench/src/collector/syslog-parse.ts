/**
 * Syslog parse + normalise throughput on one core (target ≥ 100,000 events/s): a mixed
 * workload of RFC 3164/5424 lines (sshd, sudo, iptables, nginx, Cisco ASA, FortiGate, Junos,
 * auditd, unknown apps) with varying addresses so no parse result is cached. Also measured:
 * the same with asset/IOC enrichment, and the RFC 6587 framer alone. Events per CPU-second of
 * this process (median of timed passes after two warm-up passes). Peer fields are null (the rsyslog end-to-end comparison lives elsewhere).
 *
 *   node --import tsx bench/src/collector/syslog-parse.ts [--seconds 3]
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyslogFramer, parseSyslog } from '../../../log-collector/src/sources/syslog/index.js';
import { loadEnrichment, normalize, parseMessage } from '../../../log-collector/src/transforms/index.js';
import { TEMPLATES } from './parse-lines.js';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 3) || 3;
const policies = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'policies');

const N = 50_000;
const lines: string[] = Array.from({ length: N }, (_, i) => TEMPLATES[i % TEMPLATES.length]!(i));
const ctx = { receivedAt: Date.parse('2026-11-29T02:00:00Z'), sourceAddress: '10.99.10.1' };

const cpuS = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * Warm up with two passes over the whole line set (so every parser is optimised), then time
 * passes until `seconds` of wall time have elapsed; the median pass rate is reported.
 */
function run(fn: (line: string) => void): { perSec: number; best: number; n: number; rounds: number } {
  for (let w = 0; w < 2; w++) for (const l of lines) fn(l);
  const rates: number[] = [];
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || rates.length < 3) {
    const c0 = cpuS();
    for (const l of lines) fn(l);
    rates.push(N / (cpuS() - c0));
    n += N;
  }
  rates.sort((a, b) => a - b);
  // The median is the figure; the best pass (least disturbed by other load on a shared host) is printed beside it.
  return { perSec: rates[Math.floor(rates.length / 2)]!, best: rates[rates.length - 1]!, n, rounds: rates.length };
}

/**
 * Machine-speed reference measured alongside (a dependent integer multiply-add loop, ~1 op/ns on
 * an idle current x86 core): on a shared, overloaded host CPU-seconds stretch, and this figure lets
 * readers scale the results.
 */
function calibrationMops(): number {
  let x = 0;
  const c0 = cpuS();
  for (let i = 0; i < 5e7; i++) x = (x * 31 + i) | 0;
  return Math.round(5e7 / (cpuS() - c0) / 1e6 + (x & 0));
}

const enr = await loadEnrichment(policies);
const round = (x: number): number => Math.round(x);
const common = { peer: null, peer_value: null, seconds, loadavg_1m: Math.round(loadavg()[0]! * 100) / 100, calibration_int_mops: calibrationMops() };

const base = run((l) => {
  const ev = parseSyslog(l, ctx);
  parseMessage(ev);
  normalize(ev);
});
console.log(JSON.stringify({ name: 'collector.syslog.parse_normalize', value: round(base.perSec), unit: 'events/cpu-s', ...common, best_pass: round(base.best), events: base.n, rounds: base.rounds, target: 100_000 }));

const full = run((l) => {
  const ev = parseSyslog(l, ctx);
  parseMessage(ev);
  normalize(ev);
  enr.enrich(ev);
});
console.log(JSON.stringify({ name: 'collector.syslog.parse_normalize_enrich', value: round(full.perSec), unit: 'events/cpu-s', ...common, events: full.n, rounds: full.rounds }));

const headerOnly = run((l) => parseSyslog(l, ctx));
console.log(JSON.stringify({ name: 'collector.syslog.header_parse', value: round(headerOnly.perSec), unit: 'events/cpu-s', ...common, events: headerOnly.n, rounds: headerOnly.rounds }));

// Framer: octet-counted stream cut into 1460-byte segments (TCP MSS-sized reads).
const stream = Buffer.from(lines.slice(0, 20_000).map((l) => `${Buffer.byteLength(l)} ${l}`).join(''));
const segments: Buffer[] = [];
for (let o = 0; o < stream.length; o += 1460) segments.push(stream.subarray(o, o + 1460));
let frames = 0;
let bytes = 0;
const c0 = cpuS();
const t0 = performance.now();
while (performance.now() - t0 < seconds * 1000) {
  const f = createSyslogFramer({ maxFrameSize: 65536 });
  for (const s of segments) frames += f.push(s).length;
  bytes += stream.length;
}
const fc = cpuS() - c0;
console.log(JSON.stringify({ name: 'collector.syslog.framer_octet_counting', value: round(frames / fc), unit: 'frames/cpu-s', ...common, mb_per_cpu_s: Math.round((bytes / fc / 1e6) * 10) / 10 }));
