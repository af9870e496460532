/** The lead's integration path: requester submits an openssl CSR, officer approves, openssl verifies the result. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { opensslCsr, startHarness, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

test('enroll → approve → issued certificate verifies with openssl against the dev root; CRL lists it after revocation', async () => {
  const requester = h.client('requester');
  const officer = h.client('officer');
  const { csr } = opensslCsr(h.dataDir, { cn: 'ra-node-1', san: 'DNS:ra-node-1.prov-demo.internal,IP:10.20.0.5' });
  const submitted = await requester.post('/api/v1/requests', {
    type: 'enroll',
    profile: 'tls-server',
    subject: { kind: 'service', orgUnit: 'city-demo-hq', commonName: 'ra-node-1', dnsNames: ['ra-node-1.prov-demo.internal'], ipAddresses: ['10.20.0.5'] },
    csr,
  });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  assert.equal(submitted.json.status, 'submitted');
  assert.deepEqual(submitted.json.san, [
    { type: 'dns', value: 'ra-node-1.prov-demo.internal' },
    { type: 'ip', value: '10.20.0.5' },
  ]);

  const selfApprove = await requester.post(`/api/v1/requests/${submitted.json.id}/approve`, {});
  assert.equal(selfApprove.status, 403);

  const approved = await officer.post(`/api/v1/requests/${submitted.json.id}/approve`, { comment: '核验通过' });
  assert.equal(approved.status, 200, JSON.stringify(approved.json));
  assert.equal(approved.json.status, 'issued');
  assert.deepEqual(
    approved.json.transitions.map((t: { to: string }) => t.to),
    ['submitted', 'approved', 'issued'],
  );
  const serial = approved.json.resultSerial as string;

  // The requester can fetch its own certificate.
  const cert = await requester.get(`/api/v1/certificates/${serial}`);
  assert.equal(cert.status, 200);
  assert.equal(cert.json.status, 'valid');
  const certFile = path.join(h.dataDir, 'leaf.pem');
  fs.writeFileSync(certFile, cert.json.pem);
  const verify = execFileSync('openssl', ['verify', '-CAfile', path.join(h.dataDir, 'ca', 'root.pem'), certFile], { encoding: 'utf8' });
  assert.match(verify, /: OK/);
  const text = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-subject', '-ext', 'subjectAltName,extendedKeyUsage,crlDistributionPoints', '-nameopt', 'utf8'], { encoding: 'utf8' });
  assert.match(text, /C ?= ?CN, O ?= ?示范省应急管理厅, OU ?= ?示范市应急管理局, CN ?= ?ra-node-1/);
  assert.match(text, /DNS:ra-node-1\.prov-demo\.internal, IP Address:10\.20\.0\.5/);
  assert.match(text, /TLS Web Server Authentication/);
  assert.match(text, new RegExp(`URI:http://127\\.0\\.0\\.1:${h.config.ra.statusPort}/crl/root\\.crl`));

  // DER download matches the PEM.
  const der = await requester.get(`/api/v1/certificates/${serial}/download?format=der`);
  assert.equal(der.status, 200);
  assert.equal(der.body.toString('base64'), cert.json.pem.replace(/-----[^-]+-----|\s/g, ''));

  // Revocation goes through approval; then the CRL on the status port lists the serial.
  const rev = await requester.post(`/api/v1/certificates/${serial}/revoke`, { reason: 'keyCompromise' });
  assert.equal(rev.status, 201, JSON.stringify(rev.json));
  assert.equal(rev.json.status, 'submitted');
  const done = await officer.post(`/api/v1/requests/${rev.json.id}/approve`, {});
  assert.equal(done.json.status, 'completed');
  const crl = await fetch(`${h.statusUrl}/crl/root.crl`);
  assert.equal(crl.status, 200);
  const crlFile = path.join(h.dataDir, 'root.crl');
  fs.writeFileSync(crlFile, Buffer.from(await crl.arrayBuffer()));
  const crlText = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-noout', '-text'], { encoding: 'utf8' });
  assert.match(crlText, new RegExp(`Serial Number: ${serial.toUpperCase()}`));
  assert.match(crlText, /Key Compromise/);
  execFileSync('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-out', `${crlFile}.pem`]);
  const check = (() => {
    try {
      return execFileSync('openssl', ['verify', '-crl_check', '-CAfile', path.join(h.dataDir, 'ca', 'root.pem'), '-CRLfile', `${crlFile}.pem`, certFile], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      return String((e as { stdout?: string; stderr?: string }).stdout) + String((e as { stderr?: string }).stderr);
    }
  })();
  assert.match(check, /certificate revoked/);
});
