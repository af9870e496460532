import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openEventStore } from '@emsoc/event-store/factory';
import type { EcsDocument } from '@emsoc/event-store/contract';
import { Spool } from '../../src/spool/spool.js';
import { EventPipeline } from '../../src/pipeline/event-pipeline.js';
import { WorkerStoreSink } from '../../src/sinks/store/worker-store-sink.js';
import { processSyslog } from '../../src/transforms/index.js';
import { registry } from '@emsoc/common/metrics';
import { policiesDir, rulesDir } from '@emsoc/common/paths';
import { encodeRawFrames } from '../../src/spool/raw-frames.js';

const logger = pino({ level: 'silent' });

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function events(from: number, n: number): EcsDocument[] {
  return Array.from({ length: n }, (_, i) =>
    processSyslog(`<38>Nov 29 09:00:01 bastion sshd[1]: Failed password for root from 192.0.2.${(from + i) % 250} port ${1000 + from + i} ssh2`, { receivedAt: Date.parse('2026-11-29T01:00:00Z'), sourceAddress: '192.0.2.1' }) as EcsDocument,
  );
}

test('the worker sink stores what is spooled through its own store connection, frees the spool, and resumes after a restart', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-sink-'));
  const spoolDir = path.join(dir, 'spool');
  const dbPath = path.join(dir, 'events.db');
  const spec = { kind: 'event-store' as const, config: { engine: 'sqlite' as const, path: dbPath } };
  try {
    let spool = new Spool({ dir: spoolDir, maxBytes: 1 << 26 });
    let sink = new WorkerStoreSink(spool, spoolDir, spec, logger);
    sink.start();
    const pipeline = new EventPipeline(spool);
    assert.equal(pipeline.submit('test', events(0, 300)), true);
    await until(() => sink.drained);
    assert.equal(spool.backlogBytes, 0, 'acknowledged bytes are released in the writing thread');
    // Appended while the worker idles: it is woken, not left to its timeout.
    assert.equal(pipeline.submit('test', events(300, 200)), true);
    await until(() => sink.drained);
    await sink.stop();
    spool.close();

    // Restart on the same spool: new records after the ack cursor are stored, nothing twice.
    spool = new Spool({ dir: spoolDir, maxBytes: 1 << 26 });
    assert.equal(new EventPipeline(spool).submit('test', [...events(500, 100), ...events(0, 50)]), true);
    sink = new WorkerStoreSink(spool, spoolDir, spec, logger);
    sink.start();
    await until(() => sink.drained);
    await sink.stop();
    spool.close();

    const store = await openEventStore(spec.config);
    try {
      assert.equal(await store.count({ dataset: 'events' }), 600);
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the sink metrics counted in the worker reach this thread’s registry (served on /metrics)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-sink-metrics-'));
  const spoolDir = path.join(dir, 'spool');
  try {
    const before = (await registry.getSingleMetric('emsoc_collector_sink_stored_total')!.get()).values.reduce((a, v) => a + v.value, 0);
    const spool = new Spool({ dir: spoolDir, maxBytes: 1 << 26 });
    const sink = new WorkerStoreSink(spool, spoolDir, { kind: 'event-store', config: { engine: 'sqlite', path: path.join(dir, 'events.db') } }, logger);
    sink.start();
    assert.equal(new EventPipeline(spool).submit('test', events(1000, 40)), true);
    await until(() => sink.drained);
    await sink.stop();
    spool.close();
    const after = (await registry.getSingleMetric('emsoc_collector_sink_stored_total')!.get()).values.reduce((a, v) => a + v.value, 0);
    assert.equal(after - before, 40);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('with a drain spec the worker decodes raw syslog frames, runs the detection stage there, and relays its gauges', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-sink-drain-'));
  const spoolDir = path.join(dir, 'spool');
  const dbPath = path.join(dir, 'events.db');
  try {
    const spool = new Spool({ dir: spoolDir, maxBytes: 1 << 26 });
    const drain = { timezone: 'Asia/Shanghai', enrichmentPoliciesDir: policiesDir, detection: { rulesDir, policiesDir, dataDir: dir } };
    const sink = new WorkerStoreSink(spool, spoolDir, { kind: 'event-store', config: { engine: 'sqlite', path: dbPath } }, logger, {}, drain);
    sink.start();
    const pipeline = new EventPipeline(spool, undefined, { drainDecodes: true });
    const frames = Array.from({ length: 50 }, (_, i) => ({ data: Buffer.from(`<38>Nov 29 09:00:01 bastion sshd[1]: Failed password for root from 192.0.2.77 port ${2000 + i} ssh2`), truncated: false }));
    const receipt = { source: 'syslog_tcp', transport: 'tcp' as const, receivedAtMs: Date.parse('2026-11-29T01:00:00Z'), remoteAddress: '192.0.2.1', remotePort: 601 };
    assert.equal(pipeline.submitRaw('syslog_tcp', [encodeRawFrames(receipt, frames)], frames.length), true);
    await until(() => sink.drained);
    // Gauges are relayed every second.
    const rules = async () => (await registry.getSingleMetric('emsoc_detection_rules_loaded')?.get())?.values.find((v) => v.labels.kind === 'detection')?.value ?? 0;
    const deadline = Date.now() + 10_000;
    while ((await rules()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await sink.stop();
    spool.close();
    assert.ok((await rules()) > 0, 'the worker loaded the rule library');
    const store = await openEventStore({ engine: 'sqlite', path: dbPath });
    try {
      assert.equal(await store.count({ dataset: 'events' }), 50);
      const doc = (await store.search({ dataset: 'events', size: 1 })).hits[0]!.doc as Record<string, any>;
      assert.equal(doc.log.source.address, '192.0.2.1');
      assert.equal(doc.user.name, 'root');
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
