/**
 * `openssl cmp` (OpenSSL 3) as the client of the embedded CA's CMP endpoint: ir with a new key and rr,
 * each with MAC and with signature protection, kur, and an ir that waits for an officer (polling).
 * Every certificate goes through the RA (policy, lint, audit) and is checked with openssl verify.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fromPem, inspectCertificate } from '@emsoc/pki';
import { serialHexOf } from '../src/ca/issued.js';
import { openssl, opensslStatus, startTestRa, SUBJECT_DNS, SUBJECT_ID, type TestRa } from './cmp-fixtures.js';
import { tmpDir } from './harness.js';

const SECRET = 'gw-1-shared-secret';
let ra: TestRa;
let url: string;
const dir = tmpDir('cmp-ossl-');

before(async () => {
  ra = await startTestRa(() => ({
    cmpServer: {
      enabled: true,
      port: 0,
      checkAfterSeconds: 1,
      clients: [
        { reference: 'gw-1', secret: SECRET, subjectId: SUBJECT_ID },
        { reference: 'gw-1-tls', secret: SECRET, subjectId: SUBJECT_ID, profile: 'tls-server' },
      ],
    },
  }));
  url = `127.0.0.1:${ra.svc.ports.cmp}`;
  fs.copyFileSync(path.join(ra.dataDir, 'ca', 'root.pem'), path.join(dir, 'root.pem'));
  for (const k of ['k1', 'k2', 'k3', 'k4']) await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${k}.pem`], dir);
});
after(async () => {
  await ra?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const base = () => ['cmp', '-server', url, '-path', 'cmp', '-recipient', '/CN=emsoc', '-unprotected_errors'];
const mac = (ref = 'gw-1') => ['-ref', ref, '-secret', `pass:${SECRET}`];
const sig = (cert: string, key: string) => ['-cert', cert, '-key', key, '-srvcert', 'root.pem'];

async function certRecord(file: string) {
  const der = fromPem(fs.readFileSync(path.join(dir, file), 'utf8'), ['CERTIFICATE']);
  const serial = serialHexOf(inspectCertificate(der).serialNumber);
  return { serial, rec: await ra.svc.ra.repo.getCertificate(serial) };
}

test('ir with a new key, MAC-protected: issued through the RA with the subject record names', async () => {
  const r = await opensslStatus([...base(), '-cmd', 'ir', ...mac(), '-newkey', 'k1.pem', '-subject', '/CN=ignored', '-certout', 'c1.pem', '-cacertsout', 'capubs.pem'], dir);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /received PKICONF/i);
  await openssl(['verify', '-CAfile', 'root.pem', 'c1.pem'], dir);
  const text = (await openssl(['x509', '-in', 'c1.pem', '-noout', '-text'], dir)).stdout;
  assert.match(text, new RegExp(`DNS:${SUBJECT_DNS}`));
  assert.match(text, /CN ?= ?gw-1/, 'DN rendered from the profile, not the template');
  const { rec } = await certRecord('c1.pem');
  assert.equal(rec?.status, 'valid');
  assert.equal(rec?.profile, 'service-automation');
  const req = await ra.svc.ra.repo.getRequest(rec!.requestId);
  assert.equal(req?.requesterName, 'cmp:gw-1');
  assert.equal(fs.readFileSync(path.join(dir, 'capubs.pem'), 'utf8').includes('BEGIN CERTIFICATE'), true);
});

test('ir with a new key, signature-protected by the first certificate; responses signed by the CA', async () => {
  const r = await opensslStatus([...base(), '-cmd', 'ir', ...sig('c1.pem', 'k1.pem'), '-newkey', 'k2.pem', '-subject', '/CN=gw-1', '-certout', 'c2.pem'], dir);
  assert.equal(r.code, 0, r.out);
  await openssl(['verify', '-CAfile', 'root.pem', 'c2.pem'], dir);
  assert.equal((await certRecord('c2.pem')).rec?.status, 'valid');
});

test('kur signed with the old certificate re-keys it', async () => {
  const r = await opensslStatus([...base(), '-cmd', 'kur', ...sig('c2.pem', 'k2.pem'), '-newkey', 'k3.pem', '-certout', 'c3.pem'], dir);
  assert.equal(r.code, 0, r.out);
  const { rec } = await certRecord('c3.pem');
  assert.equal(rec?.status, 'valid');
  const req = await ra.svc.ra.repo.getRequest(rec!.requestId);
  assert.equal(req?.type, 'rekey');
});

test('rr MAC-protected (client of the same subject) and rr signature-protected by the certificate itself', async () => {
  const r1 = await opensslStatus([...base(), '-cmd', 'rr', ...mac(), '-oldcert', 'c1.pem', '-revreason', '4'], dir);
  assert.equal(r1.code, 0, r1.out);
  const c1 = await certRecord('c1.pem');
  assert.equal(c1.rec?.status, 'revoked');
  assert.equal(c1.rec?.revocationReason, 'superseded');
  const r2 = await opensslStatus([...base(), '-cmd', 'rr', ...sig('c3.pem', 'k3.pem'), '-oldcert', 'c3.pem', '-revreason', '1'], dir);
  assert.equal(r2.code, 0, r2.out);
  const c3 = await certRecord('c3.pem');
  assert.equal(c3.rec?.status, 'revoked');
  assert.equal(c3.rec?.revocationReason, 'keyCompromise');
  // A revoked certificate no longer authenticates anyone.
  const r3 = await opensslStatus([...base(), '-cmd', 'ir', ...sig('c3.pem', 'k3.pem'), '-newkey', 'k4.pem', '-subject', '/CN=gw-1', '-certout', 'c4.pem'], dir);
  assert.notEqual(r3.code, 0);
  assert.match(r3.out, /certRevoked|not valid/i);
});

test('wrong shared secret and unknown reference value are refused with a CMP error', async () => {
  const r = await opensslStatus([...base(), '-cmd', 'ir', '-ref', 'gw-1', '-secret', 'pass:wrong-secret', '-newkey', 'k4.pem', '-subject', '/CN=gw-1', '-certout', 'x.pem'], dir);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /badMessageCheck|MAC/i);
  const r2 = await opensslStatus([...base(), '-cmd', 'ir', '-ref', 'nobody', '-secret', `pass:${SECRET}`, '-newkey', 'k4.pem', '-subject', '/CN=gw-1', '-certout', 'x.pem'], dir);
  assert.notEqual(r2.code, 0);
});

test('ir for a profile that needs an officer: openssl polls until the approval, then confirms', async () => {
  const run = opensslStatus([...base(), '-cmd', 'ir', ...mac('gw-1-tls'), '-newkey', 'k4.pem', '-subject', '/CN=gw-1', '-certout', 'c4.pem', '-total_timeout', '60'], dir);
  let pending;
  for (let i = 0; i < 50 && !pending; i++) {
    await new Promise((r) => setTimeout(r, 200));
    pending = (await ra.svc.ra.repo.listRequests({ status: 'submitted' })).find((x) => x.profile === 'tls-server');
  }
  assert.ok(pending, 'the CMP request waits in the officer queue');
  await ra.svc.ra.approve(ra.officer, pending.id, 'checked');
  const r = await run;
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /POLLREP|polling|waiting/i);
  const { rec } = await certRecord('c4.pem');
  assert.equal(rec?.profile, 'tls-server');
  assert.equal(rec?.status, 'valid');
});
