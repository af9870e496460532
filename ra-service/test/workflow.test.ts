/** Lifecycle through the REST API: dual control, rejection, cancellation, profile refusals, keygen, suspend/resume, renew/re-key, automation. */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { opensslCsr, startHarness, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const person = (n: string) => ({ kind: 'person', orgUnit: 'county-demo-lake', commonName: `王${n}`, email: `wang${n}@yjj.hubin.demo.gov.cn`, employeeId: `HB-${n}` });

async function counts() {
  const db = new Database(path.join(h.dataDir, 'ra.db'), { readonly: true });
  const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
  const out = { requests: n('requests'), certificates: n('certificates'), subjects: n('subjects') };
  db.close();
  return out;
}

test('high-assurance profile needs two different officers; requester never approves', async () => {
  const { csr } = opensslCsr(h.dataDir, { key: 'rsa:3072' });
  const r = await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: 'person-signing', subject: person('1'), csr, san: [{ type: 'email', value: 'wang1@yjj.hubin.demo.gov.cn' }] });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.approvalsRequired, 2);
  assert.equal((await h.client('requester').post(`/api/v1/requests/${r.json.id}/approve`, {})).status, 403);
  const a1 = await h.client('officer').post(`/api/v1/requests/${r.json.id}/approve`, { comment: '第一审' });
  assert.equal(a1.json.status, 'submitted');
  assert.equal((await h.client('officer').post(`/api/v1/requests/${r.json.id}/approve`, {})).status, 409);
  const a2 = await h.client('officer2').post(`/api/v1/requests/${r.json.id}/approve`, { comment: '第二审' });
  assert.equal(a2.json.status, 'issued');
  assert.deepEqual(a2.json.approvals.map((a: { officerName: string }) => a.officerName).sort(), ['officer', 'officer2']);
  for (const t of a2.json.transitions) assert.ok(t.actor && t.at && t.sourceIp, 'who, when, from where');
  const text = execFileSync('openssl', ['x509', '-noout', '-ext', 'keyUsage,extendedKeyUsage'], { input: a2.json.certificate, encoding: 'utf8' });
  assert.match(text, /Digital Signature, Non Repudiation/);
  assert.match(text, /E-mail Protection/);
});

test('reject needs a reason; cancel by the requester; other requesters see nothing', async () => {
  const mk = async () => (await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: 'person-authentication', subject: person(String(Math.random()).slice(2, 6)), csr: opensslCsr(h.dataDir).csr })).json;
  const r1 = await mk();
  assert.equal((await h.client('officer').post(`/api/v1/requests/${r1.id}/reject`, {})).status, 400);
  const rej = await h.client('officer').post(`/api/v1/requests/${r1.id}/reject`, { reason: '身份信息与人事系统不符' });
  assert.equal(rej.json.status, 'rejected');
  assert.equal(rej.json.reason, '身份信息与人事系统不符');
  assert.equal((await h.client('officer2').post(`/api/v1/requests/${r1.id}/approve`, {})).status, 409);
  const r2 = await mk();
  assert.equal((await h.client('requester2').get(`/api/v1/requests/${r2.id}`)).status, 404);
  assert.equal((await h.client('requester2').post(`/api/v1/requests/${r2.id}/cancel`, {})).status, 404);
  assert.equal((await h.client('requester').post(`/api/v1/requests/${r2.id}/cancel`, { reason: '重复提交' })).json.status, 'cancelled');
  const mine = await h.client('requester2').get('/api/v1/requests');
  assert.equal(mine.json.items.length, 0);
  const submitted = await h.client('officer').get('/api/v1/requests?status=cancelled');
  assert.ok(submitted.json.items.some((x: { id: string }) => x.id === r2.id));
});

test('requests outside the profile are refused with the rule they broke and store nothing', async () => {
  const before = await counts();
  const cases: Array<[string, object, RegExp]> = [
    ['RSA 2048 on a 3072-minimum profile', { type: 'enroll', profile: 'person-signing', subject: person('9'), csr: opensslCsr(h.dataDir, { key: 'rsa:2048' }).csr }, /keys\.rsa\.bits/],
    ['unregistered DNS name', { type: 'enroll', profile: 'tls-server', subject: { kind: 'service', orgUnit: 'prov-demo', commonName: 'x', dnsNames: ['a.demo.internal'] }, csr: opensslCsr(h.dataDir, { san: 'DNS:evil.example.com' }).csr }, /san\.dns\.mustMatchSubject/],
    ['SAN type not allowed', { type: 'enroll', profile: 'person-authentication', subject: person('8'), csr: opensslCsr(h.dataDir, { san: 'DNS:host.demo.internal' }).csr }, /san\.allowed/],
    ['person profile for a device', { type: 'enroll', profile: 'person-authentication', subject: { kind: 'device', orgUnit: 'prov-demo', commonName: 'sensor-1', serialNumber: 'SN1' }, csr: opensslCsr(h.dataDir).csr }, /subjectKinds/],
    ['server key generation not allowed', { type: 'keygen', profile: 'tls-server', subject: { kind: 'service', orgUnit: 'prov-demo', commonName: 'x', dnsNames: ['x.demo.internal'] }, keyAlgorithm: 'P-256', password: 'correct horse battery' }, /serverKeyGeneration/],
    ['DN template needs serialNumber', { type: 'enroll', profile: 'device', subject: { kind: 'device', orgUnit: 'prov-demo', commonName: 'gw-1' }, csr: opensslCsr(h.dataDir).csr }, /subjectDn/],
    ['IP outside the allowed networks', { type: 'enroll', profile: 'tls-server', subject: { kind: 'service', orgUnit: 'prov-demo', commonName: 'x', ipAddresses: ['8.8.8.8'] }, csr: opensslCsr(h.dataDir, { san: 'IP:8.8.8.8' }).csr }, /san\.ip\.cidrs/],
  ];
  for (const [what, body, rule] of cases) {
    const res = await h.client('requester').post('/api/v1/requests', body);
    assert.equal(res.status, 422, `${what}: ${res.status} ${JSON.stringify(res.json)}`);
    assert.match(res.json.error, rule, what);
    assert.ok(Array.isArray(res.json.details) && res.json.details[0].rule, `${what}: rule listed`);
  }
  assert.deepEqual(await counts(), before);
});

test('duplicate public keys are refused', async () => {
  const { csr } = opensslCsr(h.dataDir);
  const first = await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: 'person-authentication', subject: person('20'), csr });
  assert.equal((await h.client('officer').post(`/api/v1/requests/${first.json.id}/approve`, {})).json.status, 'issued');
  const dup = await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: 'person-authentication', subject: person('21'), csr });
  assert.equal(dup.status, 422);
  assert.match(dup.json.error, /key\.unique/);
});

test('server-side key generation: PKCS#12 handed out once, password-protected, key never stored in clear', async () => {
  const password = '应急-Strong-Passw0rd';
  const r = await h.client('requester').post('/api/v1/requests', { type: 'keygen', profile: 'device', subject: { kind: 'device', orgUnit: 'city-demo-hill', commonName: '水位传感器-07', serialNumber: 'WL-2026-0007' }, keyAlgorithm: 'P-256', password });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal((await h.client('requester').post(`/api/v1/requests/${r.json.id}/pkcs12`, { password })).status, 409, 'not before issuance');
  const ok = await h.client('officer').post(`/api/v1/requests/${r.json.id}/approve`, {});
  assert.equal(ok.json.status, 'issued');
  // What the database holds is an encrypted PKCS#8 only.
  const db = new Database(path.join(h.dataDir, 'ra.db'), { readonly: true });
  const row = db.prepare('SELECT encrypted_key FROM key_escrow WHERE request_id = ?').get(r.json.id) as { encrypted_key: Buffer };
  db.close();
  const asn1 = execFileSync('openssl', ['asn1parse', '-inform', 'DER'], { input: row.encrypted_key, encoding: 'utf8' });
  assert.match(asn1, /PBES2/);
  assert.match(asn1, /aes-256-cbc/);
  assert.equal((await h.client('officer').post(`/api/v1/requests/${r.json.id}/pkcs12`, { password })).status, 404, 'only the requester picks up');
  assert.equal((await h.client('requester').post(`/api/v1/requests/${r.json.id}/pkcs12`, { password: 'wrong-password-123' })).status, 403);
  const p12 = await h.client('requester').post(`/api/v1/requests/${r.json.id}/pkcs12`, { password });
  assert.equal(p12.status, 200);
  assert.equal(p12.headers['content-type'], 'application/x-pkcs12');
  const file = path.join(h.dataDir, 'dev.p12');
  fs.writeFileSync(file, p12.body);
  const out = execFileSync('openssl', ['pkcs12', '-in', file, '-passin', `pass:${password}`, '-nodes'], { encoding: 'utf8' });
  assert.match(out, /BEGIN PRIVATE KEY/);
  assert.match(out, /serialNumber ?= ?WL-2026-0007/);
  const again = await h.client('requester').post(`/api/v1/requests/${r.json.id}/pkcs12`, { password });
  assert.equal(again.status, 410, 'handed out once');
});

async function issue(profile = 'person-authentication', n = String(Math.random()).slice(2, 7)) {
  const r = await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile, subject: person(n), csr: opensslCsr(h.dataDir).csr });
  const ok = await h.client('officer').post(`/api/v1/requests/${r.json.id}/approve`, {});
  assert.equal(ok.json.status, 'issued');
  return ok.json;
}

async function crlText(): Promise<string> {
  const der = Buffer.from(await (await fetch(`${h.statusUrl}/crl/root.crl`)).arrayBuffer());
  return execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: der, encoding: 'utf8' });
}

test('suspend (certificateHold) and resume go through approval and show on the CRL', async () => {
  const c = await issue();
  const serial = c.resultSerial as string;
  const s = await h.client('officer').post(`/api/v1/certificates/${serial}/suspend`, { comment: '设备遗失待查' });
  assert.equal(s.json.status, 'submitted');
  assert.equal((await h.client('officer').post(`/api/v1/requests/${s.json.id}/approve`, {})).status, 403, 'the officer who asked cannot approve');
  assert.equal((await h.client('officer2').post(`/api/v1/requests/${s.json.id}/approve`, {})).json.status, 'completed');
  assert.equal((await h.client('officer').get(`/api/v1/certificates/${serial}`)).json.status, 'suspended');
  assert.match(await crlText(), new RegExp(`${serial.toUpperCase()}[\\s\\S]*?Certificate Hold`));
  assert.equal((await h.client('officer').post(`/api/v1/certificates/${serial}/suspend`, {})).status, 409);
  const res = await h.client('officer').post(`/api/v1/certificates/${serial}/resume`, {});
  assert.equal((await h.client('officer2').post(`/api/v1/requests/${res.json.id}/approve`, {})).json.status, 'completed');
  assert.equal((await h.client('officer').get(`/api/v1/certificates/${serial}`)).json.status, 'valid');
  assert.doesNotMatch(await crlText(), new RegExp(serial.toUpperCase()));
  const bad = await h.client('officer').post(`/api/v1/certificates/${serial}/revoke`, { reason: 'certificateHold' });
  assert.equal(bad.status, 400, 'hold is a suspension, not a revocation reason');
});

test('renewal keeps the key, re-key needs a new one; subject record lists certificates held', async () => {
  const c = await issue();
  const renew = await h.client('requester').post('/api/v1/requests', { type: 'renew', serial: c.resultSerial });
  assert.equal(renew.status, 201, JSON.stringify(renew.json));
  const rn = await h.client('officer').post(`/api/v1/requests/${renew.json.id}/approve`, {});
  assert.equal(rn.json.status, 'issued');
  const oldCert = await h.client('officer').get(`/api/v1/certificates/${c.resultSerial}`);
  const newCert = await h.client('officer').get(`/api/v1/certificates/${rn.json.resultSerial}`);
  assert.notEqual(rn.json.resultSerial, c.resultSerial);
  assert.equal(newCert.json.publicKeySha256, oldCert.json.publicKeySha256);
  const sameKey = await h.client('requester').post('/api/v1/requests', { type: 'rekey', serial: c.resultSerial, csr: Buffer.from(c.certificate).toString() });
  assert.equal(sameKey.status, 400, 'a certificate is not a CSR');
  const rekey = await h.client('requester').post('/api/v1/requests', { type: 'rekey', serial: c.resultSerial, csr: opensslCsr(h.dataDir).csr });
  const rk = await h.client('officer').post(`/api/v1/requests/${rekey.json.id}/approve`, {});
  assert.equal(rk.json.status, 'issued');
  assert.notEqual((await h.client('officer').get(`/api/v1/certificates/${rk.json.resultSerial}`)).json.publicKeySha256, oldCert.json.publicKeySha256);
  const subj = await h.client('officer').get(`/api/v1/subjects/${c.subjectId}`);
  assert.equal(subj.json.certificates.length, 3);
  // A subject who left the unit gets nothing more.
  const left = await h.client('officer').request('PATCH', `/api/v1/subjects/${c.subjectId}`, { status: 'left' });
  assert.equal(left.json.status, 'left');
  const refused = await h.client('requester').post('/api/v1/requests', { type: 'renew', serial: rk.json.resultSerial });
  assert.equal(refused.status, 422);
  assert.match(refused.json.error, /subject\.status/);
});

test('automation profile (approvals: 0) issues at once; audit trail is complete and verifies', async () => {
  const sid = (await h.client('officer').post('/api/v1/subjects', { kind: 'service', orgUnit: 'prov-demo', commonName: 'collector-1', dnsNames: ['collector-1.emsoc.internal'] })).json.id;
  const r = await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: 'service-automation', subjectId: sid, csr: opensslCsr(h.dataDir, { san: 'DNS:collector-1.emsoc.internal' }).csr });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.status, 'issued');
  assert.equal(r.json.transitions[1].actor, 'policy:automation');
  assert.match(r.json.certificate, /BEGIN CERTIFICATE/);
  // The answer is built from what was committed, not read back: it must equal what the database holds.
  const again = await h.client('requester').get(`/api/v1/requests/${r.json.id}`);
  assert.deepEqual(r.json, again.json);
  assert.equal(r.json.transitions.length, 3);
  const audit = await h.client('auditor').get(`/api/v1/audit?objectId=${r.json.id}`);
  assert.deepEqual(audit.json.items.map((x: { eventType: string }) => x.eventType), ['request.submitted', 'request.approved']);
  const issuedRec = (await h.client('auditor').get(`/api/v1/audit?objectId=${r.json.resultSerial}`)).json.items[0];
  assert.equal(issuedRec.eventType, 'certificate.issued');
  assert.equal(issuedRec.actorName, 'requester');
  assert.equal(issuedRec.sourceIp, '127.0.0.1');
  assert.equal(issuedRec.actorRoles, 'ra-requester');
  const v = await h.client('auditor').post('/api/v1/audit/verify');
  assert.equal(v.json.ok, true, JSON.stringify(v.json.problems));
  // Tamper behind the service's back, then ask the API again.
  const db = new Database(path.join(h.dataDir, 'ra.db'));
  db.prepare(`UPDATE audit SET actor_name = 'someone-else' WHERE event_type = 'certificate.issued' AND object_id = ?`).run(r.json.resultSerial);
  db.close();
  const v2 = await h.client('auditor').post('/api/v1/audit/verify');
  assert.equal(v2.json.ok, false);
  assert.ok(v2.json.problems.some((p: { problem: string }) => /modified/.test(p.problem)));
  // The offline verifier (no service, only the database and the public key) says the same.
  const offline = await new Promise<{ code: number | null; out: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '..', 'src', 'main.ts'), 'verify-audit'], { env: { ...process.env, SOC_DATA_DIR: h.dataDir } }, (err, out) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out }),
    );
  });
  assert.equal(offline.code, 1);
  assert.equal(JSON.parse(offline.out).ok, false);
});
