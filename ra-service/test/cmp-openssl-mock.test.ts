/**
 * Our CMP client against OpenSSL 3's `openssl cmp` mock server (which always answers with its fixed
 * -rsp_cert, so we request with that certificate's key): MAC protection with polling, signature
 * protection, revocation, and the checks on the server's answers.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createKeySigner, fromPem, inspectCertificate } from '@emsoc/pki';
import { CmpClient, CmpRejected, CmpTransportError } from '../src/ca/cmp/client.js';
import { opensslPki, startMockServer } from './cmp-fixtures.js';
import { tmpDir } from './harness.js';

const dir = tmpDir('cmp-mock-');
const procs: { kill(): boolean }[] = [];
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
const cert = (f: string) => fromPem(read(f), ['CERTIFICATE']);
const key = (f: string) => createKeySigner(createPrivateKey(read(f)));

before(async () => {
  await opensslPki(dir);
});
after(() => {
  for (const p of procs) p.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

function eeRequest() {
  const ee = inspectCertificate(cert('ee.pem'));
  return { template: { subject: ee.subject, publicKey: ee.publicKeyInfo }, popSigner: key('ee.key') };
}

test('ir with MAC protection (PBM), waiting → pollReq/pollRep → ip, certConf/pkiConf, then rr', async () => {
  const m = await startMockServer(dir, ['-srv_ref', 'ra-1', '-srv_secret', 'pass:s3cret-s3cret', '-rsp_cert', 'ee.pem', '-rsp_capubs', 'ca.pem', '-poll_count', '2', '-check_after', '1']);
  procs.push(m.proc);
  // OpenSSL 3.0's mock server drops the transaction on a kept-alive connection: one request per connection.
  const c = new CmpClient({ url: `http://127.0.0.1:${m.port}/pkix/`, protection: { type: 'pbm', secret: 's3cret-s3cret', senderKID: Buffer.from('ra-1') }, keepAlive: false, maxPollIntervalMs: 100 });
  const r = await c.certify({ body: 'ir', ...eeRequest() });
  assert.deepEqual(Buffer.from(r.certificate), Buffer.from(cert('ee.pem')));
  assert.equal(r.polls, 2, 'polled twice while the mock said waiting');
  assert.deepEqual(r.caPubs.map((x) => Buffer.from(x)), [Buffer.from(cert('ca.pem'))]);
  const ee = inspectCertificate(cert('ee.pem'));
  await c.revoke({ issuer: ee.issuer, serialNumber: ee.serialNumber, reason: 1 });
  assert.match(m.log(), /Received request/);

  // Wrong secret: the mock refuses our MAC (an error message), which is a rejection, not a crash.
  const bad = new CmpClient({ url: `http://127.0.0.1:${m.port}/pkix/`, protection: { type: 'pbm', secret: 'not-the-secret', senderKID: Buffer.from('ra-1') }, keepAlive: false });
  await assert.rejects(bad.certify({ body: 'ir', ...eeRequest() }), (e: Error) => e instanceof CmpRejected || e instanceof CmpTransportError);
  // Right secret on our side but we expect a different one from the server: its response does not verify.
  const mistrust = new CmpClient({ url: `http://127.0.0.1:${m.port}/pkix/`, protection: { type: 'pbm', secret: 's3cret-s3cret', senderKID: Buffer.from('ra-1') }, responseSecret: 'other', keepAlive: false });
  await assert.rejects(mistrust.certify({ body: 'ir', ...eeRequest() }), /protection/);
});

test('p10cr and cr with signature protection (client certificate), responses signed by the server certificate', async () => {
  const m = await startMockServer(dir, ['-srv_cert', 'srv.pem', '-srv_key', 'srv.key', '-srv_trusted', 'ca.pem', '-rsp_cert', 'ee.pem', '-rsp_capubs', 'ca.pem']);
  procs.push(m.proc);
  const c = new CmpClient({
    url: `http://127.0.0.1:${m.port}/pkix/`,
    protection: { type: 'signature', signer: key('cli.key'), certificate: cert('cli.pem') },
    trusted: [cert('ca.pem')],
    keepAlive: false,
  });
  const r1 = await c.certify({ body: 'cr', ...eeRequest() });
  assert.deepEqual(Buffer.from(r1.certificate), Buffer.from(cert('ee.pem')));
  const r2 = await c.certify({ body: 'p10cr', csr: fromPem(read('ee.csr'), ['CERTIFICATE REQUEST']) });
  assert.deepEqual(Buffer.from(r2.certificate), Buffer.from(cert('ee.pem')));
  // A client that does not trust the server's CA refuses the signed answers.
  const untrusting = new CmpClient({ url: `http://127.0.0.1:${m.port}/pkix/`, protection: { type: 'signature', signer: key('cli.key'), certificate: cert('cli.pem') }, trusted: [cert('ee.pem')], keepAlive: false });
  await assert.rejects(untrusting.certify({ body: 'cr', ...eeRequest() }), /not trusted/);
});

test('nobody listening: a transport error (the RA keeps such requests retryable)', async () => {
  const c = new CmpClient({ url: 'http://127.0.0.1:9/pkix/', protection: { type: 'pbm', secret: 'x', senderKID: Buffer.from('r') }, timeoutMs: 2000 });
  await assert.rejects(c.certify({ body: 'ir', ...eeRequest() }), CmpTransportError);
});
