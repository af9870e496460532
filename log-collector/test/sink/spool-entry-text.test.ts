import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { SqliteEventStore } from '@emsoc/event-store';
import type { EventStore } from '@emsoc/event-store/contract';
import { splitSpoolEntry, timestampOfText } from '../../src/sinks/store/spool-entry-text.js';
import { StoreSink, type SinkInput } from '../../src/sinks/store/store-sink.js';
import type { SpoolBatch } from '../../src/spool/spool-reader.js';

const record = (d: string, i: unknown, e: unknown) => JSON.stringify({ d, i, e });

test('a spool record splits into dataset, id and the document text, exactly as the pipeline wrote them', () => {
  const doc = { '@timestamp': '2026-11-29T01:00:00.000Z', message: 'a "quoted" \\ word, 登录失败', event: { id: 'x' } };
  for (const id of ['evt-1', 'with "quotes"', 'back\\slash\\', 'ends with \\"', '日志-1', 'tab\there']) {
    const s = splitSpoolEntry(record('events', id, doc));
    assert.deepEqual(s, { d: 'events', i: id, e: JSON.stringify(doc) }, id);
  }
  assert.equal(timestampOfText(JSON.stringify(doc)), Date.parse(doc['@timestamp']));
  assert.ok(Number.isNaN(timestampOfText('{"message":"no time"}')));
});

test('a record in any other layout is left to a full parse', () => {
  for (const text of [
    JSON.stringify({ i: 'a', d: 'events', e: {} }), // other key order
    JSON.stringify({ d: 'events', i: 'a', e: {}, x: 1 }), // a field after the document
    JSON.stringify({ d: 'events', i: 7, e: {} }), // id not a string
    JSON.stringify({ d: 'events', i: 'a', e: [1] }), // document not an object
    JSON.stringify({ d: 'ev"ents', i: 'a', e: {} }),
    '{"d":"events","i":"unterminated',
    '',
  ]) assert.equal(splitSpoolEntry(text), undefined, text);
});

/** A spool stand-in holding records in memory: one batch, acknowledged once. */
function memoryInput(records: string[]): SinkInput & { acked: boolean } {
  let pending: SpoolBatch | undefined = { payloads: records.map((r) => Buffer.from(r)), end: { segment: 0, offset: 1 } };
  const input = {
    acked: false,
    read: () => { const b = pending; pending = undefined; return b; },
    ack: () => { input.acked = true; },
    changed: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20))),
    get backlogBytes() { return input.acked ? 0 : 1; },
  };
  return input;
}

async function drain(store: EventStore, records: string[]): Promise<void> {
  const input = memoryInput(records);
  const sink = new StoreSink(input, store, pino({ level: 'silent' }), { lingerMs: 0 });
  sink.start();
  await sink.stop(10_000);
  assert.ok(input.acked);
}

test('the sink hands spool text to the store; a refused document is dead-lettered with its text', async () => {
  const ts = '2026-11-29T01:00:00.000Z';
  const good = { '@timestamp': ts, message: 'Failed password for root', source: { ip: '192.0.2.7' }, event: { id: 'g1' } };
  const bad = { '@timestamp': ts, destination: { port: 'eighty' }, event: { id: 'b1' } };
  const records = [record('events', 'g1', good), record('events', 'b1', bad), JSON.stringify({ i: 'g2', d: 'events', e: { ...good, event: { id: 'g2' } } })];
  for (const textPath of [true, false]) {
    const sqlite = new SqliteEventStore({ path: ':memory:' });
    await sqlite.init();
    // Without bulkJson the sink parses each record and writes objects: both paths must store the same.
    const store: EventStore = textPath ? sqlite : Object.assign(Object.create(sqlite) as EventStore, { bulkJson: undefined });
    try {
      await drain(store, records);
      assert.deepEqual(await sqlite.get('events', 'g1'), good);
      assert.deepEqual(await sqlite.get('events', 'g2'), { ...good, event: { id: 'g2' } });
      assert.equal(await sqlite.count({ dataset: 'events', query: 'source.ip:192.0.2.0/24 AND password' }), 2);
      const dead = (await sqlite.get('deadletter', 'events:b1')) as { deadletter: { document: string }; event: { reason: string } } | undefined;
      assert.equal(dead?.deadletter.document, JSON.stringify(bad));
      assert.match(dead!.event.reason, /mapping conflict: .*destination\.port/);
    } finally {
      await sqlite.close();
    }
  }
});
