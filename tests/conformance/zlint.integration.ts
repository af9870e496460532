/**
 * Conformance of what the RA produces: one certificate per shipped profile (plus both roots and the
 * delegated OCSP responder certificate) goes through zlint — no `error` or `fatal` finding; every
 * `warn` must be one of those listed (with the reason) in ra-service/README.md — and every
 * certificate, CRL (full/delta, ECDSA and SM2) and OCSP response parses with openssl.
 * Needs zlint on PATH or in ~/go/bin (`.ci/install-tools.sh`).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { repoRoot } from '@emsoc/common';
import { children, content, fromPem, inspectCertificate, raw, readSingle, SeqReader, toPem } from '@emsoc/pki';
import { buildCertId, buildOcspRequest } from '@emsoc/pki/status-client/index';
import { loadProfiles, type Profile } from '../../ra-service/src/policy/profiles.js';
import { opensslCsr, startHarness, type Harness } from '../../ra-service/test/harness.js';

const run = promisify(execFile);
const zlint = [process.env.ZLINT, path.join(os.homedir(), 'go', 'bin', 'zlint'), 'zlint'].find((p) => p && spawnSync(p, ['-version']).status === 0);

/** The accepted warnings, as listed in ra-service/README.md ("zlint warnings accepted"). */
function acceptedWarnings(): Set<string> {
  const readme = fs.readFileSync(path.join(repoRoot, 'ra-service', 'README.md'), 'utf8');
  const section = readme.split('### zlint warnings accepted')[1]?.split('\n## ')[0] ?? '';
  return new Set([...section.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]!));
}

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

function subjectFor(p: Profile, n: number) {
  const kind = p.subjectKinds[0]!;
  const host = `conf-${n}.city.demo.internal`;
  return {
    kind,
    orgUnit: 'city-demo-hq',
    commonName: kind === 'person' ? `测试用户${n}` : host,
    ...(p.san.allowed.includes('email') ? { email: `user${n}@yjj.demo.gov.cn` } : {}),
    ...(p.san.allowed.includes('dns') ? { dnsNames: [host] } : {}),
    ...(p.san.allowed.includes('ip') ? { ipAddresses: [`10.20.0.${n}`] } : {}),
    serialNumber: `SN-${n}`,
  };
}

function csrFor(p: Profile, s: ReturnType<typeof subjectFor>): string {
  const san = [...(s.dnsNames ?? []).map((d) => `DNS:${d}`), ...(s.ipAddresses ?? []).map((i) => `IP:${i}`), ...(s.email ? [`email:${s.email}`] : [])].join(',');
  if (p.keys.sm2) {
    const key = path.join(h.dataDir, `sm2-${p.id}.key`);
    const out = path.join(h.dataDir, `sm2-${p.id}.csr`);
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', key]);
    execFileSync('openssl', ['req', '-new', '-key', key, '-sm3', '-sigopt', 'distid:1234567812345678', '-subj', '/CN=x', ...(san ? ['-addext', `subjectAltName=${san}`] : []), '-out', out]);
    return fs.readFileSync(out, 'utf8');
  }
  const key = p.keys.ecdsa?.length ? 'ec:P-256' : 'rsa:3072';
  return opensslCsr(h.dataDir, { key, san: san || undefined }).csr;
}

async function issueUnder(p: Profile, n: number): Promise<string> {
  const s = subjectFor(p, n);
  const r = await h.client('requester').post('/api/v1/requests', { type: 'enroll', profile: p.id, subject: s, csr: csrFor(p, s) });
  assert.equal(r.status, 201, `${p.id}: ${JSON.stringify(r.json)}`);
  let last = r.json;
  for (const officer of ['officer', 'officer2'].slice(0, p.approvals)) {
    last = (await h.client(officer).post(`/api/v1/requests/${r.json.id}/approve`, {})).json;
  }
  assert.equal(last.status, 'issued', `${p.id}: ${JSON.stringify(last)}`);
  return (await h.client('officer').get(`/api/v1/certificates/${last.resultSerial}`)).json.pem;
}

/**
 * Lint sources of the public Web-PKI trust programs (CA/Browser Forum BRs, EV, code signing, S/MIME;
 * Apple/Chrome/Mozilla root policies). They govern publicly-trusted certificates; this PKI is a
 * private one by design (`.internal` names, RFC 1918 addresses, org-unit DNs, its own policy OIDs), so
 * they are reported (diagnostic) but not asserted. See ra-service/README.md, "Conformance".
 */
export const PUBLIC_TRUST_SOURCES = ['CABF_BR', 'CABF_EV', 'CABF_CS_BR', 'CABF_SMIME_BR', 'Apple', 'Chrome', 'Mozilla'];

function lint(pemFile: string, exclude = PUBLIC_TRUST_SOURCES): Record<string, { result: string }> {
  return JSON.parse(execFileSync(zlint!, ['-pretty=false', ...(exclude.length ? ['-excludeSources', exclude.join(',')] : []), pemFile], { encoding: 'utf8' }));
}

test('zlint: no error/fatal on a certificate of every shipped non-SM2 profile, the ECDSA root and the OCSP responder (SM2 ones parsed by openssl); warnings only as documented', async (t) => {
  if (!zlint) return t.skip('zlint not installed (run .ci/install-tools.sh)');
  const accepted = acceptedWarnings();
  const files: Array<[string, string]> = [['root (ECDSA P-384)', path.join(h.dataDir, 'ca', 'root.pem')]];
  // zlint (Go's x509) cannot parse SM2 keys ("unsupported elliptic curve"): SM2 certificates are
  // covered by pki's preflight lint, OpenSSL parsing here, and ra-service/test/sm2.test.ts.
  const sm2Files: Array<[string, string]> = [['root (SM2)', path.join(h.dataDir, 'ca-sm2', 'root.pem')]];
  let n = 10;
  for (const p of loadProfiles().values()) {
    const f = path.join(h.dataDir, `conf-${p.id}.pem`);
    fs.writeFileSync(f, await issueUnder(p, n++));
    (p.keys.sm2 ? sm2Files : files).push([`profile ${p.id}`, f]);
  }
  // The delegated OCSP responder certificate travels in every OCSP response.
  const leaf = fromPem(fs.readFileSync(files[1]![1], 'utf8'), ['CERTIFICATE']);
  const req = buildOcspRequest(buildCertId(inspectCertificate(h.ca.certificateDer), inspectCertificate(leaf).serialNumber));
  const resp = new Uint8Array(await (await fetch(`${h.statusUrl}/ocsp`, { method: 'POST', body: Buffer.from(req), headers: { 'content-type': 'application/ocsp-request' } })).arrayBuffer());
  fs.writeFileSync(path.join(h.dataDir, 'resp.der'), resp);
  const responderCert = ocspResponseCertificates(resp)[0];
  assert.ok(responderCert, 'the response carries the delegated responder certificate');
  fs.writeFileSync(path.join(h.dataDir, 'ocsp-responder.pem'), toPem(responderCert, 'CERTIFICATE'));
  files.push(['delegated OCSP responder', path.join(h.dataDir, 'ocsp-responder.pem')]);

  for (const [what, f] of sm2Files) assert.match(execFileSync('openssl', ['x509', '-in', f, '-noout', '-text'], { encoding: 'utf8' }), /SM2-with-SM3/, what);
  const problems: string[] = [];
  const warnings = new Map<string, string[]>();
  const publicTrust: string[] = [];
  for (const [what, f] of files) {
    execFileSync('openssl', ['x509', '-in', f, '-noout', '-text']); // parses
    const all = lint(f, []);
    const applicable = lint(f);
    for (const [name, r] of Object.entries(all)) if (!(name in applicable) && (r.result === 'error' || r.result === 'fatal')) publicTrust.push(`${what}: ${name}`);
    for (const [name, r] of Object.entries(applicable)) {
      if (r.result === 'error' || r.result === 'fatal') problems.push(`${what}: ${name} = ${r.result}`);
      if (r.result === 'warn') warnings.set(name, [...(warnings.get(name) ?? []), what]);
    }
  }
  t.diagnostic(`zlint warnings: ${JSON.stringify(Object.fromEntries(warnings))}`);
  t.diagnostic(`public-trust (CA/B Forum, root programs) findings, not applicable to this private PKI: ${JSON.stringify(publicTrust)}`);
  assert.deepEqual(problems, []);
  const undocumented = [...warnings.keys()].filter((w) => !accepted.has(w));
  assert.deepEqual(undocumented, [], 'every zlint warning is listed with its reason in ra-service/README.md');
});

test('every CRL and OCSP response the status port serves parses with openssl', async () => {
  for (const name of ['root', 'root-delta', 'sm2-root', 'sm2-root-delta']) {
    const der = Buffer.from(await (await fetch(`${h.statusUrl}/crl/${name}.crl`)).arrayBuffer());
    const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: der, encoding: 'utf8' });
    assert.match(text, /Certificate Revocation List/, name);
  }
  const resp = path.join(h.dataDir, 'resp.der');
  if (fs.existsSync(resp)) {
    const out = await run('openssl', ['ocsp', '-respin', resp, '-noverify', '-resp_text']);
    assert.match(out.stdout, /OCSP Response Status: successful/);
  }
});

/** certs [0] EXPLICIT SEQUENCE OF Certificate inside the BasicOCSPResponse. */
function ocspResponseCertificates(der: Uint8Array): Uint8Array[] {
  const top = new SeqReader(readSingle(der, 0x30));
  top.next(0x0a);
  const rb = new SeqReader(new SeqReader(top.next(0xa0)).next(0x30));
  rb.next(0x06);
  const octets = rb.next(0x04);
  const basic = new SeqReader(readSingle(content(octets), 0x30));
  basic.next(0x30);
  basic.next(0x30);
  basic.next(0x03);
  const certs = basic.optional(0xa0);
  return certs ? children(new SeqReader(certs).next(0x30)).map(raw) : [];
}
