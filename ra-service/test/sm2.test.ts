/**
 * SM2/SM3 (GM/T 0015) end to end with OpenSSL as the peer: an OpenSSL SM2 CSR (signed with the
 * default user ID) is accepted, the certificate comes from the SM2 root with SM2-with-SM3 and
 * verifies with `openssl verify -vfyopt distid:1234567812345678`; the SM2 CA's CRL parses with OpenSSL and
 * lists the certificate after revocation (signature checked with the default ID); OCSP answers through pki's status client.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fromPem, inspectCertificate, sm2Verifier, VerifierRegistry } from '@emsoc/pki';
import { CertificateStatusClient, readCrl } from '@emsoc/pki/status-client/index';
import { startHarness, type Harness } from './harness.js';

const DISTID = 'distid:1234567812345678';
let h: Harness;
let sm2Root: string;
before(async () => {
  h = await startHarness();
  sm2Root = path.join(h.dataDir, 'ca-sm2', 'root.pem');
});
after(async () => {
  await h?.close();
});

function sm2Csr(dir: string, cn: string, san?: string): string {
  const key = path.join(dir, `${cn}.key`);
  const csr = path.join(dir, `${cn}.csr`);
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', key]);
  execFileSync('openssl', ['req', '-new', '-key', key, '-sm3', '-sigopt', DISTID, '-subj', `/CN=${cn}`, ...(san ? ['-addext', `subjectAltName=${san}`] : []), '-out', csr]);
  return fs.readFileSync(csr, 'utf8');
}

test('the SM2 root exists on demand and is a self-signed SM2-with-SM3 CA OpenSSL accepts', () => {
  assert.ok(fs.existsSync(sm2Root));
  assert.equal(fs.statSync(path.join(h.dataDir, 'ca-sm2', 'root-key.pem')).mode & 0o777, 0o600);
  const text = execFileSync('openssl', ['x509', '-in', sm2Root, '-noout', '-text'], { encoding: 'utf8' });
  assert.match(text, /Signature Algorithm: SM2-with-SM3/);
  assert.match(text, /ASN1 OID: SM2/);
  assert.match(execFileSync('openssl', ['verify', '-vfyopt', DISTID, '-CAfile', sm2Root, sm2Root], { encoding: 'utf8' }), /: OK/);
});

test('OpenSSL SM2 CSR → SM2 certificate from the SM2 root; openssl verify (distid) OK; CRL and OCSP follow revocation', async () => {
  const csr = sm2Csr(h.dataDir, 'li-si');
  const r = await h.client('requester').post('/api/v1/requests', {
    type: 'enroll',
    profile: 'person-authentication-sm2',
    subject: { kind: 'person', orgUnit: 'city-demo-hq', commonName: '李四', email: 'lisi@yjj.demo.gov.cn' },
    csr,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const ok = await h.client('officer').post(`/api/v1/requests/${r.json.id}/approve`, {});
  assert.equal(ok.json.status, 'issued', JSON.stringify(ok.json));
  const certFile = path.join(h.dataDir, 'lisi.pem');
  fs.writeFileSync(certFile, ok.json.certificate);
  const text = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-text'], { encoding: 'utf8' });
  assert.match(text, /Signature Algorithm: SM2-with-SM3/);
  assert.match(text, /ASN1 OID: SM2/);
  assert.match(text, /Issuer: .*EMSOC Development SM2 CA/);
  assert.match(text, /URI:http:\/\/127\.0\.0\.1:\d+\/crl\/sm2-root\.crl/);
  assert.match(text, /OCSP - URI:http:\/\/127\.0\.0\.1:\d+\/ocsp/);
  assert.match(execFileSync('openssl', ['verify', '-vfyopt', DISTID, '-CAfile', sm2Root, certFile], { encoding: 'utf8' }), /: OK/);
  // Without the GM/T default ID OpenSSL 3 checks against an empty ID, which must fail: the ID is really in the signature.
  assert.throws(() => execFileSync('openssl', ['verify', '-CAfile', sm2Root, certFile], { stdio: 'pipe' }));

  const serial = ok.json.resultSerial as string;
  const der = fromPem(ok.json.certificate, ['CERTIFICATE']);
  const client = () => new CertificateStatusClient({ caCertificates: [h.ca.certificateDer, fromPem(fs.readFileSync(sm2Root, 'utf8'), ['CERTIFICATE'])] });
  assert.deepEqual(await client().check(der), { status: 'good', reason: undefined, source: 'ocsp' });

  const rev = await h.client('officer').post(`/api/v1/certificates/${serial}/revoke`, { reason: 'affiliationChanged' });
  assert.equal((await h.client('officer2').post(`/api/v1/requests/${rev.json.id}/approve`, {})).json.status, 'completed');
  const crlDer = Buffer.from(await (await fetch(`${h.statusUrl}/crl/sm2-root.crl`)).arrayBuffer());
  const crlPem = path.join(h.dataDir, 'sm2-root.crl.pem');
  execFileSync('openssl', ['crl', '-inform', 'DER', '-out', crlPem], { input: crlDer });
  const crlText = execFileSync('openssl', ['crl', '-in', crlPem, '-noout', '-text'], { encoding: 'utf8' });
  assert.match(crlText, /Signature Algorithm: SM2-with-SM3/);
  assert.match(crlText, new RegExp(`${serial.toUpperCase()}[\\s\\S]*?Affiliation Changed`));
  // GM/T 0015: the CRL is signed with the default user ID, checked here by pki's reader. OpenSSL 3.0's
  // CRL check ignores -vfyopt distid (see ra-service/README.md), so `openssl verify -crl_check` is not the judge here.
  const idx = readCrl(new Uint8Array(crlDer), inspectCertificate(fromPem(fs.readFileSync(sm2Root, 'utf8'), ['CERTIFICATE'])), new VerifierRegistry().register(sm2Verifier));
  assert.equal(idx.revoked.get(serial)?.reason, 'affiliationChanged');
  assert.throws(() => readCrl(new Uint8Array(crlDer), inspectCertificate(h.ca.certificateDer), new VerifierRegistry().register(sm2Verifier)), /signature/);
  assert.deepEqual(await client().check(der), { status: 'revoked', reason: 'affiliationChanged', source: 'ocsp' });
});

test('SM2 keys are refused by non-SM2 profiles, and ECDSA keys by SM2 profiles', async () => {
  const csr = sm2Csr(h.dataDir, 'wang-wu');
  const r = await h.client('requester').post('/api/v1/requests', {
    type: 'enroll',
    profile: 'person-authentication',
    subject: { kind: 'person', orgUnit: 'city-demo-hq', commonName: '王五', email: 'wangwu@yjj.demo.gov.cn' },
    csr,
  });
  assert.equal(r.status, 422);
  assert.match(JSON.stringify(r.json), /keys/);
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(h.dataDir, 'p.key'), '-out', path.join(h.dataDir, 'p.csr'), '-subj', '/CN=p'], { stdio: 'pipe' });
  const r2 = await h.client('requester').post('/api/v1/requests', {
    type: 'enroll',
    profile: 'person-authentication-sm2',
    subject: { kind: 'person', orgUnit: 'city-demo-hq', commonName: '赵六', email: 'zhaoliu@yjj.demo.gov.cn' },
    csr: fs.readFileSync(path.join(h.dataDir, 'p.csr'), 'utf8'),
  });
  assert.equal(r2.status, 422);
  assert.match(JSON.stringify(r2.json), /keys\.ecdsa/);
});
