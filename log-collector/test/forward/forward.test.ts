import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { encode, decodeMulti, ExtData } from '@msgpack/msgpack';
import { Spool } from '../../src/spool/spool.js';
import { EventPipeline, type SpoolEntry } from '../../src/pipeline/event-pipeline.js';
import { listenForward } from '../../src/sources/forward/listen.js';
import { makeTlsFixture, type TlsFixture } from '../tls-fixture.js';

const require = createRequire(import.meta.url);
// fluent-logger is CommonJS without ESM types.
const fluent = require('fluent-logger') as {
  createFluentSender(tag: string, opts: Record<string, unknown>): {
    emit(label: string, record: object, time?: number, cb?: (err?: Error) => void): void;
    end(label?: string, data?: object, cb?: () => void): void;
  };
};

let fx: TlsFixture;
let dir: string;
before(() => {
  fx = makeTlsFixture();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forward-test-'));
});
after(() => {
  fx.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

const logger = pino({ level: 'silent' });
let n = 0;
async function server(maxBytes = 64 * 1024 * 1024) {
  const spool = new Spool({ dir: path.join(dir, `s${n++}`), maxBytes });
  const pipeline = new EventPipeline(spool);
  const srv = await listenForward({ host: '127.0.0.1', port: 0, tls: { key: fx.server.key, cert: fx.server.cert }, pipeline, logger });
  const port = (srv.address() as { port: number }).port;
  const entries = (): SpoolEntry[] => {
    const out: SpoolEntry[] = [];
    for (let b = spool.read(10_000); b; b = spool.read(10_000)) for (const p of b.payloads) out.push(JSON.parse(p.toString()) as SpoolEntry);
    return out;
  };
  return { spool, pipeline, port, entries, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

/** Sends raw frames over TLS; resolves with the decoded replies and whether the server closed the connection. */
async function sendFrames(port: number, frames: Uint8Array[], expectReplies: number, timeoutMs = 3000): Promise<{ replies: unknown[]; closed: boolean }> {
  const sock = tls.connect({ host: '127.0.0.1', port, ca: fx.ca, servername: 'localhost' });
  await new Promise<void>((r, j) => sock.once('secureConnect', () => r()).once('error', j));
  const replies: unknown[] = [];
  let closed = false;
  let pending = Buffer.alloc(0);
  const done = new Promise<void>((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    sock.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      // Replies are small maps; decode greedily.
      try {
        const all = [...decodeMulti(pending)];
        replies.push(...all);
        pending = Buffer.alloc(0);
      } catch {
        /* partial */
      }
      if (replies.length >= expectReplies) {
        clearTimeout(t);
        resolve();
      }
    });
    sock.on('close', () => {
      closed = true;
      clearTimeout(t);
      resolve();
    });
    sock.on('error', () => undefined);
  });
  for (const f of frames) sock.write(f);
  await done;
  sock.destroy();
  return { replies, closed };
}

function eventTime(sec: number, nsec: number): ExtData {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, sec);
  new DataView(b.buffer).setUint32(4, nsec);
  return new ExtData(0, b);
}

const SSH = 'Failed password for root from 203.0.113.9 port 4242 ssh2';

for (const mode of ['Message', 'PackedForward', 'CompressedPackedForward'] as const) {
  test(`fluent-logger over TLS, ${mode}, with ack responses`, async () => {
    const s = await server();
    const sender = fluent.createFluentSender('app', {
      host: '127.0.0.1', port: s.port, tls: true, tlsOptions: { ca: fx.ca, servername: 'localhost' },
      requireAckResponse: true, ackResponseTimeout: 5000, eventMode: mode, flushInterval: 20, timeout: 3.0, reconnectInterval: 200,
    });
    const sends = [1, 2, 3].map((i) => new Promise<void>((res, rej) => sender.emit('auth', { message: `${SSH} #${i}`, SYSLOG_IDENTIFIER: 'sshd', _PID: '77', host: 'web-1' }, 1764000000 + i, (err) => (err ? rej(err) : res()))));
    await Promise.all(sends);
    await new Promise<void>((r) => sender.end(undefined, undefined, () => r()));
    const got = s.entries();
    assert.equal(got.length, 3);
    for (const e of got) {
      const doc = e.e as Record<string, any>;
      assert.equal(doc.fluent.tag, 'app.auth');
      assert.equal(doc.host.hostname, 'web-1');
      assert.equal(doc.process.name, 'sshd');
      assert.equal(doc.process.pid, 77);
      assert.deepEqual(doc.event.category, ['authentication']);
      assert.equal(doc.event.outcome, 'failure');
      assert.equal(doc.source.ip, '203.0.113.9');
      assert.equal(doc.user.name, 'root');
      assert.match(doc['@timestamp'], /^2025-11-24T/);
    }
    await s.close();
  });
}

test('handmade frames: every mode, EventTime, chunk → ack, ids stable across a resend', async () => {
  const s = await server();
  const rec = (i: number) => ({ log: `line ${i}`, hostname: 'h1' });
  const entry = (i: number) => encode([eventTime(1764000000, i * 1000), rec(i)]);
  const frames = [
    encode(['m.message', eventTime(1764000000, 5), { message: 'hello' }, { chunk: 'c1' }]),
    encode(['m.forward', [[1764000001, rec(1)], [eventTime(1764000001, 7), rec(2)]], { chunk: 'c2' }]),
    encode(['m.packed', Buffer.concat([entry(3), entry(4)]), { chunk: 'c3', size: 2 }]),
    encode(['m.gzip', gzipSync(Buffer.concat([entry(5), entry(6), entry(7)])), { chunk: 'c4', compressed: 'gzip' }]),
    encode(['m.noack', 1764000002, { message: 'no chunk' }]),
    encode(['m.gzip', gzipSync(Buffer.concat([entry(5), entry(6), entry(7)])), { chunk: 'c5', compressed: 'gzip' }]),
  ];
  const { replies, closed } = await sendFrames(s.port, [Buffer.concat(frames.slice(0, 3)), ...frames.slice(3)], 5);
  assert.equal(closed, false);
  assert.deepEqual(replies, [{ ack: 'c1' }, { ack: 'c2' }, { ack: 'c3' }, { ack: 'c4' }, { ack: 'c5' }]);
  const got = s.entries().map((e) => e.e as Record<string, any>);
  assert.deepEqual(got.map((d) => d.fluent.tag), ['m.message', 'm.forward', 'm.forward', 'm.packed', 'm.packed', 'm.gzip', 'm.gzip', 'm.gzip', 'm.noack', 'm.gzip', 'm.gzip', 'm.gzip']);
  assert.equal(got[0]!['@timestamp'], '2025-11-24T16:00:00.000Z');
  assert.equal(got[0]!.message, 'hello');
  assert.equal(got[0]!.event.dataset, 'm.message');
  assert.equal(got[3]!.message, 'line 3');
  assert.equal(got[3]!.host.hostname, 'h1');
  // The resent compressed chunk maps onto the same event ids (the store keeps one copy).
  assert.deepEqual(got.slice(9).map((d) => d.event.id), got.slice(5, 8).map((d) => d.event.id));
  await s.close();
});

test('malformed frames are dead-lettered, counted, and end the connection', async () => {
  const s = await server();
  const cases: Array<[string, Uint8Array]> = [
    ['not an array', encode({ a: 1 })],
    ['reserved byte', Buffer.from([0xc1])],
    ['bad entry', encode(['t', [[1, 'not a map']]])],
    ['bad gzip', encode(['t', Buffer.from('not gzip'), { compressed: 'gzip' }])],
    ['deep nesting', Buffer.concat([Buffer.alloc(100, 0x91), Buffer.from([0xc0])])],
    ['huge count', Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])],
    ['truncated packed entry', encode(['t', encode([1, { a: 1 }]).subarray(0, 4)])],
    // Found by log-collector/fuzz/forward-fuzz.ts: a map key that is an array inside packed entries.
    ['non-string key in a packed entry', encode(['t', Buffer.from([0x92, 0x01, 0x81, 0x90, 0x01])])],
  ];
  for (const [name, frame] of cases) {
    const { closed } = await sendFrames(s.port, [frame], 1, 2000);
    assert.ok(closed, `${name}: connection closed`);
  }
  const dead = s.entries();
  assert.equal(dead.length, cases.length);
  for (const d of dead) {
    assert.equal(d.d, 'deadletter');
    assert.match(String((d.e as any).error.message), /^forward: /);
  }
  await s.close();
});

test('a full spool pauses the connection and delays the ack until there is room', async () => {
  const s = await server(10_000);
  const big = 'x'.repeat(3000);
  const frames = [1, 2, 3].map((i) => encode(['bp', 1764000000 + i, { message: big }, { chunk: `k${i}` }]));
  const sock = tls.connect({ host: '127.0.0.1', port: s.port, ca: fx.ca, servername: 'localhost' });
  await new Promise<void>((r) => sock.once('secureConnect', () => r()));
  const acks: string[] = [];
  sock.on('data', (d: Buffer) => {
    for (const r of decodeMulti(d)) acks.push((r as { ack: string }).ack);
  });
  for (const f of frames) sock.write(f);
  await new Promise((r) => setTimeout(r, 800));
  // Each record carries the 3 KB text three times (message, original, fluent.record): the second fills the 10 KB spool.
  assert.deepEqual(acks, ['k1', 'k2']);
  const batch = s.spool.read(100)!;
  s.spool.ack(batch.end);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(acks, ['k1', 'k2', 'k3']);
  sock.destroy();
  await s.close();
});

test('records tagged syslog.* are whole syslog lines: header parsed, then the message parsers', async () => {
  const { forwardEntryToEcs } = await import('../../src/sources/forward/ecs.js');
  const doc = forwardEntryToEcs('syslog.auth', { sec: 1764000000, nsec: 0, record: { log: `Nov 24 16:00:00 web-2 sshd[99]: ${SSH}`, hostname: 'web-2' } }, { remoteAddress: '192.0.2.7', receivedAt: new Date('2025-11-24T16:00:05Z') }) as Record<string, any>;
  assert.equal(doc.process.name, 'sshd');
  assert.equal(doc.process.pid, 99);
  assert.equal(doc.event.outcome, 'failure');
  assert.equal(doc.source.ip, '203.0.113.9');
  assert.equal(doc.fluent.tag, 'syslog.auth');
  assert.equal(doc.host.hostname, 'web-2');
});
