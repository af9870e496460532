/**
 * Malformed input never crashes the RA and never stores anything: every must-fail CSR and certificate
 * case from the shared corpora (mbedtls, Boulder, x509-limbo) is submitted through the API and gets a
 * 4xx with a reason; oversize bodies get 413 before parsing; unknown JSON fields get 400.
 */
import assert from 'node:assert/strict';
import { checkPrimeSync, createPrivateKey, createPublicKey, generatePrimeSync, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { sharedDataDir } from '@emsoc/common';
import { algorithmIdentifier, bitString, constructed, encodeName, integer, sequence, toPem } from '@emsoc/pki';
import { opensslCsr, startHarness, type Harness } from './harness.js';

const X509 = path.join(sharedDataDir, 'x509');
let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

function counts() {
  const db = new Database(path.join(h.dataDir, 'ra.db'), { readonly: true });
  const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
  const out = { requests: n('requests'), certificates: n('certificates'), subjects: n('subjects'), escrow: n('key_escrow') };
  db.close();
  return out;
}

const pem = (der: Buffer, label = 'CERTIFICATE REQUEST') => `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
const subject = { kind: 'service', orgUnit: 'prov-demo', commonName: 'probe', dnsNames: ['probe.demo.internal'] };

async function submitCsr(csr: string) {
  return h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: 'tls-server', subject, csr });
}

interface Case {
  source: string;
  name: string;
  csr: string;
}

function corpus(): Case[] {
  const out: Case[] = [];
  const vectors = JSON.parse(fs.readFileSync(path.join(X509, 'mbedtls', 'x509parse_vectors.json'), 'utf8')) as {
    cases: { description: string; function: string; args: unknown[] }[];
  };
  for (const c of vectors.cases) {
    const expected = c.args[c.args.length - 1] as { symbol?: string } | string;
    const fails = typeof expected === 'object' && expected?.symbol !== undefined && expected.symbol !== '0';
    if (!fails) continue;
    if (c.function === 'mbedtls_x509_csr_parse' || c.function === 'x509parse_crt' || c.function === 'x509parse_crl') {
      const label = c.function === 'mbedtls_x509_csr_parse' ? 'CERTIFICATE REQUEST' : 'CERTIFICATE REQUEST';
      out.push({ source: 'mbedtls', name: `${c.function}: ${c.description}`, csr: pem(Buffer.from(String(c.args[0]), 'hex'), label) });
      // The same bytes as a "DER string" (no PEM armour) must be refused as well.
      out.push({ source: 'mbedtls', name: `${c.description} (raw)`, csr: Buffer.from(String(c.args[0]), 'hex').toString('latin1') || '\u0000' });
    }
  }
  for (const f of ['bad_algorithm', 'invalid_signature', 'short_key', 'ct_poison_extension', 'long_cn']) {
    out.push({ source: 'boulder', name: f, csr: pem(fs.readFileSync(path.join(X509, 'boulder-csr', `${f}.der.csr`))) });
  }
  for (const f of ['explicit_curve_ca.csr', 'explicit_curve_leaf.csr']) {
    out.push({ source: 'x509-limbo', name: f, csr: fs.readFileSync(path.join(X509, 'x509-limbo', f), 'utf8') });
  }
  // Certificates are not requests: every certificate in the corpora is refused as a CSR.
  for (const f of ['negative_serial.pem', 'explicit_curve_ca.pem', 'cryptography.io.pem']) {
    out.push({ source: 'x509-limbo', name: `certificate ${f}`, csr: fs.readFileSync(path.join(X509, 'x509-limbo', f), 'utf8') });
  }
  for (const f of ['9999-years-rsa-cert.pem', 'invalid_email_tag.pem']) {
    out.push({ source: 'asn1crypto', name: `certificate ${f}`, csr: fs.readFileSync(path.join(X509, 'asn1crypto', f), 'utf8') });
  }
  return out;
}

test('must-fail CSR and certificate corpora: 4xx with a reason, nothing stored', async (t) => {
  if (!fs.existsSync(X509)) return t.skip(`shared data not found at ${X509}`);
  const cases = corpus();
  assert.ok(cases.length > 100, `only ${cases.length} cases`);
  const before = counts();
  const byStatus: Record<number, number> = {};
  for (const c of cases) {
    const res = await submitCsr(c.csr);
    byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
    assert.ok(res.status >= 400 && res.status < 500, `${c.source} ${c.name}: ${res.status} ${String(res.body).slice(0, 200)}`);
    assert.ok(typeof res.json?.error === 'string' && res.json.error.length > 5, `${c.source} ${c.name}: no reason`);
  }
  assert.deepEqual(counts(), before);
  t.diagnostic(`${cases.length} cases: ${JSON.stringify(byStatus)}`);
  // Specific reasons for the Boulder cases.
  const reason = async (f: string) => (await submitCsr(pem(fs.readFileSync(path.join(X509, 'boulder-csr', `${f}.der.csr`))))).json.error as string;
  assert.match(await reason('bad_algorithm'), /weak-signature-algorithm|sha1/i);
  assert.match(await reason('invalid_signature'), /bad-signature|proof of possession/);
  assert.match(await reason('short_key'), /rsa-key-too-small/);
  assert.match(await reason('ct_poison_extension'), /forbidden-extension/);
  assert.match(await reason('long_cn'), /bad-subject|64/);
  // A well-formed CSR for names the subject does not own: refused by policy, per name.
  const ecdsa = await submitCsr(pem(fs.readFileSync(path.join(X509, 'boulder-csr', 'ecdsa.der.csr'))));
  assert.equal(ecdsa.status, 422);
  const health = await h.client().get('/healthz');
  assert.equal(health.status, 200, 'still serving');
});

test('oversize bodies are refused before parsing (413); unknown fields and bad JSON (400); nothing stored', async () => {
  const before = counts();
  const big = await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: 'tls-server', subject, csr: 'A'.repeat(300 * 1024) });
  assert.equal(big.status, 413);
  const raw = await h.client('requester').request('POST', '/api/v1/requests', '{"type":"enroll",', { 'Content-Type': 'application/json' });
  assert.equal(raw.status, 400);
  const extra = await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: 'tls-server', subject, csr: opensslCsr(h.dataDir).csr, isCA: true });
  assert.equal(extra.status, 400);
  assert.match(JSON.stringify(extra.json), /isCA|unrecognized/i);
  const extraSubject = await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: 'tls-server', subject: { ...subject, admin: true }, csr: opensslCsr(h.dataDir).csr });
  assert.equal(extraSubject.status, 400);
  const text = await h.client('requester').request('POST', '/api/v1/requests', 'type=enroll', { 'Content-Type': 'text/plain' });
  assert.equal(text.status, 400);
  const unknownProfile = await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: 'no-such', subject, csr: opensslCsr(h.dataDir).csr });
  assert.equal(unknownProfile.status, 400);
  const unknownUnit = await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: 'tls-server', subject: { ...subject, orgUnit: 'nowhere' }, csr: opensslCsr(h.dataDir).csr });
  assert.equal(unknownUnit.status, 400);
  const badQuery = await h.client('officer').get('/api/v1/requests?status=bogus');
  assert.equal(badQuery.status, 400);
  const badSerial = await h.client('officer').get('/api/v1/certificates/XYZ');
  assert.equal(badSerial.status, 400);
  assert.deepEqual(counts(), before);
});

/** A 2048-bit RSA key whose primes are neighbours (p, then the next prime after it): Fermat factors it at once. */
function closePrimeRsaCsr(): string {
  const p = generatePrimeSync(1024, { bigint: true });
  let q = p + 2n;
  while (!checkPrimeSync(q)) q += 2n;
  const n = p * q;
  const e = 65537n;
  const modInv = (a: bigint, m: bigint) => {
    let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
    while (r1 !== 0n) {
      const k = r0 / r1;
      [r0, r1, s0, s1] = [r1, r0 - k * r1, s1, s0 - k * s1];
    }
    return ((s0 % m) + m) % m;
  };
  const d = modInv(e, (p - 1n) * (q - 1n));
  const b64 = (x: bigint) => Buffer.from(x.toString(16).padStart(Math.ceil(x.toString(16).length / 2) * 2, '0'), 'hex').toString('base64url');
  const key = createPrivateKey({ key: { kty: 'RSA', n: b64(n), e: b64(e), d: b64(d), p: b64(p), q: b64(q), dp: b64(d % (p - 1n)), dq: b64(d % (q - 1n)), qi: b64(modInv(q, p)) }, format: 'jwk' });
  const spki = new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  const cri = sequence(integer(0), encodeName([{ type: 'CN', value: 'probe' }]), spki, constructed(0xa0, []));
  return toPem(sequence(cri, algorithmIdentifier('1.2.840.113549.1.1.11', null), bitString(sign('sha256', cri, key))), 'CERTIFICATE REQUEST');
}

test('an RSA key with close primes is refused as weak (422 key.weak, decided at CSR intake); nothing stored', async () => {
  const before = counts();
  const r = await submitCsr(closePrimeRsaCsr());
  assert.equal(r.status, 422, JSON.stringify(r.json));
  assert.ok(r.json.details.some((v: { rule: string; message: string }) => v.rule === 'key.weak' && /Fermat/.test(v.message)), JSON.stringify(r.json));
  assert.deepEqual(counts(), before);
});
