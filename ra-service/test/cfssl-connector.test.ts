/**
 * The cfssl connector against `cfssl serve` (Debian golang-cfssl) with an authenticated profile:
 * cfssl down → ca-error → retry once it is up → issued (serial chosen by cfssl, RA subject and SANs);
 * a wrong auth key is a refusal with cfssl's reason.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HttpError, freeTcpPort } from '@emsoc/common';
import { fromPem, inspectCertificate } from '@emsoc/pki';
import { CfsslConnector, cfsslConnectorConfig } from '../src/ca/cfssl/connector.js';
import { serialHexOf } from '../src/ca/issued.js';
import type { Caller } from '../src/ra.js';
import { execFileP, openssl, opensslPki, startTestRa, SUBJECT_DNS, SUBJECT_ID, type TestRa } from './cmp-fixtures.js';
import { opensslCsr, tmpDir } from './harness.js';

const KEY = '00112233445566778899aabbccddeeff';
const work = tmpDir('cfssl-');
let port = 0;
let cfssl: ChildProcess | undefined;
let ra: TestRa;
const requester: Caller = { id: 'req-1', name: 'requester', roles: ['ra-requester'], sourceIp: null, permissions: new Set(['ra.requests:submit']) };

async function startCfssl(): Promise<void> {
  fs.writeFileSync(
    path.join(work, 'cfssl.json'),
    JSON.stringify({
      signing: {
        default: { expiry: '168h', usages: ['digital signature'], auth_key: 'ra' },
        profiles: { 'service-automation': { expiry: '168h', usages: ['digital signature', 'server auth', 'client auth'], auth_key: 'ra' } },
      },
      auth_keys: { ra: { type: 'standard', key: KEY } },
    }),
  );
  cfssl = spawn('cfssl', ['serve', '-address', '127.0.0.1', '-port', String(port), '-ca', 'ca.pem', '-ca-key', 'ca.key', '-config', 'cfssl.json', '-loglevel', '2'], { cwd: work, stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false); // any HTTP answer: 1.2.0 has no health endpoint
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('cfssl serve did not start');
}

before(async () => {
  await opensslPki(work);
  fs.writeFileSync(path.join(work, 'auth.key'), `${KEY}\n`);
  port = await freeTcpPort();
  ra = await startTestRa(() => ({
    connector: 'cfssl',
    cfssl: { url: `http://127.0.0.1:${port}`, authKeyFile: path.join(work, 'auth.key'), profile: 'service-automation', caCertFile: path.join(work, 'ca.pem'), timeoutMs: 5000 },
  }));
});
after(async () => {
  cfssl?.kill();
  await ra?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('cfssl down → ca-error; retry after it starts → issued with the RA subject, SANs and cfssl serial', async () => {
  const { csr } = opensslCsr(work, { cn: 'anything', san: `DNS:${SUBJECT_DNS}` });
  await assert.rejects(ra.svc.ra.submit(requester, { type: 'enroll', profile: 'service-automation', subjectId: SUBJECT_ID, csr }), (e: Error) => e instanceof HttpError && e.status === 502);
  const [req] = await ra.svc.ra.repo.listRequests({ status: 'ca-error' });
  assert.match(req!.reason ?? '', /cfssl unreachable/);
  await startCfssl();
  // The officer's verb: ra-cli retry (POST /api/v1/requests/:id/retry).
  const cli = path.resolve(import.meta.dirname, '..', 'src', 'cli.ts');
  const out = await execFileP(process.execPath, ['--import', 'tsx', cli, 'retry', req!.id, '--url', `https://127.0.0.1:${ra.svc.ports.api}`, '--ca', path.join(ra.dataDir, 'ca', 'root.pem'), '--token-file', ra.officerTokenFile, '--comment', 'cfssl is up', '--json'], { timeout: 60_000 });
  assert.equal(JSON.parse(out.stdout).status, 'issued');
  const done = (await ra.svc.ra.repo.getRequest(req!.id))!;
  assert.equal(done.status, 'issued');
  assert.equal(done.transitions.at(-2)?.reason, 'cfssl is up');
  const rec = await ra.svc.ra.repo.getCertificate(done.resultSerial!);
  assert.equal(rec?.status, 'valid');
  const pem = path.join(work, 'issued.pem');
  fs.writeFileSync(pem, `-----BEGIN CERTIFICATE-----\n${Buffer.from(rec!.der!).toString('base64')}\n-----END CERTIFICATE-----\n`);
  await openssl(['verify', '-CAfile', 'ca.pem', pem], work);
  assert.equal(serialHexOf(inspectCertificate(rec!.der!).serialNumber), done.resultSerial);
  const text = (await openssl(['x509', '-in', pem, '-noout', '-text', '-nameopt', 'utf8'], work)).stdout;
  assert.match(text, new RegExp(`DNS:${SUBJECT_DNS}`));
  assert.match(text, /CN ?= ?gw-1/, 'subject from the RA profile template, not the CSR');
  assert.match(text, /OU ?= ?/);
});

test('wrong auth key: cfssl refuses and the connector reports why', async () => {
  fs.writeFileSync(path.join(work, 'bad.key'), 'ffeeddccbbaa99887766554433221100\n');
  const c = new CfsslConnector(cfsslConnectorConfig.parse({ url: `http://127.0.0.1:${port}`, authKeyFile: path.join(work, 'bad.key'), profile: 'service-automation', caCertFile: path.join(work, 'ca.pem') }), work, ra.svc.ra.repo);
  const csrDer = fromPem(opensslCsr(work, { san: `DNS:${SUBJECT_DNS}` }).csr, ['CERTIFICATE REQUEST']);
  const ee = inspectCertificate(fromPem(fs.readFileSync(path.join(work, 'ee.pem'), 'utf8'), ['CERTIFICATE']));
  const prepared = { tbsDer: ee.tbs, serialHex: '01', notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000) } as never;
  await assert.rejects(c.issue({ prepared, csrDer, profile: {} as never }), /cfssl refused.*(auth|token|Unauthorized|invalid)/i);
  await assert.rejects(c.issue({ prepared, csrDer: null, profile: {} as never }), /CSRs only/);
  await c.close();
});
