/**
 * Fuzz target for the Fluent Forward input: the MessagePack stream scanner, the protocol decoder (all
 * four modes, gzip) and the ECS mapping. Checks: only ForwardProtocolError escapes the decoder; the
 * scanner's verdict is consistent (a complete object ends inside the buffer, and decoding whole streams
 * chunk by chunk agrees with decoding them at once); every mapped document has an id and serialises.
 *
 *   node --import tsx log-collector/fuzz/forward-fuzz.ts [iterations=1000000] [--short] [--seed N]
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { encode, ExtData } from '@msgpack/msgpack';
import { scanMsgpack } from '../src/sources/forward/msgpack-scan.js';
import { decodeForwardMessage, ForwardProtocolError, type ForwardLimits } from '../src/sources/forward/protocol.js';
import { forwardEntryToEcs } from '../src/sources/forward/ecs.js';
import { fuzzLoop, mutateBytes, parseFuzzArgs, reportAndExit, type FuzzOptions, type FuzzSummary } from './harness.js';

const LIMITS: ForwardLimits = { maxBytes: 256 * 1024, maxDepth: 16, maxDecompressedBytes: 1024 * 1024, maxEntries: 10_000 };

function seeds(): Uint8Array[] {
  const t = new ExtData(0, Uint8Array.from([0x69, 0x2a, 0x0b, 0x80, 0, 0, 0, 7]));
  const entry = (i: number) => encode([i % 2 ? t : 1764000000 + i, { message: `Failed password for root from 203.0.113.${i} port 22 ssh2`, SYSLOG_IDENTIFIER: 'sshd', n: i, b: Uint8Array.from([1, 2]) }]);
  const packed = Buffer.concat([entry(1), entry(2), entry(3)]);
  return [
    encode(['app.log', 1764000000, { log: 'hello', host: 'h' }]),
    encode(['app.log', t, { message: 'x', nested: { a: [1, 2, { b: null }] } }, { chunk: 'abc' }]),
    encode(['fwd', [[1764000000, { a: 1 }], [t, { b: -1.5, c: true }]], { chunk: 'c2' }]),
    encode(['packed', packed, { chunk: 'c3', size: packed.length }]),
    encode(['syslog.auth', [[t, { log: 'Nov 24 16:00:00 web-2 sshd[99]: Failed password for x from 198.51.100.1 port 1 ssh2' }]]]),
    encode(['gz', gzipSync(packed), { compressed: 'gzip', chunk: 'c4' }]),
  ];
}

export function fuzzForward(opts: FuzzOptions): FuzzSummary {
  const pool = seeds();
  const receipt = { remoteAddress: '192.0.2.1', receivedAt: new Date('2025-11-24T16:00:00Z') };
  return fuzzLoop('forward', opts, (rand) => mutateBytes(pool, rand, 128 * 1024), (input, rand) => {
    // The stream view: the scanner must agree with itself across chunk boundaries.
    const whole = scanMsgpack(input, 0, LIMITS);
    if (whole.kind === 'complete' && (whole.end <= 0 || whole.end > input.length)) return `scan: end ${whole.end} outside 1..${input.length}`;
    const cut = rand(input.length + 1);
    const part = scanMsgpack(input, 0, LIMITS, cut);
    if (whole.kind === 'complete' && part.kind === 'complete' && part.end !== whole.end) return `scan: chunked end ${part.end} != ${whole.end}`;
    if (whole.kind === 'invalid' && part.kind === 'complete') return 'scan: prefix complete but whole invalid';
    if (whole.kind !== 'complete') return undefined;
    let msg;
    try {
      msg = decodeForwardMessage(input.subarray(0, whole.end), LIMITS);
    } catch (e) {
      if (e instanceof ForwardProtocolError) return undefined;
      return `decoder threw ${(e as Error).name}: ${(e as Error).message}`;
    }
    for (const e of msg.entries) {
      const doc = forwardEntryToEcs(msg.tag, e, receipt) as { event?: { id?: unknown } };
      if (typeof doc.event?.id !== 'string') return 'mapping: document without event.id';
      JSON.stringify(doc);
    }
    return undefined;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) reportAndExit(fuzzForward(parseFuzzArgs(process.argv.slice(2))));
