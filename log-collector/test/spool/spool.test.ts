import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Spool } from '../../src/spool/spool.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'spool-'));
const recs = (n: number, from = 0) => Array.from({ length: n }, (_, i) => Buffer.from(`record-${from + i}`));
const text = (b: Buffer[]) => b.map((x) => x.toString());

test('records come back in order, and acknowledged ones are not read again after reopening', () => {
  const dir = tmp();
  let s = new Spool({ dir, maxBytes: 1 << 20 });
  s.append(recs(5));
  const b1 = s.read(3)!;
  assert.deepEqual(text(b1.payloads), ['record-0', 'record-1', 'record-2']);
  s.ack(b1.end);
  s.close();
  s = new Spool({ dir, maxBytes: 1 << 20 });
  const b2 = s.read(10)!;
  assert.deepEqual(text(b2.payloads), ['record-3', 'record-4']);
  s.close();
});

test('unacknowledged records are read again after a crash (reopen without ack)', () => {
  const dir = tmp();
  let s = new Spool({ dir, maxBytes: 1 << 20 });
  s.append(recs(3));
  assert.equal(s.read(10)!.payloads.length, 3);
  // no ack, no close: as after SIGKILL
  s = new Spool({ dir, maxBytes: 1 << 20 });
  assert.deepEqual(text(s.read(10)!.payloads), ['record-0', 'record-1', 'record-2']);
});

test('a torn tail record is cut on open; whole records before it survive and appends continue', () => {
  const dir = tmp();
  const s = new Spool({ dir, maxBytes: 1 << 20 });
  s.append(recs(2));
  s.close();
  const seg = path.join(dir, '0000000000.seg');
  fs.appendFileSync(seg, Buffer.from([0, 0, 0, 50, 1, 2, 3, 4, 65, 66])); // header says 50 bytes, only 2 follow
  const r = new Spool({ dir, maxBytes: 1 << 20 });
  assert.equal(r.truncatedTail, 1);
  r.append([Buffer.from('after')]);
  assert.deepEqual(text(r.read(10)!.payloads), ['record-0', 'record-1', 'after']);
});

test('a corrupted record (bad checksum) stops reading there instead of returning garbage', () => {
  const dir = tmp();
  const s = new Spool({ dir, maxBytes: 1 << 20 });
  s.append(recs(3));
  s.close();
  const seg = path.join(dir, '0000000000.seg');
  const buf = fs.readFileSync(seg);
  buf[buf.length - 1] ^= 0xff;
  fs.writeFileSync(seg, buf);
  const r = new Spool({ dir, maxBytes: 1 << 20 });
  assert.deepEqual(text(r.read(10)!.payloads), ['record-0', 'record-1']);
});

test('full spool refuses appends (backpressure) until the sink acknowledges', () => {
  const dir = tmp();
  const s = new Spool({ dir, maxBytes: 100 });
  assert.equal(s.append(recs(10)), true);
  assert.equal(s.full, true);
  assert.equal(s.append(recs(1, 10)), false);
  const b = s.read(100)!;
  s.ack(b.end);
  assert.equal(s.full, false);
  assert.equal(s.backlogBytes, 0);
  assert.equal(s.append(recs(1, 10)), true);
});

test('segments roll over and fully acknowledged segments are deleted', () => {
  const dir = tmp();
  const s = new Spool({ dir, maxBytes: 1 << 20, segmentBytes: 64 });
  for (let i = 0; i < 10; i++) s.append(recs(2, i * 2));
  const segsBefore = fs.readdirSync(dir).filter((f) => f.endsWith('.seg')).length;
  assert.ok(segsBefore > 3);
  const seen: string[] = [];
  for (let b = s.read(3); b; b = s.read(3)) {
    seen.push(...text(b.payloads));
    s.ack(b.end);
  }
  assert.deepEqual(seen, recs(20).map(String));
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.seg')).length, 1);
  assert.equal(s.backlogBytes, 0);
});

test('rewind re-reads from the last acknowledgement (sink retry after a store failure)', () => {
  const dir = tmp();
  const s = new Spool({ dir, maxBytes: 1 << 20 });
  s.append(recs(4));
  s.ack(s.read(1)!.end);
  s.read(10);
  s.rewind();
  assert.deepEqual(text(s.read(10)!.payloads), ['record-1', 'record-2', 'record-3']);
});

test('seek takes part of a batch: the records after the position are read again, and acknowledging there keeps them', () => {
  const dir = tmp();
  const s = new Spool({ dir, maxBytes: 1 << 20 });
  s.append(recs(5));
  const b = s.read(10)!;
  assert.equal(b.ends!.length, 5);
  assert.deepEqual(b.ends![4], b.end);
  s.seek(b.ends![1]!);
  s.ack(b.ends![1]!);
  assert.deepEqual(text(s.read(10)!.payloads), ['record-2', 'record-3', 'record-4']);
  s.close();
  const r = new Spool({ dir, maxBytes: 1 << 20 });
  assert.deepEqual(text(r.read(10)!.payloads), ['record-2', 'record-3', 'record-4'], 'not acknowledged, so read again after reopening');
});
