import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Spool } from '../../src/spool/spool.js';
import { EventPipeline, type SpoolEntry } from '../../src/pipeline/event-pipeline.js';
import { listenSflow } from '../../src/sources/sflow/listen.js';
import { Writer } from '../netflow/build.js';

function datagram(): Buffer {
  const ipv4Data = new Writer().u32(3).u32(32).u32(600).u32(17).bytes([10, 9, 8, 7]).bytes([10, 9, 8, 6]).u32(5353).u32(53).u32(0).u32(0).done();
  const flow = new Writer().u32(9).u32(0).u32(12).u32(512).u32(1000).u32(0).u32(0).u32(12).u32(0).u32(13).u32(1).bytes(ipv4Data).done();
  return Buffer.from(new Writer().u32(5).u32(1).bytes([192, 0, 2, 1]).u32(7).u32(99).u32(1000).u32(1).u32(3).u32(flow.length).bytes(flow).done());
}

test('sFlow listener: a datagram becomes a flow document; garbage is dead-lettered', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sflow-listen-'));
  const spool = new Spool({ dir, maxBytes: 1 << 20 });
  // Find a free UDP port by binding and releasing it.
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise<void>((r) => probe.close(() => r()));
  const close = await listenSflow({ host: '127.0.0.1', port, pipeline: new EventPipeline(spool), logger: pino({ level: 'silent' }) });
  const client = dgram.createSocket('udp4');
  try {
    await new Promise<void>((r) => client.send(datagram(), port, '127.0.0.1', () => r()));
    await new Promise<void>((r) => client.send(Buffer.from([0, 0, 0, 5, 0xff]), port, '127.0.0.1', () => r()));
    await new Promise((r) => setTimeout(r, 300));
    const got: SpoolEntry[] = [];
    for (let b = spool.read(100); b; b = spool.read(100)) for (const p of b.payloads) got.push(JSON.parse(p.toString()) as SpoolEntry);
    assert.deepEqual(got.map((e) => e.d), ['flows', 'deadletter']);
    const doc = got[0]!.e as Record<string, any>;
    assert.equal(doc.event.dataset, 'sflow.flow');
    assert.equal(doc.source.ip, '10.9.8.7');
    assert.equal(doc.destination.port, 53);
  } finally {
    client.close();
    await close();
    spool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
