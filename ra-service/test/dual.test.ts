/**
 * Dual certificates (signing + encryption), KMC side: the signing certificate certifies the
 * subject's own SM2 key from an OpenSSL CSR; the KMC generates the encryption key pair, the SM2 root
 * certifies it, the private key is archived sealed (AES-256-GCM, bound to the serial) and delivered
 * enveloped for the signing key — which `openssl pkeyutl -decrypt` with the subject's signing key
 * opens. Recovery of the archived key: key-recovery.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fromPem, hasErrors, inspectCertificate, lintTbs, prepareCertificate, signPrepared, toPem } from '@emsoc/pki';
import { CertificateStatusClient } from '@emsoc/pki/status-client/index';
import { Kmc } from '../src/ca/kmc/kmc.js';
import { loadOrCreateSm2Root } from '../src/ca/sm2-root.js';
import { statusUrls } from '../src/ca/embedded.js';
import { startHarness, type Harness } from './harness.js';

const DISTID = 'distid:1234567812345678';
let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

test('signing certificate for the subject’s key, KMC encryption certificate, sealed archive, envelope opened by OpenSSL with the signing key', async () => {
  // The subject: SM2 signing key made by OpenSSL, never leaves its machine.
  const signKey = path.join(h.dataDir, 'sign.key');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', signKey]);
  execFileSync('openssl', ['req', '-new', '-key', signKey, '-sm3', '-sigopt', DISTID, '-subj', '/CN=zhou', '-out', path.join(h.dataDir, 'sign.csr')]);
  const r = await h.client('requester').post('/api/v1/requests', {
    type: 'enroll',
    profile: 'person-authentication-sm2',
    subject: { kind: 'person', orgUnit: 'city-demo-hq', commonName: '周七', email: 'zhouqi@yjj.demo.gov.cn' },
    csr: fs.readFileSync(path.join(h.dataDir, 'sign.csr'), 'utf8'),
  });
  const ok = await h.client('officer').post(`/api/v1/requests/${r.json.id}/approve`, {});
  assert.equal(ok.json.status, 'issued', JSON.stringify(ok.json));
  const signCert = fromPem(ok.json.certificate, ['CERTIFICATE']);
  const signInfo = inspectCertificate(signCert);

  // KMC: encryption key pair, certified by the SM2 root for the same subject.
  const kmc = Kmc.open(h.dataDir);
  assert.equal(fs.statSync(path.join(h.dataDir, 'kmc', 'master.key')).mode & 0o777, 0o600);
  const enc = kmc.generateEncryptionKey();
  const root = loadOrCreateSm2Root(path.join(h.dataDir, 'ca-sm2'));
  const urls = statusUrls('127.0.0.1', h.config.ra.statusPort, 'sm2-root');
  const prepared = prepareCertificate({
    issuer: root.issuer({ crlUrls: [urls.crl], ocspUrls: [urls.ocsp], caIssuersUrls: [urls.caIssuers] }),
    subject: signInfo.subject,
    publicKeyInfo: enc.publicKeyInfo,
    notAfter: new Date(Date.now() + 730 * 86_400_000),
    basicConstraints: { ca: false },
    // GM/T 0015 encryption certificate usages; the preflight lint allows key transport for SM2 keys only.
    keyUsage: ['keyEncipherment', 'dataEncipherment', 'keyAgreement'],
  });
  const findings = lintTbs(prepared.tbsDer);
  assert.equal(hasErrors(findings), false, JSON.stringify(findings));
  const encCert = signPrepared(prepared, root.signer);
  const encFile = path.join(h.dataDir, 'enc.pem');
  fs.writeFileSync(encFile, toPem(encCert, 'CERTIFICATE'));
  assert.match(execFileSync('openssl', ['verify', '-vfyopt', DISTID, '-CAfile', path.join(h.dataDir, 'ca-sm2', 'root.pem'), encFile], { encoding: 'utf8' }), /: OK/);
  assert.match(execFileSync('openssl', ['x509', '-in', encFile, '-noout', '-ext', 'keyUsage'], { encoding: 'utf8' }), /Key Encipherment, Data Encipherment, Key Agreement/);

  // Archive: sealed under the master key, bound to the serial.
  const sealed = kmc.seal(enc.privateKeyPkcs8, prepared.serialHex);
  assert.ok(!Buffer.from(sealed).includes(Buffer.from(enc.privateKeyPkcs8.subarray(-40))), 'no clear key material in the archive');
  assert.deepEqual(kmc.unseal(sealed, prepared.serialHex), enc.privateKeyPkcs8);
  assert.throws(() => kmc.unseal(sealed, signInfo.serialNumber.toString()), /does not authenticate/);
  const tampered = new Uint8Array(sealed);
  tampered[tampered.length - 1]! ^= 1;
  assert.throws(() => kmc.unseal(tampered, prepared.serialHex), /does not authenticate/);

  // Delivery: enveloped for the signing public key; the subject opens it with OpenSSL and its signing key.
  const env = path.join(h.dataDir, 'enc-key.sm2');
  fs.writeFileSync(env, kmc.envelope(enc.privateKeyPkcs8, signInfo.publicKeyInfo));
  const opened = path.join(h.dataDir, 'enc-key.der');
  execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', signKey, '-in', env, '-out', opened]);
  assert.deepEqual(new Uint8Array(fs.readFileSync(opened)), enc.privateKeyPkcs8);
  const pubFromKey = execFileSync('openssl', ['pkey', '-inform', 'DER', '-in', opened, '-pubout'], { encoding: 'utf8' });
  const pubFromCert = execFileSync('openssl', ['x509', '-in', encFile, '-noout', '-pubkey'], { encoding: 'utf8' });
  assert.equal(pubFromKey, pubFromCert, 'the delivered key belongs to the encryption certificate');
  // Someone else's key cannot open it.
  const other = path.join(h.dataDir, 'other.key');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', other]);
  assert.throws(() => execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', other, '-in', env], { stdio: 'pipe' }));
});

test('through the RA: a person-dual-sm2 request yields a linked pair; the subject fetches and opens the key; revocation takes both', async () => {
  const signKey = path.join(h.dataDir, 'sign2.key');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', signKey]);
  execFileSync('openssl', ['req', '-new', '-key', signKey, '-sm3', '-sigopt', DISTID, '-subj', '/CN=wu', '-addext', 'subjectAltName=email:wuba@yjj.demo.gov.cn', '-out', path.join(h.dataDir, 'sign2.csr')]);
  const r = await h.client('requester').post('/api/v1/requests', {
    type: 'enroll',
    profile: 'person-dual-sm2',
    subject: { kind: 'person', orgUnit: 'city-demo-hq', commonName: '吴八', email: 'wuba@yjj.demo.gov.cn' },
    csr: fs.readFileSync(path.join(h.dataDir, 'sign2.csr'), 'utf8'),
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal((await h.client('officer').post(`/api/v1/requests/${r.json.id}/approve`, {})).json.status, 'submitted');
  const ok = await h.client('officer2').post(`/api/v1/requests/${r.json.id}/approve`, {});
  assert.equal(ok.json.status, 'issued', JSON.stringify(ok.json));
  const signSerial = ok.json.resultSerial as string;

  const k = await h.client('requester').get(`/api/v1/certificates/${signSerial}/encryption-key`);
  assert.equal(k.status, 200, JSON.stringify(k.json));
  assert.equal(k.json.signingSerial, signSerial);
  assert.notEqual(k.json.encryptionSerial, signSerial);
  const encFile = path.join(h.dataDir, 'enc2.pem');
  fs.writeFileSync(encFile, k.json.certificate);
  assert.match(execFileSync('openssl', ['verify', '-vfyopt', DISTID, '-CAfile', path.join(h.dataDir, 'ca-sm2', 'root.pem'), encFile], { encoding: 'utf8' }), /: OK/);
  // GM/T 0015 key usages as OpenSSL reads them: encryption certificate for key establishment only,
  // signing certificate for signatures only; the encryption certificate has no extended key usage.
  const encText = execFileSync('openssl', ['x509', '-in', encFile, '-noout', '-text'], { encoding: 'utf8' });
  assert.match(encText, /X509v3 Key Usage: critical\s+Key Encipherment, Data Encipherment, Key Agreement\n/);
  assert.match(encText, /Public Key Algorithm: id-ecPublicKey[\s\S]*ASN1 OID: SM2/);
  assert.doesNotMatch(encText, /Extended Key Usage/);
  const signUsage = execFileSync('openssl', ['x509', '-noout', '-text'], { input: ok.json.certificate, encoding: 'utf8' });
  assert.match(signUsage, /X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation\n/);
  const signText = execFileSync('openssl', ['x509', '-noout', '-subject', '-nameopt', 'utf8'], { input: ok.json.certificate, encoding: 'utf8' });
  assert.equal(execFileSync('openssl', ['x509', '-in', encFile, '-noout', '-subject', '-nameopt', 'utf8'], { encoding: 'utf8' }), signText, 'same subject');
  const env = path.join(h.dataDir, 'env2.sm2');
  fs.writeFileSync(env, Buffer.from(k.json.envelope, 'base64'));
  const opened = path.join(h.dataDir, 'enc2.der');
  execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', signKey, '-in', env, '-out', opened]);
  assert.equal(
    execFileSync('openssl', ['pkey', '-inform', 'DER', '-in', opened, '-pubout'], { encoding: 'utf8' }),
    execFileSync('openssl', ['x509', '-in', encFile, '-noout', '-pubkey'], { encoding: 'utf8' }),
  );
  // Another requester cannot fetch it.
  assert.equal((await h.client('requester2').get(`/api/v1/certificates/${signSerial}/encryption-key`)).status, 404);

  const audit = await h.client('auditor').get(`/api/v1/audit?objectId=${k.json.encryptionSerial}`);
  const events = (audit.json.items as { eventType: string }[]).map((e) => e.eventType);
  for (const e of ['certificate.issued', 'key.archived', 'key.delivered']) assert.ok(events.includes(e), `${e} audited (${events.join(', ')})`);

  const rev = await h.client('requester').post(`/api/v1/certificates/${signSerial}/revoke`, { reason: 'affiliationChanged' });
  assert.equal((await h.client('officer').post(`/api/v1/requests/${rev.json.id}/approve`, {})).json.status, 'submitted');
  assert.equal((await h.client('officer2').post(`/api/v1/requests/${rev.json.id}/approve`, {})).json.status, 'completed');
  assert.equal((await h.client('officer').get(`/api/v1/certificates/${signSerial}`)).json.status, 'revoked');
  assert.equal((await h.client('officer').get(`/api/v1/certificates/${k.json.encryptionSerial}`)).json.status, 'revoked', 'revoked together');
  const status = new CertificateStatusClient({ caCertificates: [fromPem(fs.readFileSync(path.join(h.dataDir, 'ca-sm2', 'root.pem'), 'utf8'), ['CERTIFICATE'])] });
  assert.deepEqual(await status.check(fromPem(k.json.certificate, ['CERTIFICATE'])), { status: 'revoked', reason: 'affiliationChanged', source: 'ocsp' });
});
