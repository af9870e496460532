/**
 * Status port against real OpenSSL: OCSP (POST with nonce, GET per RFC 6960 Appendix A) for good,
 * held and revoked certificates, full + delta CRLs with `openssl verify -crl_check` (file and
 * -crl_download), the propagation bound for changes made behind this node's back, and bad input.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readSingle } from '@emsoc/pki';
import { createLogger } from '@emsoc/common';
import { statusAuthority } from '../src/status/authority.js';
import { CrlPublisher } from '../src/status/crl-publisher.js';
import { opensslCsr, startHarness, type Harness } from './harness.js';

const BOUND_S = 1;
let h: Harness;
let root: string;
before(async () => {
  h = await startHarness({ service: { status: { maxPropagationSeconds: BOUND_S } } });
  root = path.join(h.dataDir, 'ca', 'root.pem');
});
after(async () => {
  await h?.close();
});

let n = 0;
async function issue(): Promise<{ serial: string; file: string }> {
  const id = `status-${++n}`;
  const r = await h.client('requester').post('/api/v1/requests', {
    type: 'enroll',
    profile: 'person-authentication',
    subject: { kind: 'person', orgUnit: 'city-demo-hq', commonName: id, email: `${id}@yjj.demo.gov.cn` },
    csr: opensslCsr(h.dataDir).csr,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const ok = await h.client('officer').post(`/api/v1/requests/${r.json.id}/approve`, {});
  assert.equal(ok.json.status, 'issued', JSON.stringify(ok.json));
  const file = path.join(h.dataDir, `${id}.pem`);
  fs.writeFileSync(file, ok.json.certificate);
  return { serial: ok.json.resultSerial, file };
}

async function decide(serial: string, action: 'revoke' | 'suspend' | 'resume', body: object = {}) {
  const r = await h.client('officer').post(`/api/v1/certificates/${serial}/${action}`, body);
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const ok = await h.client('officer2').post(`/api/v1/requests/${r.json.id}/approve`, {});
  assert.equal(ok.json.status, 'completed', JSON.stringify(ok.json));
}

const run = promisify(execFile);

/** Async: openssl talks to the status port served by this very process. */
async function ocspPost(cert: string): Promise<string> {
  const r = await run('openssl', ['ocsp', '-url', `${h.statusUrl}/ocsp`, '-issuer', root, '-cert', cert, '-CAfile', root, '-resp_text'], { encoding: 'utf8' });
  return r.stdout + r.stderr;
}

/** OpenSSL builds the request; we send it as RFC 6960 GET and OpenSSL checks the answer. */
async function ocspGet(cert: string): Promise<{ text: string; headers: Headers }> {
  const req = path.join(h.dataDir, 'req.der');
  const resp = path.join(h.dataDir, 'resp.der');
  execFileSync('openssl', ['ocsp', '-issuer', root, '-cert', cert, '-no_nonce', '-reqout', req], { stdio: 'pipe' });
  const b64 = encodeURIComponent(fs.readFileSync(req).toString('base64'));
  const r = await fetch(`${h.statusUrl}/ocsp/${b64}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/ocsp-response');
  fs.writeFileSync(resp, Buffer.from(await r.arrayBuffer()));
  const out = await run('openssl', ['ocsp', '-respin', resp, '-issuer', root, '-cert', cert, '-CAfile', root, '-no_nonce', '-resp_text'], { encoding: 'utf8' });
  return { text: out.stdout + out.stderr, headers: r.headers };
}

async function fetchCrl(name: string): Promise<string> {
  const r = await fetch(`${h.statusUrl}/crl/${name}.crl`);
  assert.equal(r.status, 200);
  const der = path.join(h.dataDir, `${name}.der`);
  fs.writeFileSync(der, Buffer.from(await r.arrayBuffer()));
  execFileSync('openssl', ['crl', '-inform', 'DER', '-in', der, '-out', path.join(h.dataDir, `${name}.pem`)]);
  return execFileSync('openssl', ['crl', '-inform', 'DER', '-in', der, '-noout', '-text'], { encoding: 'utf8' });
}

async function verifyWithCrl(cert: string, extra: string[] = []): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await run('openssl', ['verify', '-crl_check', '-CAfile', root, ...extra, cert], { encoding: 'utf8' });
    return { ok: true, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${x.stdout ?? ''}${x.stderr ?? ''}` };
  }
}

test('issued certificates carry the OCSP URL; openssl ocsp (POST with nonce, and GET) says good', async () => {
  const { file } = await issue();
  const aia = execFileSync('openssl', ['x509', '-in', file, '-noout', '-ext', 'authorityInfoAccess'], { encoding: 'utf8' });
  assert.match(aia, new RegExp(`OCSP - URI:http://127\\.0\\.0\\.1:${h.config.ra.statusPort}/ocsp`));
  assert.match(aia, /CA Issuers - URI:http:\/\/127\.0\.0\.1:\d+\/ca\/root\.crt/);
  const post = await ocspPost(file);
  assert.match(post, /Response verify OK/);
  assert.match(post, new RegExp(`${file.replace(/[/.]/g, '\\$&')}: good`));
  assert.match(post, /OCSP Nonce/, 'the nonce is echoed');
  assert.doesNotMatch(post, /WARNING: no nonce/);
  const get = await ocspGet(file);
  assert.match(get.text, /Response verify OK/);
  assert.match(get.text, /: good/);
  assert.match(get.headers.get('cache-control') ?? '', /max-age=\d+/);
  // Second GET is served from the pre-signed cache: byte-identical.
  const again = await ocspGet(file);
  assert.equal(again.headers.get('etag'), get.headers.get('etag'));
});

test('suspend → revoked (certificateHold) in OCSP, full and delta CRL, openssl verify -crl_check fails; resume → good again', async () => {
  const { serial, file } = await issue();
  assert.ok((await verifyWithCrl(file, ['-crl_download'])).ok, 'valid certificate passes -crl_download');
  const cached = await ocspGet(file); // primes the response cache with "good"
  assert.match(cached.text, /: good/);
  await decide(serial, 'suspend', { comment: '设备遗失待查' });
  const post = await ocspPost(file);
  assert.match(post, /: revoked/);
  assert.match(post, /Reason: certificateHold/);
  assert.match((await ocspGet(file)).text, /Reason: certificateHold/, 'cached good answer was invalidated');
  const full = await fetchCrl('root');
  assert.match(full, new RegExp(`${serial.toUpperCase()}[\\s\\S]*?Certificate Hold`));
  assert.match(full, /X509v3 Freshest CRL/);
  assert.match(full, new RegExp(`URI:http://127\\.0\\.0\\.1:${h.config.ra.statusPort}/crl/root-delta\\.crl`));
  const delta = await fetchCrl('root-delta');
  assert.match(delta, /X509v3 Delta CRL Indicator: critical/);
  assert.match(delta, new RegExp(serial.toUpperCase()));
  const v = await verifyWithCrl(file, ['-CRLfile', path.join(h.dataDir, 'root.pem')]);
  assert.equal(v.ok, false);
  assert.match(v.out, /certificate revoked/);
  const dl = await verifyWithCrl(file, ['-crl_download']);
  assert.equal(dl.ok, false, 'openssl fetched the CRL from the CDP and found the serial');
  assert.match(dl.out, /certificate revoked/);

  await decide(serial, 'resume');
  assert.match(await ocspPost(file), /: good/);
  assert.doesNotMatch(await fetchCrl('root'), new RegExp(serial.toUpperCase()));
  assert.ok((await verifyWithCrl(file, ['-CRLfile', path.join(h.dataDir, 'root.pem')])).ok);

  await decide(serial, 'revoke', { reason: 'keyCompromise' });
  const rev = await ocspPost(file);
  assert.match(rev, /: revoked/);
  assert.match(rev, /Reason: keyCompromise/);
});

test(`a change made behind this node's back (another RA node, same database) reaches OCSP and CRL within the ${BOUND_S} s bound`, async () => {
  const { serial, file } = await issue();
  assert.match((await ocspGet(file)).text, /: good/); // cached
  const repo = h.svc.ra.repo;
  const t0 = Date.now();
  assert.ok(await repo.tx((w) => w.setCertificateStatus(serial, ['valid'], 'suspended', new Date().toISOString(), 'certificateHold')));
  let seenOcsp = 0;
  let seenCrl = 0;
  while ((!seenOcsp || !seenCrl) && Date.now() - t0 < 10_000) {
    if (!seenOcsp && /Reason: certificateHold/.test((await ocspGet(file)).text)) seenOcsp = Date.now() - t0;
    if (!seenCrl && new RegExp(serial.toUpperCase()).test(await fetchCrl('root'))) seenCrl = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(seenOcsp > 0 && seenOcsp <= BOUND_S * 1000 + 1500, `OCSP saw the hold after ${seenOcsp} ms`);
  assert.ok(seenCrl > 0 && seenCrl <= BOUND_S * 1000 + 1500, `CRL listed it after ${seenCrl} ms`);
  assert.ok(await repo.tx((w) => w.setCertificateStatus(serial, ['suspended'], 'valid', null, null)));
  const t1 = Date.now();
  while (!/: good/.test((await ocspGet(file)).text)) {
    assert.ok(Date.now() - t1 < BOUND_S * 1000 + 1500, 'resumption did not reach OCSP within the bound');
    await new Promise((r) => setTimeout(r, 100));
  }
});

test('delta CRL lists a resumption since its base as removeFromCRL', async () => {
  const a = statusAuthority('root', h.ca.certificateDer, h.ca.signer, () => true);
  const pub = new CrlPublisher(a, h.svc.ra.repo, { fullValidityHours: 24, deltaValiditySeconds: 900, deltaBaseSeconds: 3600, deltaUrl: 'http://x/crl/root-delta.crl' }, createLogger('t', 'silent'));
  const t0 = new Date();
  await pub.publish([{ serial: '0a1b2c', revokedAt: t0.toISOString(), reason: 'certificateHold' }], t0);
  await pub.publish([{ serial: '0d0e0f', revokedAt: t0.toISOString(), reason: 'keyCompromise' }], new Date(t0.getTime() + 1000));
  const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: pub.delta!.der, encoding: 'utf8' });
  assert.match(text, /Delta CRL Indicator: critical\s+\d+/);
  assert.match(text, /0A1B2C[\s\S]*?Remove From CRL/);
  assert.match(text, /0D0E0F[\s\S]*?Key Compromise/);
  assert.equal(pub.delta!.entries, 2);
  assert.equal(pub.full!.entries, 1);
  const fullText = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: pub.full!.der, encoding: 'utf8' });
  assert.doesNotMatch(fullText, /0A1B2C/);
  assert.ok(pub.delta!.number > pub.full!.number, 'delta and full share one number sequence');
});

test('malformed, empty, oversize and unknown-issuer OCSP requests get an OCSP error status; the port keeps serving', async () => {
  const status = async (init: RequestInit, p = '/ocsp') => {
    const r = await fetch(`${h.statusUrl}${p}`, init);
    assert.equal(r.status, 200);
    const der = new Uint8Array(await r.arrayBuffer());
    const t = readSingle(der, 0x30);
    return der[t.contentStart + 2]; // ENUMERATED value
  };
  const post = (body: Uint8Array): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: Buffer.from(body) });
  assert.equal(await status(post(Buffer.from('not der at all'))), 1);
  assert.equal(await status(post(new Uint8Array(0))), 1);
  assert.equal(await status(post(new Uint8Array(100_000).fill(0x30))), 1);
  assert.equal(await status({}, '/ocsp/%%%not-base64'), 1);
  assert.equal(await status({}, '/ocsp/'), 1);
  // A well-formed request for a certificate of some other CA: unauthorized (6).
  const other = path.join(h.dataDir, 'other');
  fs.mkdirSync(other, { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${other}/k.pem`, '-out', `${other}/c.pem`, '-subj', '/CN=other', '-days', '2'], { stdio: 'pipe' });
  execFileSync('openssl', ['ocsp', '-issuer', `${other}/c.pem`, '-cert', `${other}/c.pem`, '-reqout', `${other}/req.der`], { stdio: 'pipe' });
  assert.equal(await status(post(fs.readFileSync(`${other}/req.der`))), 6);
  assert.equal((await fetch(`${h.statusUrl}/ocsp`, { method: 'PUT' })).status, 405);
  assert.equal((await fetch(`${h.statusUrl}/healthz`)).status, 200);
});
