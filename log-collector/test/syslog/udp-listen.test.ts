import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Spool } from '../../src/spool/spool.js';
import { EventPipeline, type SpoolEntry } from '../../src/pipeline/event-pipeline.js';
import { listenSyslogUdp } from '../../src/sources/syslog/listen.js';
import { syslogDecoder } from '../../src/sources/syslog/decode.js';
import { SpoolDrain, type DrainedDoc } from '../../src/pipeline/spool-drain.js';

test('syslog over UDP: a burst of datagrams is received on its own thread, decoded in order with each sender address, and spooled', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syslog-udp-'));
  const spool = new Spool({ dir, maxBytes: 1 << 24 });
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise<void>((r) => probe.close(() => r()));
  const receiver = await listenSyslogUdp({ host: '127.0.0.1', port, decode: syslogDecoder(undefined, 'Asia/Shanghai'), pipeline: new EventPipeline(spool), logger: pino({ level: 'silent' }) });
  const client = dgram.createSocket('udp4');
  try {
    // The kernel grants at most net.core.rmem_max (Linux reports twice the granted size); never the 208 KiB default alone.
    assert.ok(receiver.recvBufferBytes > 256 * 1024, `receive buffer ${receiver.recvBufferBytes}`);
    const n = 200;
    for (let i = 0; i < n; i++) client.send(Buffer.from(`<38>Nov 29 09:00:01 bastion sshd[7]: Failed password for root from 192.0.2.9 port ${10000 + i} ssh2`), port, '127.0.0.1');
    const got: SpoolEntry[] = [];
    const deadline = Date.now() + 10_000;
    while (got.length < n && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      for (let b = spool.read(1000); b; b = spool.read(1000)) for (const p of b.payloads) got.push(JSON.parse(p.toString()) as SpoolEntry);
    }
    assert.equal(got.length, n);
    const ports = got.map((e) => (e.e as Record<string, any>).source.port as number);
    assert.deepEqual(ports, Array.from({ length: n }, (_, i) => 10000 + i), 'arrival order kept');
    const doc = got[0]!.e as Record<string, any>;
    assert.equal(doc.log.source.address, '127.0.0.1');
    assert.equal(doc.user.name, 'root');
  } finally {
    client.close();
    await receiver.close();
    spool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('syslog over UDP with a decoding drain: datagrams are spooled raw with their sender and decoded on drain in arrival order', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syslog-udp-raw-'));
  const spool = new Spool({ dir, maxBytes: 1 << 24 });
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise<void>((r) => probe.close(() => r()));
  const decode = syslogDecoder(undefined, 'Asia/Shanghai');
  const notHere = () => {
    throw new Error('decoded on the receive path');
  };
  const receiver = await listenSyslogUdp({ host: '127.0.0.1', port, decode: notHere, pipeline: new EventPipeline(spool, undefined, { drainDecodes: true }), logger: pino({ level: 'silent' }) });
  const client = dgram.createSocket('udp4');
  try {
    const n = 200;
    for (let i = 0; i < n; i++) client.send(Buffer.from(`<38>Nov 29 09:00:01 bastion sshd[7]: Failed password for root from 192.0.2.9 port ${10000 + i} ssh2`), port, '127.0.0.1');
    const drain = new SpoolDrain(decode);
    const got: DrainedDoc[] = [];
    const deadline = Date.now() + 10_000;
    while (got.length < n && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      for (let b = spool.read(1000); b; b = spool.read(1000)) for (const p of b.payloads) drain.drain(p, got);
    }
    assert.equal(got.length, n);
    const docs = got.map((d) => (d.doc ?? JSON.parse(d.json!)) as Record<string, any>);
    assert.deepEqual(docs.map((d) => d.source.port as number), Array.from({ length: n }, (_, i) => 10000 + i), 'arrival order kept');
    assert.equal(docs[0]!.log.source.address, '127.0.0.1');
    assert.equal(docs[0]!.user.name, 'root');
    assert.equal(got[0]!.d, 'events');
  } finally {
    client.close();
    await receiver.close();
    spool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
