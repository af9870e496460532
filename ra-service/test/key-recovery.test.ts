/**
 * Key recovery of a KMC-archived encryption key through the RA's approval machinery: a recover
 * request needs the profile's keyRecoveryApprovals (2) different officers, none the requester; on the
 * last approval the KMC unseals the key; the requester picks it up once as PKCS#12 (AES-256 PBES2,
 * one-time password) and enveloped for the subject's signing key — both opened with OpenSSL and
 * matched against the encryption certificate. Every step is in the hash-chained audit trail.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { SqlDriver, SqlExecutor } from '../src/store/driver.js';
import { cliAs, opensslCsr, startHarness, type Harness } from './harness.js';

const DISTID = 'distid:1234567812345678';
let h: Harness;
let signKey: string;
let signSerial: string;
let encSerial: string;
let encPubKey: string;

before(async () => {
  h = await startHarness();
  // A third officer: the requester of a recovery is an officer too, and two others must approve.
  const o3 = h.identity.createAccount({ name: 'officer3', roles: ['ra-officer'], orgUnit: 'prov-demo' });
  h.tokens.officer3 = h.identity.issueToken(o3.id, 'test').token;

  signKey = path.join(h.dataDir, 'sign.key');
  const csrFile = path.join(h.dataDir, 'sign.csr');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', signKey]);
  execFileSync('openssl', ['req', '-new', '-key', signKey, '-sm3', '-sigopt', DISTID, '-subj', '/CN=qian', '-addext', 'subjectAltName=email:qianjiu@yjj.demo.gov.cn', '-out', csrFile]);
  const r = await h.client('requester').post('/api/v1/requests', {
    type: 'enroll',
    profile: 'person-dual-sm2',
    subject: { kind: 'person', orgUnit: 'city-demo-hq', commonName: '钱九', email: 'qianjiu@yjj.demo.gov.cn' },
    csr: fs.readFileSync(csrFile, 'utf8'),
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  await h.client('officer').post(`/api/v1/requests/${r.json.id}/approve`, {});
  const ok = await h.client('officer2').post(`/api/v1/requests/${r.json.id}/approve`, {});
  assert.equal(ok.json.status, 'issued', JSON.stringify(ok.json));
  signSerial = ok.json.resultSerial;
  const k = await h.client('requester').get(`/api/v1/certificates/${signSerial}/encryption-key`);
  encSerial = k.json.encryptionSerial;
  encPubKey = execFileSync('openssl', ['x509', '-noout', '-pubkey'], { input: k.json.certificate, encoding: 'utf8' });
});
after(async () => {
  await h?.close();
});

test('recovery: self-approval refused, auditor refused, one approval not enough, two other officers recover; pickup once; keys match the encryption certificate', async () => {
  const filed = await h.client('officer').post(`/api/v1/certificates/${signSerial}/recover`, { comment: 'laptop lost; old mail must stay readable' });
  assert.equal(filed.status, 201, JSON.stringify(filed.json));
  assert.equal(filed.json.type, 'recover');
  assert.equal(filed.json.serial, encSerial, 'the request targets the encryption certificate of the pair');
  assert.equal(filed.json.approvalsRequired, 2, 'person-dual-sm2 keyRecoveryApprovals');
  const id = filed.json.id as string;

  const self = await h.client('officer').post(`/api/v1/requests/${id}/approve`, {});
  assert.equal(self.status, 403, 'the requester cannot approve their own recovery');
  assert.equal((await h.client('auditor').post(`/api/v1/requests/${id}/approve`, {})).status, 403, 'an auditor cannot approve');
  assert.equal((await h.client('requester').post(`/api/v1/requests/${id}/approve`, {})).status, 403, 'an ra-requester cannot approve');

  const first = await h.client('officer2').post(`/api/v1/requests/${id}/approve`, {});
  assert.equal(first.json.status, 'submitted', 'one approval is not enough');
  assert.equal((await h.client('officer2').post(`/api/v1/requests/${id}/approve`, {})).status, 409, 'the same officer counts once');
  assert.equal((await h.client('officer').post(`/api/v1/requests/${id}/recovered-key`, {})).status, 409, 'nothing to pick up before the last approval');

  const second = await h.client('officer3').post(`/api/v1/requests/${id}/approve`, {});
  assert.equal(second.json.status, 'completed', JSON.stringify(second.json));
  assert.equal(second.json.resultSerial, encSerial);
  assert.equal(second.json.oneTimePassword, undefined, 'the approver never sees the password');

  assert.equal((await h.client('officer2').post(`/api/v1/requests/${id}/recovered-key`, {})).status, 404, 'only the requester picks up');
  const got = await h.client('officer').post(`/api/v1/requests/${id}/recovered-key`, {});
  assert.equal(got.status, 200, JSON.stringify(got.json));
  assert.equal(got.json.encryptionSerial, encSerial);
  assert.equal(got.json.envelopeFor, signSerial, 'enveloped for the subject’s current signing certificate');
  assert.equal((await h.client('officer').post(`/api/v1/requests/${id}/recovered-key`, {})).status, 410, 'handed out once');

  // PKCS#12: AES-256 PBES2 under the one-time password; the key inside belongs to the encryption certificate.
  const p12 = path.join(h.dataDir, 'recovered.p12');
  fs.writeFileSync(p12, Buffer.from(got.json.pkcs12, 'base64'));
  const pass = `pass:${got.json.oneTimePassword}`;
  const info = spawnSync('openssl', ['pkcs12', '-in', p12, '-passin', pass, '-info', '-noout'], { encoding: 'utf8' });
  assert.equal(info.status, 0, info.stderr);
  assert.match(info.stderr, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/, 'openssl prints the bag algorithms on stderr');
  const keyPem = execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', pass, '-nocerts', '-nodes'], { encoding: 'utf8' });
  assert.equal(execFileSync('openssl', ['pkey', '-pubout'], { input: keyPem, encoding: 'utf8' }), encPubKey, 'recovered key matches the encryption certificate');
  assert.throws(() => execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:wrong-password-123', '-nocerts', '-nodes'], { stdio: 'pipe' }));

  // Envelope: the subject opens it with its own signing key (the same SM2Cipher as first delivery).
  const env = path.join(h.dataDir, 'recovered.sm2');
  fs.writeFileSync(env, Buffer.from(got.json.envelope, 'base64'));
  const der = execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', signKey, '-in', env]);
  assert.equal(execFileSync('openssl', ['pkey', '-inform', 'DER', '-pubout'], { input: der, encoding: 'utf8' }), encPubKey);

  // Audit: every step, in the verified hash chain.
  const auditor = h.client('auditor');
  const onRequest = ((await auditor.get(`/api/v1/audit?objectId=${id}`)).json.items as { eventType: string; outcome: string; actorName: string }[]).map((e) => `${e.eventType}/${e.outcome}`);
  for (const e of ['request.submitted/success', 'request.approve-denied/failure', 'request.approved/success']) assert.ok(onRequest.includes(e), `${e} (${onRequest.join(', ')})`);
  assert.equal(onRequest.filter((e) => e === 'request.approved/success').length, 2);
  const onKey = (await auditor.get(`/api/v1/audit?objectId=${encSerial}`)).json.items as { eventType: string; details: Record<string, unknown> }[];
  const recovered = onKey.find((e) => e.eventType === 'key.recovered');
  assert.ok(recovered, 'key.recovered audited');
  assert.deepEqual(recovered.details.approvers, ['officer2', 'officer3']);
  assert.ok(onKey.some((e) => e.eventType === 'key.delivered' && e.details.requestId === id), 'recovery pickup audited');
  const verify = await auditor.post('/api/v1/audit/verify');
  assert.equal(verify.json.ok, true, JSON.stringify(verify.json.problems));
});

test('recovery of a certificate with no archived key is refused and audited; strangers cannot file', async () => {
  const { csr } = opensslCsr(h.dataDir, { san: 'email:sun.shi@yjt.demo.gov.cn' });
  const r = await h.client('requester').post('/api/v1/requests', {
    type: 'enroll',
    profile: 'person-authentication',
    subject: { kind: 'person', orgUnit: 'prov-demo', commonName: '孙十', email: 'sun.shi@yjt.demo.gov.cn' },
    csr,
  });
  const ok = await h.client('officer').post(`/api/v1/requests/${r.json.id}/approve`, {});
  assert.equal(ok.json.status, 'issued', JSON.stringify(ok.json));
  const serial = ok.json.resultSerial as string;

  const refused = await h.client('officer').post('/api/v1/requests', { type: 'recover', serial });
  assert.equal(refused.status, 409);
  assert.match(refused.json.error, /no archived encryption key/);
  const events = ((await h.client('auditor').get(`/api/v1/audit?objectId=${serial}`)).json.items as { eventType: string }[]).map((e) => e.eventType);
  assert.ok(events.includes('key.recovery-refused'), events.join(', '));

  // An account that neither holds ra.keys:recover nor requested the certificate cannot even see it.
  assert.equal((await h.client('requester2').post(`/api/v1/certificates/${signSerial}/recover`, {})).status, 404);
  assert.equal((await h.client('auditor').post(`/api/v1/certificates/${signSerial}/recover`, {})).status, 403);
});

test('the certificate’s own requester may file; the recovery can be rejected; OpenAPI documents the endpoints', async () => {
  const filed = await h.client('requester').post(`/api/v1/certificates/${encSerial}/recover`, {});
  assert.equal(filed.status, 201, JSON.stringify(filed.json));
  const rej = await h.client('officer').post(`/api/v1/requests/${filed.json.id}/reject`, { reason: 'no ticket from the subject' });
  assert.equal(rej.json.status, 'rejected');
  assert.equal((await h.client('requester').post(`/api/v1/requests/${filed.json.id}/recovered-key`, {})).status, 409);

  const api = await h.client('requester').get('/api/v1/openapi.json');
  assert.equal(api.status, 200);
  assert.ok(api.json.paths['/api/v1/certificates/{serial}/recover']?.post, 'recover documented');
  assert.ok(api.json.paths['/api/v1/requests/{id}/recovered-key']?.post, 'pickup documented');
  assert.match(JSON.stringify(api.json.paths['/api/v1/requests'].post.requestBody), /"recover"/);
});

test('CLI: recover → approve ×2 → recovered-key writes the PKCS#12 and envelope once and prints the one-time password', async () => {
  const filed = await cliAs(h, 'officer2', 'recover', signSerial, '--comment', 'CLI run', '--json');
  assert.equal(filed.code, 0, filed.stderr);
  const id = JSON.parse(filed.stdout).id as string;
  assert.equal((await cliAs(h, 'officer2', 'approve', id)).code, 1, 'not your own');
  assert.match((await cliAs(h, 'officer', 'approve', id)).stdout, /recover\s+submitted/);
  assert.match((await cliAs(h, 'officer3', 'approve', id)).stdout, /recover\s+completed/);
  const out = path.join(h.dataDir, 'cli-out');
  const got = await cliAs(h, 'officer2', 'recovered-key', id, '--out-dir', out, '--json');
  assert.equal(got.code, 0, got.stderr);
  const k = JSON.parse(got.stdout);
  assert.equal(fs.statSync(k.files.pkcs12).mode & 0o777, 0o600);
  const keyPem = execFileSync('openssl', ['pkcs12', '-in', k.files.pkcs12, '-passin', `pass:${k.oneTimePassword}`, '-nocerts', '-nodes'], { encoding: 'utf8' });
  assert.equal(execFileSync('openssl', ['pkey', '-pubout'], { input: keyPem, encoding: 'utf8' }), encPubKey);
  assert.equal(execFileSync('openssl', ['pkey', '-inform', 'DER', '-pubout'], { input: execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', signKey, '-in', k.files.envelope]), encoding: 'utf8' }), encPubKey);
  const again = await cliAs(h, 'officer2', 'recovered-key', id, '--out-dir', out);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /error 410/);
  const help = await cliAs(h, 'officer', 'recovered-key', '--help');
  assert.match(help.stdout, /Usage: ra-cli recovered-key REQUEST-ID --out-dir DIR/);
});

/**
 * Fault injection through the repository's SQL driver: the next INSERT of a recovery bundle fails
 * inside its transaction (which the driver then rolls back), as a full disk or a lost database
 * connection would make it fail. Fires once; `restore` puts the driver back.
 */
function failNextBundleWrite(driver: SqlDriver): { fired: () => number; restore: () => void } {
  const original = driver.transaction.bind(driver);
  let fired = 0;
  const faulty = (q: SqlExecutor): SqlExecutor => ({
    all: (sql, params) => q.all(sql, params),
    get: (sql, params) => q.get(sql, params),
    run: async (sql, params) => {
      if (!fired && /INSERT INTO key_escrow/.test(sql)) {
        fired++;
        throw new Error('injected: disk I/O error writing key_escrow');
      }
      return q.run(sql, params);
    },
  });
  Object.assign(driver, { transaction: <T>(fn: (q: SqlExecutor) => Promise<T>) => original((q) => fn(faulty(q))) });
  return { fired: () => fired, restore: () => void delete (driver as Partial<Pick<SqlDriver, 'transaction'>>).transaction };
}

test('recovery whose bundle write fails after the last approval: ca-error with the reason, approvals kept, retried once (CLI), one bundle, one pickup', async () => {
  const filed = await h.client('officer3').post(`/api/v1/certificates/${signSerial}/recover`, { comment: 'token broken' });
  assert.equal(filed.status, 201, JSON.stringify(filed.json));
  const id = filed.json.id as string;
  assert.equal((await h.client('officer').post(`/api/v1/requests/${id}/approve`, {})).json.status, 'submitted');

  const fault = failNextBundleWrite(h.svc.ra.repo.driver);
  let last;
  try {
    last = await h.client('officer2').post(`/api/v1/requests/${id}/approve`, {});
  } finally {
    fault.restore();
  }
  assert.equal(fault.fired(), 1, 'the bundle write was attempted and failed');
  assert.equal(last.status, 502, JSON.stringify(last.json));
  assert.match(last.json.error, /kept in ca-error.*retry/);

  const parked = (await h.client('officer').get(`/api/v1/requests/${id}`)).json;
  assert.equal(parked.status, 'ca-error');
  assert.match(parked.reason, /^recover error: injected: disk I\/O error writing key_escrow$/);
  assert.deepEqual(parked.approvals.map((a: { officerName: string }) => a.officerName), ['officer', 'officer2'], 'both approvals are recorded');
  const picked = await h.client('officer3').post(`/api/v1/requests/${id}/recovered-key`, {});
  assert.equal(picked.status, 409, 'nothing was stored, nothing to pick up');
  assert.match(picked.json.error, /did not complete \(recover error: injected.*retry/);
  const listed = (await h.client('officer').get('/api/v1/requests?status=ca-error&type=recover')).json.items as { id: string }[];
  assert.ok(listed.some((x) => x.id === id), 'an officer finds it among the ca-error requests');

  // The retry re-runs the unseal step only: no new approvals are asked for.
  const retried = await cliAs(h, 'officer', 'retry', id, '--comment', 'database disk replaced');
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stdout, /recover\s+completed/);
  const done = (await h.client('officer').get(`/api/v1/requests/${id}`)).json;
  assert.equal(done.resultSerial, encSerial);
  assert.equal(done.approvals.length, 2);
  assert.deepEqual(
    done.transitions.map((t: { from: string | null; to: string }) => `${t.from}>${t.to}`),
    ['null>submitted', 'submitted>approved', 'approved>ca-error', 'ca-error>approved', 'approved>completed'],
  );
  assert.equal((await h.client('officer').post(`/api/v1/requests/${id}/retry`, {})).status, 409, 'a completed recovery is not retried');

  const got = await h.client('officer3').post(`/api/v1/requests/${id}/recovered-key`, {});
  assert.equal(got.status, 200, JSON.stringify(got.json));
  const p12 = path.join(h.dataDir, 'retried.p12');
  fs.writeFileSync(p12, Buffer.from(got.json.pkcs12, 'base64'));
  const keyPem = execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', `pass:${got.json.oneTimePassword}`, '-nocerts', '-nodes'], { encoding: 'utf8' });
  assert.equal(execFileSync('openssl', ['pkey', '-pubout'], { input: keyPem, encoding: 'utf8' }), encPubKey, 'recovered key matches the encryption certificate');
  const env = path.join(h.dataDir, 'retried.sm2');
  fs.writeFileSync(env, Buffer.from(got.json.envelope, 'base64'));
  assert.equal(execFileSync('openssl', ['pkey', '-inform', 'DER', '-pubout'], { input: execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', signKey, '-in', env]), encoding: 'utf8' }), encPubKey);
  assert.equal((await h.client('officer3').post(`/api/v1/requests/${id}/recovered-key`, {})).status, 410, 'handed out once');
  assert.equal((await h.client('officer').post(`/api/v1/requests/${id}/retry`, {})).status, 409, 'a picked-up recovery is not retried');

  type Rec = { eventType: string; outcome: string; actorName: string; details: Record<string, unknown> };
  const auditor = h.client('auditor');
  const onRequest = (await auditor.get(`/api/v1/audit?objectId=${id}`)).json.items as Rec[];
  const caError = onRequest.filter((e) => e.eventType === 'request.ca-error');
  assert.equal(caError.length, 1);
  assert.equal(caError[0]!.outcome, 'failure');
  assert.equal(caError[0]!.actorName, 'officer2');
  assert.match(String(caError[0]!.details.reason), /injected: disk I\/O error/);
  const retriedAudit = onRequest.filter((e) => e.eventType === 'request.retried');
  assert.equal(retriedAudit.length, 1);
  assert.equal(retriedAudit[0]!.actorName, 'officer');
  assert.equal(retriedAudit[0]!.details.comment, 'database disk replaced');
  const onKey = ((await auditor.get(`/api/v1/audit?objectId=${encSerial}`)).json.items as Rec[]).filter((e) => e.details.requestId === id);
  const recovered = onKey.filter((e) => e.eventType === 'key.recovered');
  assert.equal(recovered.length, 1, 'one bundle: recovered once');
  assert.equal(recovered[0]!.actorName, 'kmc (retry by officer)');
  assert.deepEqual(recovered[0]!.details.approvers, ['officer', 'officer2'], 'the approvers are the two approvals, not the retrying officer');
  assert.equal(onKey.filter((e) => e.eventType === 'key.delivered').length, 1, 'delivered once');
  const verify = await auditor.post('/api/v1/audit/verify');
  assert.equal(verify.json.ok, true, JSON.stringify(verify.json.problems));
});
