/**
 * The RA's CMP connector against a second RA's embedded CA endpoint, through a proxy that can be down
 * or lose a response: the request is left in ca-error with the reason, `retry` re-sends the same CMP
 * transaction, and the lost response does not produce a second certificate. Revocation travels as rr.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HttpError } from '@emsoc/common';
import type { Caller } from '../src/ra.js';
import { startTestRa, SUBJECT_ID, type TestRa } from './cmp-fixtures.js';
import { opensslCsr, tmpDir } from './harness.js';

type Mode = 'down' | 'lose-response' | 'pass';
let mode: Mode = 'down';
let forwarded = 0;
let upstream = '';
const proxy = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    if (mode === 'down') return void req.socket.destroy();
    const r = await fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/pkixcmp' }, body: Buffer.concat(chunks) });
    const body = Buffer.from(await r.arrayBuffer());
    forwarded++;
    if (mode === 'lose-response') {
      mode = 'down';
      return void req.socket.destroy(); // the CA did the work; the answer never arrives
    }
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? '' }).end(body);
  });
});

let caSide: TestRa;
let raSide: TestRa;
const work = tmpDir('cmp-conn-');
const requester: Caller = { id: 'req-1', name: 'requester', roles: ['ra-requester'], sourceIp: null, permissions: new Set(['ra.requests:submit']) };

before(async () => {
  caSide = await startTestRa(() => ({ cmpServer: { enabled: true, port: 0, clients: [{ reference: 'ra-a', secret: 'ra-a-shared-secret', subjectId: SUBJECT_ID, acceptRaVerified: true }] } }));
  upstream = `http://127.0.0.1:${caSide.svc.ports.cmp}/cmp`;
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  fs.writeFileSync(path.join(work, 'secret'), 'ra-a-shared-secret\n');
  fs.copyFileSync(path.join(caSide.dataDir, 'ca', 'root.pem'), path.join(work, 'ministry-ca.pem'));
  raSide = await startTestRa(() => ({
    connector: 'cmp',
    cmp: {
      url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/cmp`,
      caCertFile: path.join(work, 'ministry-ca.pem'),
      mac: { reference: 'ra-a', secretFile: path.join(work, 'secret') },
      timeoutMs: 5000,
    },
  }));
});
after(async () => {
  await raSide?.close();
  await caSide?.close();
  proxy.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('CA down → ca-error with reason; lost response → still ca-error; retry → the one certificate', async () => {
  const { csr } = opensslCsr(work, { cn: 'gw-1', san: 'DNS:gw-1.city.demo.internal' });
  const input = { type: 'enroll' as const, profile: 'service-automation', subjectId: SUBJECT_ID, csr };
  await assert.rejects(raSide.svc.ra.submit(requester, input), (e: Error) => e instanceof HttpError && e.status === 502 && /ca-error/.test(e.message));
  let [req] = await raSide.svc.ra.repo.listRequests({ status: 'ca-error' });
  assert.ok(req, 'request kept in ca-error');
  assert.match(req.reason ?? '', /CA error: CMP server unreachable/);
  const reserved = await raSide.svc.ra.repo.listCertificates({ requestId: req.id });
  assert.equal(reserved[0]?.status, 'reserved', 'serial stays reserved for the retry');

  // The CA issues, but the answer is lost.
  mode = 'lose-response';
  await assert.rejects(raSide.svc.ra.retry(raSide.officer, req.id, 'CA back?'), (e: Error) => e instanceof HttpError && e.status === 502);
  assert.equal(forwarded, 1);
  const atCa = await caSide.svc.ra.repo.listCertificates({ subjectId: SUBJECT_ID, status: 'valid' });
  assert.equal(atCa.length, 1, 'the CA made one certificate whose response was lost');
  req = (await raSide.svc.ra.repo.getRequest(req.id))!;
  assert.equal(req.status, 'ca-error');

  // Retry: same transactionID and key → the CA answers with the certificate it already made.
  mode = 'pass';
  const done = await raSide.svc.ra.retry(raSide.officer, req.id, 'retry after lost response');
  assert.equal(done.status, 'issued');
  const atCaAfter = await caSide.svc.ra.repo.listCertificates({ subjectId: SUBJECT_ID, status: 'valid' });
  assert.equal(atCaAfter.length, 1, 'no second certificate at the CA');
  assert.equal(done.resultSerial, atCaAfter[0]!.serial, 'the RA records the serial the CA chose');
  const mine = await raSide.svc.ra.repo.getCertificate(done.resultSerial!);
  assert.deepEqual(Buffer.from(mine!.der!), Buffer.from(atCaAfter[0]!.der!));
  const events = (await raSide.svc.ra.repo.getRequest(req.id))!.transitions.map((t) => t.to);
  assert.deepEqual(events, ['submitted', 'approved', 'ca-error', 'approved', 'ca-error', 'approved', 'issued']);

  // Revocation at the RA reaches the CA as rr.
  const rv = await raSide.svc.ra.submit(raSide.officer, { type: 'revoke', serial: done.resultSerial!, reason: 'superseded' });
  await raSide.svc.ra.approve(raSide.officer2, rv.id, 'ok');
  for (let i = 0; i < 20 && (await caSide.svc.ra.repo.getCertificate(done.resultSerial!))?.status !== 'revoked'; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await caSide.svc.ra.repo.getCertificate(done.resultSerial!))?.status, 'revoked');
});

test('retry is only for ca-error requests', async () => {
  const [issued] = await raSide.svc.ra.repo.listRequests({ status: 'issued' });
  await assert.rejects(raSide.svc.ra.retry(raSide.officer, issued!.id, undefined), (e: Error) => e instanceof HttpError && e.status === 409);
});
