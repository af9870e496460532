/**
 * pki's certificate status client against the RA status port: OCSP from AIA, CRL from CDP when
 * OCSP fails, bounded cache, timeouts and untrusted issuers as 'unknown'.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createIssuer, fromPem, issueCertificate } from '@emsoc/pki';
import { CertificateStatusClient, createCertificateStatusCheck } from '@emsoc/pki/status-client/index';
import { opensslCsr, startHarness, type Harness } from './harness.js';
import { freeTcpPort } from '@emsoc/common';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

let n = 0;
async function issue(): Promise<{ serial: string; der: Uint8Array }> {
  const id = `sc-${++n}`;
  const r = await h.client('requester').post('/api/v1/requests', {
    type: 'enroll',
    profile: 'person-authentication',
    subject: { kind: 'person', orgUnit: 'city-demo-hq', commonName: id, email: `${id}@yjj.demo.gov.cn` },
    csr: opensslCsr(h.dataDir).csr,
  });
  const ok = await h.client('officer').post(`/api/v1/requests/${r.json.id}/approve`, {});
  assert.equal(ok.json.status, 'issued');
  return { serial: ok.json.resultSerial, der: fromPem(ok.json.certificate, ['CERTIFICATE']) };
}

async function decide(serial: string, action: string, body: object = {}) {
  const r = await h.client('officer').post(`/api/v1/certificates/${serial}/${action}`, body);
  assert.equal((await h.client('officer2').post(`/api/v1/requests/${r.json.id}/approve`, {})).json.status, 'completed');
}

/** Same CA, same serial, but AIA pointing at a dead OCSP port: only the CRL can answer. */
async function crlOnlyTwin(serial: string): Promise<Uint8Array> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const dead = await freeTcpPort();
  const issuer = createIssuer(h.ca.certificateDer, h.ca.signer, { crlUrls: [`${h.statusUrl}/crl/root.crl`], ocspUrls: [`http://127.0.0.1:${dead}/ocsp`] });
  return issueCertificate(
    {
      issuer,
      subject: [{ type: 'CN', value: 'twin' }],
      publicKeyInfo: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
      notAfter: new Date(Date.now() + 86_400_000),
      serialNumber: Buffer.from(serial, 'hex'),
      basicConstraints: { ca: false },
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['clientAuth'],
    },
    h.ca.signer,
  ).certificateDer;
}

test('factory hook: good over OCSP, then cached; a fresh check after suspension says revoked', async () => {
  const { serial, der } = await issue();
  const check = createCertificateStatusCheck({ caCertificatePem: h.rootPem, timeoutMs: 2000, cacheSize: 100 });
  assert.equal(await check(der), 'good');
  assert.equal(check.client.stats.ocsp, 1);
  assert.equal(await check(der), 'good');
  assert.equal(check.client.stats.cacheHits, 1);
  await decide(serial, 'suspend');
  const fresh = new CertificateStatusClient({ caCertificates: [h.ca.certificateDer] });
  assert.deepEqual(await fresh.check(der), { status: 'revoked', reason: 'certificateHold', source: 'ocsp' });
});

test('OCSP unreachable → CRL from the CDP (good, then revoked with reason)', async () => {
  const { serial } = await issue();
  const twin = await crlOnlyTwin(serial);
  const c1 = new CertificateStatusClient({ caCertificates: [h.ca.certificateDer], timeoutMs: 1000 });
  assert.deepEqual(await c1.check(twin), { status: 'good', reason: undefined, source: 'crl' });
  await decide(serial, 'revoke', { reason: 'keyCompromise' });
  const c2 = new CertificateStatusClient({ caCertificates: [h.ca.certificateDer], timeoutMs: 1000 });
  assert.deepEqual(await c2.check(twin), { status: 'revoked', reason: 'keyCompromise', source: 'crl' });
});

test('unknown when the issuer is not trusted, the input is garbage, or every source times out', async () => {
  const { der } = await issue();
  const stranger = new CertificateStatusClient({ caCertificates: [fromPem(fs.readFileSync(path.join(h.dataDir, 'tls', 'ra.pem'), 'utf8'), ['CERTIFICATE'])] });
  assert.equal((await stranger.check(der)).status, 'unknown');
  assert.equal((await stranger.check(new Uint8Array([1, 2, 3]))).status, 'unknown');
  // A server that accepts connections and never answers.
  const silent = net.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const port = (silent.address() as net.AddressInfo).port;
  const issuer = createIssuer(h.ca.certificateDer, h.ca.signer, { crlUrls: [`http://127.0.0.1:${port}/crl`], ocspUrls: [`http://127.0.0.1:${port}/ocsp`] });
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cert = issueCertificate({ issuer, subject: [{ type: 'CN', value: 'slow' }], publicKeyInfo: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })), notAfter: new Date(Date.now() + 86_400_000), basicConstraints: { ca: false }, keyUsage: ['digitalSignature'], extKeyUsage: ['clientAuth'] }, h.ca.signer).certificateDer;
  const c = new CertificateStatusClient({ caCertificates: [h.ca.certificateDer], timeoutMs: 300 });
  const t0 = Date.now();
  const r = await c.check(cert);
  assert.equal(r.status, 'unknown');
  assert.match(r.reason ?? '', /OCSP .*CRL /s);
  assert.ok(Date.now() - t0 < 2000, 'both timeouts honoured');
  silent.close();
});

test('the answer cache is bounded', async () => {
  const c = new CertificateStatusClient({ caCertificates: [h.ca.certificateDer], cacheSize: 2 });
  const certs = [await issue(), await issue(), await issue()];
  for (const x of certs) assert.equal((await c.check(x.der)).status, 'good');
  assert.equal((await c.check(certs[2]!.der)).source, 'cache');
  assert.equal((await c.check(certs[0]!.der)).source, 'ocsp', 'the oldest entry was evicted');
});
