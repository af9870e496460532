import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { Outbox } from '../src/outbox.js';
import { UplinkSender, type ItemResult } from '../src/sender.js';
import type { SignedMessage } from '../src/message.js';
import { period, silent, summaryBody, tempDir, testCa, testUnit } from './helpers.js';

const dir = tempDir();
const ca = testCa(dir);
const unit = testUnit(ca, dir, 'county-a');
const server = testUnit(ca, dir, 'upper');

test('sequence numbers are per unit, strictly increasing, and survive reopening', () => {
  const file = path.join(tempDir(), 'outbox.db');
  let ob = new Outbox(file);
  const a = ob.enqueue(unit, 'emsoc.uplink.summary.v1', period(), summaryBody(1));
  const b = ob.enqueue(unit, 'emsoc.uplink.summary.v1', period(), summaryBody(2));
  assert.deepEqual([a.message.seq, b.message.seq], [1, 2]);
  assert.notEqual(a.message.id, b.message.id);
  ob.close();
  ob = new Outbox(file);
  assert.equal(ob.enqueue(unit, 'emsoc.uplink.summary.v1', period(), summaryBody(3)).message.seq, 3);
  const due = ob.due(10);
  assert.ok(due && 'batch' in due);
  assert.deepEqual(due.batch.map((x) => x.seq), [1, 2, 3]);
  ob.close();
});

test('a failed head backs off and blocks the messages behind it (order is kept); ack and reject move on', () => {
  const ob = new Outbox(path.join(tempDir(), 'outbox.db'));
  for (let i = 1; i <= 3; i++) ob.enqueue(unit, 'emsoc.uplink.summary.v1', period(), summaryBody(i));
  const t0 = 1_000_000;
  assert.equal(ob.retryLater(1, 'connection refused', (n) => n * 1000, t0), 1);
  const waiting = ob.due(10, t0 + 500);
  assert.ok(waiting && 'waitMs' in waiting && waiting.waitMs === 500, 'head backs off, nothing behind it overtakes');
  assert.equal(ob.retryLater(1, 'again', (n) => n * 1000, t0), 2);
  ob.ack(1);
  ob.reject(2, 'schema_invalid: ...');
  const due = ob.due(10, t0);
  assert.ok(due && 'batch' in due);
  assert.deepEqual(due.batch.map((x) => x.seq), [3]);
  const counts = ob.counts();
  assert.deepEqual([counts.pending, counts.acked, counts.rejected], [1, 1, 1]);
  assert.equal(ob.list({ state: 'rejected' })[0]!.lastError, 'schema_invalid: ...');
  ob.close();
});

test('what enqueue returned survives SIGKILL of the writing process', () => {
  const file = path.join(tempDir(), 'outbox.db');
  const helper = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'enqueue-then-hang.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', helper, file, '25'], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  const acknowledged = Number(/enqueued (\d+)/.exec(r.stdout)?.[1]);
  assert.equal(r.signal, 'SIGKILL', `${r.stdout}${r.stderr}`);
  assert.equal(acknowledged, 25);
  const ob = new Outbox(file);
  assert.equal(ob.counts().pending, 25);
  ob.close();
});

/** A stand-in superior unit over mTLS: answers per item with `decide`, records what it stored. */
async function upperTier(decide: (m: SignedMessage, attempt: number) => ItemResult | 'down') {
  const stored: number[] = [];
  let attempt = 0;
  const srv = https.createServer({ cert: server.certPem, key: server.keyPem, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      attempt++;
      const body = JSON.parse(Buffer.concat(chunks).toString()) as SignedMessage | { reports: SignedMessage[] };
      const list = 'reports' in body ? body.reports : [body];
      const results: ItemResult[] = [];
      let blocked = false;
      for (const m of list) {
        if (blocked) {
          results.push({ id: m.message.id, status: 'skipped', retryable: true });
          continue;
        }
        const r = decide(m, attempt);
        if (r === 'down') {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"down"}');
          return;
        }
        if (r.status === 'accepted') stored.push(m.message.seq);
        if (r.status === 'refused' && r.retryable) blocked = true;
        results.push(r);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, stored, url: `https://127.0.0.1:${(srv.address() as AddressInfo).port}` };
}

test('sender: outage → retries with backoff → everything delivered once, in order; duplicates count as delivered', async () => {
  const ob = new Outbox(path.join(tempDir(), 'outbox.db'));
  for (let i = 1; i <= 7; i++) ob.enqueue(unit, 'emsoc.uplink.summary.v1', period(), summaryBody(i));
  const seen = new Set<string>();
  const upper = await upperTier((m, attempt) => {
    if (attempt <= 3) return 'down';
    if (seen.has(m.message.id)) return { id: m.message.id, status: 'duplicate' };
    seen.add(m.message.id);
    return { id: m.message.id, status: 'accepted' };
  });
  const sender = new UplinkSender({ outbox: ob, url: upper.url, ca: ca.certificatePem, cert: unit.certPem, key: unit.keyPem, logger: silent(), initialMs: 20, maxMs: 100, batchSize: 3 });
  sender.start();
  const deadline = Date.now() + 10_000;
  while (ob.counts().pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await sender.stop();
  upper.srv.close();
  assert.deepEqual(upper.stored, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(ob.counts().acked, 7);
  assert.ok(ob.list({ limit: 10 }).find((r) => r.seq === 1)!.attempts >= 4, 'the head was retried');
  ob.close();
});

test('sender: a retryable refusal stops the batch there; a permanent one is set aside', async () => {
  const ob = new Outbox(path.join(tempDir(), 'outbox.db'));
  for (let i = 1; i <= 4; i++) ob.enqueue(unit, 'emsoc.uplink.summary.v1', period(), summaryBody(i));
  let unitRegistered = false;
  const upper = await upperTier((m, attempt) => {
    if (m.message.seq === 2) return { id: m.message.id, status: 'refused', code: 'schema_invalid', retryable: false };
    if (m.message.seq === 3 && !unitRegistered) {
      if (attempt >= 3) unitRegistered = true;
      return { id: m.message.id, status: 'refused', code: 'unregistered_unit', retryable: true };
    }
    return { id: m.message.id, status: 'accepted' };
  });
  const sender = new UplinkSender({ outbox: ob, url: upper.url, ca: ca.certificatePem, cert: unit.certPem, key: unit.keyPem, logger: silent(), initialMs: 20, maxMs: 50, batchSize: 10 });
  sender.start();
  const deadline = Date.now() + 10_000;
  while (ob.counts().pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await sender.stop();
  upper.srv.close();
  assert.deepEqual(upper.stored, [1, 3, 4]);
  assert.equal(ob.counts().rejected, 1);
  assert.match(ob.list({ state: 'rejected' })[0]!.lastError!, /schema_invalid/);
  ob.close();
});
