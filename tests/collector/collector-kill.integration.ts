// Fault test (b): the collector is killed with SIGKILL mid-stream and restarted. The sender uses the
// Fluent Forward protocol with acks, so "spooled" is observable: an ack means the chunk is in the disk
// spool. Unacknowledged chunks are resent after reconnecting (at-least-once on the wire); the store
// must end up with every event exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { encode, decodeMulti } from '@msgpack/msgpack';
import { collectorProcess, ENGINE_URL, waitForAll } from './collector-process.js';

const CHUNKS = 400;
const PER_CHUNK = 50;

test('collector SIGKILLed mid-stream and restarted: every spooled event arrives, none twice', { timeout: 240_000 }, async (t) => {
  if (!ENGINE_URL) return t.skip('SOC_TEST_ENGINE_URL not set (start one with tests/engine/start.sh)');
  const c = await collectorProcess(ENGINE_URL);
  try {
    await c.start();
    const acked = new Set<number>();
    let next = 0; // first chunk not yet acknowledged
    let killed = false;
    // Recent event times: older ones would be (rightly) removed by the collector's legal-retention job.
    const base = Math.floor(Date.now() / 1000) - CHUNKS;
    const frame = (i: number) =>
      encode(['fault.b', Array.from({ length: PER_CHUNK }, (_, k) => [base + i, { message: `fault-b seq=${i * PER_CHUNK + k}` }]), { chunk: `c${i}` }]);
    while (acked.size < CHUNKS) {
      let sock: tls.TLSSocket;
      try {
        sock = tls.connect({ host: '127.0.0.1', port: c.ports.forward, ca: c.ca, servername: 'localhost', checkServerIdentity: () => undefined });
        await new Promise<void>((r, j) => sock.once('secureConnect', () => r()).once('error', j));
        sock.on('error', () => undefined);
      } catch {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      // Send in windows of 10 chunks; wait for their acks; a dead connection restarts from `next`.
      try {
        while (next < CHUNKS) {
          const window = Array.from({ length: Math.min(10, CHUNKS - next) }, (_, k) => next + k);
          const got = new Promise<void>((resolve, reject) => {
            const onClose = () => reject(new Error('closed'));
            const onData = (d: Buffer) => {
              for (const r of decodeMulti(d)) acked.add(Number(String((r as { ack: string }).ack).slice(1)));
              if (window.every((i) => acked.has(i))) {
                sock.off('data', onData);
                sock.off('close', onClose);
                resolve();
              }
            };
            sock.on('data', onData);
            sock.once('close', onClose);
          });
          for (const i of window) sock.write(frame(i));
          await got;
          next = window[window.length - 1]! + 1;
          if (!killed && next >= CHUNKS / 2) {
            killed = true;
            void c.kill('SIGKILL').then(() => c.start());
          }
        }
        sock.end();
      } catch {
        sock.destroy();
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    assert.ok(killed);
    const total = CHUNKS * PER_CHUNK;
    const result = await waitForAll(ENGINE_URL, c.indexPrefix, total);
    assert.equal(result.distinct, total, `missing e.g. ${result.missing.join(',')}`);
    assert.equal(result.total, total, 'no event stored twice');
  } finally {
    await c.cleanup();
  }
});
