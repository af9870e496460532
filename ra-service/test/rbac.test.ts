/**
 * Walks every API operation (from the served OpenAPI description, which is generated from the route
 * table) × every role: 401 without credentials, 403 without the permission, never 401/403 with it.
 * Also signs in with a client certificate issued by this RA (mTLS), and shows revocation locks it out.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { loadRolePolicy, permissionsOf } from '@emsoc/common';
import { RaClient } from '../src/client.js';
import { ACCOUNTS, opensslCsr, startHarness, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const DUMMY: Record<string, string> = { id: '00000000-0000-4000-8000-000000000000', serial: '0badc0de' };

test('role × endpoint matrix: 401 without credentials, 403 without permission, allowed otherwise; denials audited', async () => {
  const doc = (await h.client().get('/api/v1/openapi.json')).json;
  const policy = loadRolePolicy();
  const rows: string[] = [];
  let checked = 0;
  for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, { 'x-permissions': string[] | 'public' }>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const url = p.replace(/\{(\w+)\}/g, (_m, k: string) => DUMMY[k]!);
      const perms = op['x-permissions'];
      assert.ok(perms === 'public' || perms.length > 0, `${method} ${p} names no permission`);
      if (perms === 'public') continue;
      const anon = await h.client().request(method.toUpperCase(), url, method === 'get' ? undefined : {});
      assert.equal(anon.status, 401, `${method} ${p} without credentials`);
      const bad = await new RaClient({ baseUrl: h.baseUrl, ca: h.rootPem, token: 'emsoc_not-a-real-token' }).request(method.toUpperCase(), url, method === 'get' ? undefined : {});
      assert.equal(bad.status, 401, `${method} ${p} with an invalid token`);
      for (const [account, roles] of Object.entries(ACCOUNTS)) {
        const held = permissionsOf(policy, roles);
        const allowed = perms.some((x) => held.has(x));
        const res = await h.client(account).request(method.toUpperCase(), url, method === 'get' ? undefined : {});
        if (allowed) assert.ok(res.status !== 401 && res.status !== 403, `${account} (${roles}) on ${method} ${p}: ${res.status} ${res.body}`);
        else assert.equal(res.status, 403, `${account} (${roles}) on ${method} ${p}`);
        rows.push(`${method.toUpperCase().padEnd(5)} ${p.padEnd(42)} ${account.padEnd(10)} ${allowed ? 'allow' : 'deny '} ${res.status}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 20 * Object.keys(ACCOUNTS).length, `only ${checked} cells checked`);
  if (process.env.SOC_TEST_VERBOSE) console.log(rows.join('\n'));
  const audit = await h.client('auditor').get('/api/v1/audit?eventType=access.denied&limit=1000');
  assert.ok(audit.json.items.length > 50, 'permission denials are in the audit trail');
  const unauth = await h.client('auditor').get('/api/v1/audit?eventType=access.unauthenticated&limit=1000');
  assert.ok(unauth.json.items.length > 10, 'invalid credentials are in the audit trail');
  // No operation deletes or edits audit records.
  for (const m of ['DELETE', 'PUT', 'PATCH']) {
    assert.equal((await h.client('auditor').request(m, '/api/v1/audit')).status, 404);
    assert.equal((await h.client('auditor').request(m, '/api/v1/audit/1')).status, 404);
  }
});

test('mTLS: an officer signs in with a client certificate issued by this RA; revoked → refused', async () => {
  const requester = h.client('requester');
  const { csr, keyFile } = opensslCsr(h.dataDir, { key: 'ec:P-384', cn: 'officer' });
  const sub = await requester.post('/api/v1/requests', {
    type: 'enroll',
    profile: 'ra-officer',
    subject: { kind: 'person', orgUnit: 'prov-demo', commonName: '李审核', email: 'li.shenhe@yjt.demo.gov.cn', employeeId: 'E1001' },
    csr,
  });
  assert.equal(sub.status, 201, JSON.stringify(sub.json));
  assert.equal((await h.client('officer').post(`/api/v1/requests/${sub.json.id}/approve`, {})).json.status, 'submitted', 'first of two approvals');
  const done = await h.client('officer2').post(`/api/v1/requests/${sub.json.id}/approve`, {});
  assert.equal(done.json.status, 'issued');
  const pem: string = done.json.certificate;
  const der = new X509Certificate(pem).raw;
  h.identity.bindCertificate(h.accounts.officer!, createHash('sha256').update(der).digest('hex'), done.json.resultSerial);

  const mtls = new RaClient({ baseUrl: h.baseUrl, ca: h.rootPem, cert: pem, key: fs.readFileSync(keyFile, 'utf8') });
  const list = await mtls.get('/api/v1/requests');
  assert.equal(list.status, 200, String(list.body));
  assert.equal((await mtls.get('/api/v1/audit')).status, 403, 'an officer certificate carries officer permissions only');
  mtls.close();

  const rev = await h.client('officer2').post(`/api/v1/certificates/${done.json.resultSerial}/revoke`, { reason: 'affiliationChanged' });
  assert.equal(rev.status, 201);
  assert.equal((await h.client('officer').post(`/api/v1/requests/${rev.json.id}/approve`, {})).json.status, 'submitted');
  assert.equal((await h.client('raadmin').post(`/api/v1/requests/${rev.json.id}/approve`, {})).status, 403, 'ra-admin does not decide requests');
  assert.equal((await h.client('officer').post(`/api/v1/requests/${rev.json.id}/approve`, {})).status, 409, 'the same officer cannot approve twice');
  // officer2 requested the revocation, so a second distinct officer is needed: make one.
  const third = h.identity.createAccount({ name: 'officer3', roles: ['ra-officer'] });
  const t3 = h.identity.issueToken(third.id, 'test').token;
  const c3 = new RaClient({ baseUrl: h.baseUrl, ca: h.rootPem, token: t3 });
  assert.equal((await c3.post(`/api/v1/requests/${rev.json.id}/approve`, {})).json.status, 'completed');
  c3.close();
  const again = new RaClient({ baseUrl: h.baseUrl, ca: h.rootPem, cert: pem, key: fs.readFileSync(keyFile, 'utf8') });
  const refused = await again.get('/api/v1/requests');
  assert.equal(refused.status, 401);
  assert.match(refused.json.error, /revoked/);
  again.close();
});
