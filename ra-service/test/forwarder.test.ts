/** AuditForwarder against a local HTTPS ingest stand-in: NDJSON ECS, Bearer token, retries, durable cursor. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { createLogger } from '@emsoc/common';
import { createDevCa, issueTlsServerCertificate } from '@emsoc/pki';
import { AuditForwarder } from '../src/audit/forwarder.js';
import { RaRepository } from '../src/store/repository.js';
import { SqliteDriver } from '../src/store/sqlite-driver.js';
import { tmpDir } from './harness.js';

const actor = { id: 'acc-7', name: 'officer', roles: ['ra-officer'], sourceIp: '10.1.2.3' };

function collector(tls: { cert: string; key: string }, token: string, opts: { failFirst: number }) {
  const received: Record<string, unknown>[] = [];
  let calls = 0;
  const server = https.createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls++;
      if (req.url !== '/api/v1/ingest' || req.headers.authorization !== `Bearer ${token}` || req.headers['content-type'] !== 'application/x-ndjson') {
        res.writeHead(401).end();
        return;
      }
      if (calls <= opts.failFirst) {
        res.writeHead(503).end('busy');
        return;
      }
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean)) received.push(JSON.parse(line));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"accepted":true}');
    });
  });
  return { server, received, calls: () => calls };
}

async function until(cond: () => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('forwards every audit record once acknowledged, survives collector outages and restarts', async () => {
  const dir = tmpDir('ra-fwd-');
  const ca = createDevCa(path.join(dir, 'ca'));
  const files = issueTlsServerCertificate(ca, { ipAddresses: ['127.0.0.1'], name: 'collector' }, path.join(dir, 'tls'));
  const tls = { cert: files.certificatePem, key: files.keyPem };
  const tokenFile = path.join(dir, 'ra-ingest.token');
  fs.writeFileSync(tokenFile, 'emsoc_test-ingest-token\n', { mode: 0o600 });
  const repo = new RaRepository(new SqliteDriver(path.join(dir, 'ra.db')));
  await repo.migrate();
  const logger = createLogger('fwd-test', 'silent');

  for (let i = 0; i < 25; i++) {
    await repo.tx(async (w) => {
      await w.audit({ eventType: 'certificate.issued', objectType: 'certificate', objectId: `0a${i.toString(16).padStart(2, '0')}`, outcome: 'success', actor, details: { requestId: `req-${i}`, serial: `0a${i.toString(16).padStart(2, '0')}` } });
    });
  }
  const c1 = collector(tls, 'emsoc_test-ingest-token', { failFirst: 3 });
  await new Promise<void>((r) => c1.server.listen(0, '127.0.0.1', r));
  const port = (c1.server.address() as AddressInfo).port;
  const opts = { repo, url: `https://127.0.0.1:${port}/api/v1/ingest`, tokenFile, ca: ca.certificatePem, logger, batchSize: 10, minBackoffMs: 20, maxBackoffMs: 200, idleMs: 50, host: 'ra-1', unit: 'prov-demo' };
  const f1 = new AuditForwarder(opts);
  f1.start();
  await until(() => f1.acknowledged === 25);
  assert.ok(c1.calls() >= 6, 'three refusals were retried');
  const seqs = c1.received.map((d) => (d.event as { sequence: number }).sequence);
  assert.deepEqual(seqs, Array.from({ length: 25 }, (_, i) => i + 1), 'in order, none lost, none duplicated');
  const doc = c1.received[4] as Record<string, any>;  
  assert.equal(doc.event.dataset, 'ra.audit');
  assert.equal(doc.event.action, 'certificate.issued');
  assert.equal(doc.event.outcome, 'success');
  assert.equal(doc.user.name, 'officer');
  assert.equal(doc.source.ip, '10.1.2.3');
  assert.equal(doc.ra.request.id, 'req-4');
  assert.equal(doc.ra.certificate.serial, '0a04');
  assert.match(doc.event.id, /^[0-9a-f]{40}$/);
  assert.equal(await repo.cursor('collector'), 25, 'cursor is durable');

  // New records arrive live and are pushed without waiting for the idle poll.
  await repo.tx(async (w) => void (await w.audit({ eventType: 'request.submitted', objectType: 'request', objectId: 'req-live', outcome: 'success', actor })));
  await until(() => f1.acknowledged === 26);
  await f1.close();

  // Collector down: records accumulate; a restarted forwarder resumes from the cursor once it is back.
  await new Promise<void>((r) => c1.server.close(() => r()));
  for (let i = 0; i < 5; i++) await repo.tx(async (w) => void (await w.audit({ eventType: 'request.approved', objectType: 'request', objectId: `req-down-${i}`, outcome: 'success', actor })));
  const f2 = new AuditForwarder(opts);
  f2.start();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await repo.cursor('collector'), 26, 'nothing acknowledged while the collector is down');
  const c2 = collector(tls, 'emsoc_test-ingest-token', { failFirst: 0 });
  await new Promise<void>((r) => c2.server.listen(port, '127.0.0.1', r));
  await until(() => f2.acknowledged === 31);
  assert.deepEqual(c2.received.map((d) => (d.event as { sequence: number }).sequence), [27, 28, 29, 30, 31]);
  assert.equal(await repo.cursor('collector'), 31);
  await f2.close();
  await new Promise<void>((r) => c2.server.close(() => r()));

  // A resend of the same record carries the same event.id (the collector overwrites, never duplicates).
  const again = (await import('../src/audit/forwarder.js')).toEcs((await repo.listAudit({ afterSeq: 4, limit: 1 }))[0]!, { unit: 'prov-demo' });
  assert.equal((again.event as { id: string }).id, doc.event.id);
  await repo.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
