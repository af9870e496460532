/**
 * Mutational fuzzer for the flow decoders (NetFlow v5/v9, IPFIX, sFlow), the ECS mapping and the
 * pcap/pcapng reader. Seeds: every UDP payload of the shared captures plus synthetic packets.
 * Fails (exit 1) when an exception escapes, a decoder reports an internal fault, one input takes
 * too long, or memory / the template cache grows past its bounds.
 *
 *   node --import tsx log-collector/fuzz/flow.ts [iterations=1000000] [--short] [--seed N]
 */
import { existsSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sharedDataDir } from '@emsoc/common/paths';
import { readPcapUdp } from '../src/replay/pcap.js';
import { decodeFlowPacket, TemplateCache, toEcs } from '../src/sources/netflow/index.js';
import { decodeSflowPacket } from '../src/sources/sflow/index.js';
import { concat, FLOW_SPECS, flowRecord, ipfixMessage, ipfixTemplate, set, v9Packet, v9Template } from '../test/netflow/build.js';

const args = process.argv.slice(2);
const short = args.includes('--short');
const seedArg = args.indexOf('--seed');
let rng = seedArg >= 0 ? Number(args[seedArg + 1]) >>> 0 || 1 : 0x9e3779b9;
const positional = args.filter((a, i) => !a.startsWith('--') && (seedArg < 0 || i !== seedArg + 1));
const iterations = positional[0] !== undefined ? Number(positional[0]) : short ? 20_000 : 1_000_000;

/**
 * Per-input limit on CPU time (not wall time: the machine is shared and a descheduled fuzzer is not
 * a hang). A bounded decoder handles a 64 KiB datagram in well under this; a loop never ends.
 */
const MAX_MS_PER_INPUT = 250;
const MAX_HEAP_BYTES = 768 * 1024 * 1024;

function rand(n: number): number {
  // xorshift32: deterministic for a given --seed, so failures reproduce.
  rng ^= rng << 13;
  rng >>>= 0;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  rng >>>= 0;
  return rng % n;
}

// ---- corpus ----
const flowSeeds: Uint8Array[] = [];
const sflowSeeds: Uint8Array[] = [];
const captureSeeds: Uint8Array[] = [];
const netflowDir = path.join(sharedDataDir, 'netflow');

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
for (const file of walk(netflowDir)) {
  if (file.endsWith('.pcap')) {
    const buf = readFileSync(file);
    captureSeeds.push(buf);
    for (const d of readPcapUdp(buf).datagrams) (file.includes('/sflow/') ? sflowSeeds : flowSeeds).push(Uint8Array.from(d.payload));
  } else if (file.endsWith('.dat')) flowSeeds.push(readFileSync(file));
}
const v9Specs = FLOW_SPECS.map(([id, len]) => [id, len] as [number, number]);
flowSeeds.push(
  ipfixMessage([set(2, ipfixTemplate(300, [[8, 4], [96, 0xffff], [7, 0xffff, 9], [1, 3]])), set(300, Uint8Array.from([10, 0, 0, 1, 3, 97, 98, 99, 2, 1, 2, 0, 0, 9]))]),
  ipfixMessage([set(2, ipfixTemplate(301, FLOW_SPECS)), set(301, concat(flowRecord(1), flowRecord(2)))]),
  v9Packet([set(0, v9Template(302, v9Specs)), set(302, concat(flowRecord(3), flowRecord(4)))]),
);
if (!existsSync(netflowDir)) console.error(`note: shared data not found at ${netflowDir}; synthetic seeds only`);

// ---- mutations ----
const INTERESTING = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0xfe];
const INTERESTING16 = [0, 1, 2, 3, 4, 255, 256, 257, 0x7fff, 0x8000, 0xfffe, 0xffff];

function mutate(seed: Uint8Array, others: Uint8Array[]): Uint8Array {
  let b: Uint8Array = Uint8Array.from(seed);
  const rounds = 1 + rand(4);
  for (let r = 0; r < rounds; r++) {
    const len = b.length;
    switch (rand(9)) {
      case 0: if (len) b[rand(len)]! ^= 1 << rand(8); break;
      case 1: if (len) b[rand(len)] = INTERESTING[rand(INTERESTING.length)]!; break;
      case 2: if (len > 1) { const o = rand(len - 1); const v = INTERESTING16[rand(INTERESTING16.length)]!; b[o] = v >> 8; b[o + 1] = v & 255; } break;
      case 3: b = b.subarray(0, rand(len + 1)); break; // truncate
      case 4: { const o = rand(len + 1); const n = 1 + rand(16); b = concat(b.subarray(0, o), Uint8Array.from({ length: n }, () => rand(256)), b.subarray(o)); break; }
      case 5: if (len) { const o = rand(len); b = concat(b.subarray(0, o), b.subarray(Math.min(len, o + 1 + rand(32)))); } break;
      case 6: { const other = others[rand(others.length)]!; const o = rand(len + 1); const s = rand(other.length + 1); b = concat(b.subarray(0, o), other.subarray(s, s + rand(256))); break; }
      case 7: if (len > 8) { const o = rand(len - 4); b.copyWithin(o, rand(len - 4), rand(len)); } break;
      default: if (len) { const o = rand(len); b.fill(rand(256), o, o + rand(64)); } break;
    }
  }
  return b.length > 65_535 ? b.subarray(0, 65_535) : b;
}

// ---- run ----
let cache = new TemplateCache({ maxTemplates: 2000, maxPendingSets: 64, maxPendingBytes: 256 * 1024 });
const exporters = [{ address: '192.0.2.1', port: 2055 }, { address: '2001:db8::1', port: 4739 }];
const at = new Date('2024-05-01T00:00:00Z');
const stats = { inputs: 0, records: 0, errors: 0, slowest: 0 };
const crashDir = path.join(os.tmpdir(), 'emsoc-fuzz-flow');

function fail(kind: string, input: Uint8Array, detail: unknown): never {
  mkdirSync(crashDir, { recursive: true });
  const file = path.join(crashDir, `${kind}-${Date.now()}.bin`);
  writeFileSync(file, input);
  console.error(`FAIL ${kind} after ${stats.inputs} inputs (input saved to ${file}):`, detail);
  process.exit(1);
}

function runOne(input: Uint8Array, target: number): void {
  const t0 = process.cpuUsage();
  try {
    if (target === 0) {
      const r = decodeFlowPacket(input, exporters[rand(2)]!, new Date(at.getTime() + stats.inputs * 1000), cache);
      for (const e of r.errors) if (e.message.startsWith('decoder fault')) fail('fault', input, e);
      for (const rec of r.records) toEcs(rec);
      stats.records += r.records.length;
      stats.errors += r.errors.length;
    } else if (target === 1) {
      const r = decodeSflowPacket(input, exporters[0]!, at);
      for (const rec of r.records) toEcs(rec);
      stats.records += r.records.length;
      stats.errors += r.errors.length;
    } else {
      const { datagrams } = readPcapUdp(input);
      stats.records += datagrams.length;
    }
  } catch (err) {
    fail('throw', input, err);
  }
  const used = process.cpuUsage(t0);
  const ms = (used.user + used.system) / 1000;
  stats.slowest = Math.max(stats.slowest, ms);
  if (ms > MAX_MS_PER_INPUT) fail('slow', input, `${ms.toFixed(1)} ms`);
}

const started = performance.now();
for (let i = 0; i < iterations; i++) {
  const target = captureSeeds.length > 0 && i % 50 === 49 ? 2 : sflowSeeds.length > 0 && i % 5 === 4 ? 1 : 0;
  const pool = target === 2 ? captureSeeds : target === 1 ? sflowSeeds : flowSeeds;
  runOne(mutate(pool[rand(pool.length)]!, flowSeeds), target);
  stats.inputs++;
  if (i % 10_000 === 9_999) {
    const heap = process.memoryUsage().heapUsed;
    if (heap > MAX_HEAP_BYTES) fail('memory', new Uint8Array(0), `heap ${heap} bytes`);
    if (cache.size > cache.maxTemplates || cache.pendingCount > cache.maxPendingSets) fail('cache', new Uint8Array(0), cache.stats);
    if (i % 200_000 === 199_999 && i < iterations - 1) cache = new TemplateCache({ maxTemplates: 2000, maxPendingSets: 64, maxPendingBytes: 256 * 1024 });
  }
}
const secs = (performance.now() - started) / 1000;
console.log(JSON.stringify({
  fuzz: 'flow', inputs: stats.inputs, seeds: flowSeeds.length + sflowSeeds.length + captureSeeds.length, records: stats.records,
  errors_reported: stats.errors, slowest_cpu_ms: Number(stats.slowest.toFixed(2)), seconds: Number(secs.toFixed(1)),
  heap_mb: Math.round(process.memoryUsage().heapUsed / 2 ** 20), cache: cache.stats,
}));
