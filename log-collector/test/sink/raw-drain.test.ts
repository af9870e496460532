import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { openEventStore } from '@emsoc/event-store/factory';
import { registry } from '@emsoc/common/metrics';
import { Spool } from '../../src/spool/spool.js';
import { encodeRawFrames } from '../../src/spool/raw-frames.js';
import { SpoolDrain } from '../../src/pipeline/spool-drain.js';
import { StoreSink } from '../../src/sinks/store/store-sink.js';
import { syslogDecoder } from '../../src/sources/syslog/decode.js';
import { processSyslog } from '../../src/transforms/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const logger = pino({ level: 'silent' });
const line = (i: number) => `<13>1 2026-11-29T10:00:00.000Z load-gen app 1 - - raw-drain seq=${i}`;

async function total(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  return (await m.get()).values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0);
}

/** Drains the spool in `dir` into the SQLite store at `db` once (until empty); returns the documents stored. */
async function drainOnce(dir: string, db: string, drain: SpoolDrain): Promise<number> {
  const before = await total('emsoc_collector_sink_stored_total');
  const spool = new Spool({ dir, maxBytes: 1 << 30 });
  const store = await openEventStore({ engine: 'sqlite', path: db });
  const sink = new StoreSink(spool, store, logger, { lingerMs: 0 }, drain);
  sink.start();
  const deadline = Date.now() + 30_000;
  while (!sink.drained && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await sink.stop(0);
  spool.close();
  await store.close();
  return (await total('emsoc_collector_sink_stored_total')) - before;
}

test('raw frames spooled by the receive path survive kill -9 and are decoded and stored exactly once on drain', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raw-drain-'));
  const spoolDir = path.join(dir, 'spool');
  const db = path.join(dir, 'events.db');
  const N = 3000;
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'raw-spool-child.ts'), spoolDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const seen = (re: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) resolve(m);
        };
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          check();
        });
        child.once('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
        check();
      });
    const port = Number((await seen(/listening (\d+)/))[1]);
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    // LF and octet-counted framing mixed on one connection, split across writes.
    let text = '';
    for (let i = 0; i < N; i++) text += i % 2 ? `${line(i)}\n` : `${Buffer.byteLength(line(i))} ${line(i)}`;
    for (let o = 0; o < text.length; o += 7001) sock.write(text.slice(o, o + 7001));
    await seen(new RegExp(`spooled ${N}\\n`));
    // Spooled means accepted: SIGKILL now, with the connection still open and nothing decoded.
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    sock.destroy();

    const parsedBefore = await total('emsoc_collector_parsed_total', { source: 'syslog_tcp' });
    const drain = new SpoolDrain(syslogDecoder(undefined, 'Asia/Shanghai'));
    assert.equal(await drainOnce(spoolDir, db, drain), N);
    assert.equal((await total('emsoc_collector_parsed_total', { source: 'syslog_tcp' })) - parsedBefore, N, 'parsed on drain, counted');
    // A second drain over the reopened spool finds nothing left: acknowledged once, stored once.
    assert.equal(await drainOnce(spoolDir, db, drain), 0);
    const store = await openEventStore({ engine: 'sqlite', path: db });
    try {
      assert.equal(await store.count({ dataset: 'events' }), N);
      // The same documents the receive path used to make: ids are those of the decoded lines from this sender.
      for (const i of [0, 1, N - 1]) {
        const expected = processSyslog(line(i), { receivedAt: 0, sourceAddress: '127.0.0.1', timezone: 'Asia/Shanghai' });
        const got = await store.get('events', expected.event.id as string);
        assert.equal(got?.message, expected.message);
        assert.equal((got?.log as { source?: { address?: string } })?.source?.address, '127.0.0.1');
      }
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a raw frame the decoder fails on, and a frame that overruns its record, go to the dead-letter store on drain, counted', { timeout: 30_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raw-deadletter-'));
  const spoolDir = path.join(dir, 'spool');
  const db = path.join(dir, 'events.db');
  try {
    const receipt = { source: 'syslog_udp', transport: 'udp' as const, receivedAtMs: Date.parse('2026-11-29T02:00:00Z'), remoteAddress: '192.0.2.9', remotePort: 514 };
    const good = { data: Buffer.from(line(1)), truncated: false };
    const poison = { data: Buffer.from('<13>1 2026-11-29T10:00:00Z h app - - - poison'), truncated: false };
    const whole = encodeRawFrames(receipt, [good, poison, good]);
    // Second record: its last frame's length claims more bytes than the record holds.
    const torn = encodeRawFrames(receipt, [{ data: Buffer.from(line(2)), truncated: false }, good]);
    torn.writeUInt32BE(10_000, torn.length - good.data.length - 4);
    const spool = new Spool({ dir: spoolDir, maxBytes: 1 << 30 });
    assert.equal(spool.append([whole, torn]), true);
    spool.close();

    const base = syslogDecoder(undefined, 'Asia/Shanghai');
    const decode: typeof base = (frame, ctx) => {
      if (frame.includes('poison')) throw new Error('parser bug');
      return base(frame, ctx);
    };
    const malformedBefore = await total('emsoc_collector_malformed_total', { source: 'syslog_udp' });
    assert.equal(await drainOnce(spoolDir, db, new SpoolDrain(decode)), 5);
    assert.equal((await total('emsoc_collector_malformed_total', { source: 'syslog_udp' })) - malformedBefore, 2);
    const store = await openEventStore({ engine: 'sqlite', path: db });
    try {
      // line(1) twice from one sender is one event (same id); line(2) before the torn frame is kept.
      assert.equal(await store.count({ dataset: 'events' }), 2);
      const dead = await store.search({ dataset: 'deadletter', size: 10 });
      assert.equal(dead.hits.length, 2);
      const reasons = dead.hits.map((h) => String((h.doc.error as { message: string }).message)).sort();
      assert.match(reasons[0]!, /overruns its record/);
      assert.match(reasons[1]!, /parser bug/);
      const poisonDoc = dead.hits.find((h) => /parser bug/.test(String((h.doc.error as { message: string }).message)))!.doc;
      assert.equal(Buffer.from(String((poisonDoc.event as { original: string }).original), 'base64').toString(), poison.data.toString(), 'kept raw');
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
