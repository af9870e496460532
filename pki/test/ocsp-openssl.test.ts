/**
 * The responder against the real `openssl ocsp` client: requests made by OpenSSL, responses
 * checked by OpenSSL (signature, statuses, reasons, nonce).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromPem } from '../src/der/index.js';
import { createKeySigner } from '../src/signers.js';
import { OcspResponder, handleOcspHttp, type CertStatus, type StatusSource } from '../src/ocsp/index.js';
import { OID_SM2_WITH_SM3, Sm2Signer, Sm2Verifier, importSm2PrivateKey } from '../src/sm2/index.js';
import { content, readBitString, readSingle, SeqReader, raw } from '../src/der/index.js';

function hasOpenSsl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const skip = hasOpenSsl() ? false : 'openssl not found on PATH';

const dir = mkdtempSync(join(tmpdir(), 'ocsp-ossl-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const f = (name: string) => join(dir, name);
/** Runs openssl for fixtures; throws on failure. */
function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
/** Runs openssl to check a result: stdout and stderr together (ocsp reports verification on stderr), never throws. */
function opensslAll(...args: string[]): string {
  return execFileSync('sh', ['-c', 'openssl "$@" 2>&1; echo "exit=$?"', 'sh', ...args], { cwd: dir, encoding: 'utf8' });
}
const pemCert = (name: string) => fromPem(readFileSync(f(name), 'utf8'), ['CERTIFICATE']);

const SERIAL_GOOD = '1001';
const SERIAL_REVOKED = '1002';
const SERIAL_HOLD = '1003';
const REVOKED_AT = new Date('2026-03-04T05:06:07Z');

function fixtures(): void {
  writeFileSync(f('ext.cnf'), [
    '[ca]', 'basicConstraints=critical,CA:true', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash',
    '[leaf]', 'basicConstraints=CA:false', 'keyUsage=critical,digitalSignature',
    '[responder]', 'basicConstraints=CA:false', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=OCSPSigning',
  ].join('\n'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-subj', '/C=CN/O=EMSOC Test/CN=OCSP Test CA', '-days', '30', '-extensions', 'ca', '-config', 'ext.cnf', '-out', 'ca.pem');
  openssl('req', '-new', ...ec, '-keyout', 'leaf.key', '-subj', '/CN=leaf', '-out', 'leaf.csr');
  for (const serial of [SERIAL_GOOD, SERIAL_REVOKED, SERIAL_HOLD]) {
    openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${serial}`, '-days', '5', '-extfile', 'ext.cnf', '-extensions', 'leaf', '-out', `leaf-${serial}.pem`);
  }
  openssl('req', '-new', ...ec, '-keyout', 'resp.key', '-subj', '/CN=OCSP Responder', '-out', 'resp.csr');
  openssl('x509', '-req', '-in', 'resp.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '0x5001', '-days', '5', '-extfile', 'ext.cnf', '-extensions', 'responder', '-out', 'resp.pem');
  // An unrelated CA the responder does not serve.
  openssl('req', '-x509', ...ec, '-keyout', 'other.key', '-subj', '/CN=Other CA', '-days', '30', '-out', 'other.pem');
}

class MapSource implements StatusSource {
  readonly seen: string[] = [];
  constructor(readonly statuses: Map<string, CertStatus>) {}
  lookup(id: { serialHex: string }): CertStatus {
    this.seen.push(id.serialHex);
    return this.statuses.get(id.serialHex) ?? { status: 'unknown' };
  }
}

function source(): MapSource {
  return new MapSource(new Map<string, CertStatus>([
    [SERIAL_GOOD, { status: 'good' }],
    [SERIAL_REVOKED, { status: 'revoked', revokedAt: REVOKED_AT, reason: 1 }],
    [SERIAL_HOLD, { status: 'revoked', revokedAt: REVOKED_AT, reason: 6 }],
  ]));
}

if (!skip) fixtures();

test('multi-CertID request with nonce: OpenSSL verifies signature, statuses, reasons and nonce', { skip }, async () => {
  const responder = new OcspResponder({
    issuers: [{ caCertificate: pemCert('ca.pem'), signer: createKeySigner(createPrivateKey(readFileSync(f('ca.key')))) }],
    statusSource: source(),
  });
  openssl('ocsp', '-issuer', 'ca.pem', '-cert', `leaf-${SERIAL_GOOD}.pem`, '-cert', `leaf-${SERIAL_REVOKED}.pem`, '-cert', `leaf-${SERIAL_HOLD}.pem`, '-serial', '0x4242', '-reqout', 'req.der');
  const result = await responder.respond(new Uint8Array(readFileSync(f('req.der'))));
  assert.equal(result.responseStatus, 'successful');
  assert.equal(result.nonce, true);
  assert.equal(result.cached, false);
  writeFileSync(f('resp.der'), result.der);

  const verify = opensslAll('ocsp', '-respin', 'resp.der', '-reqin', 'req.der', '-VAfile', 'ca.pem', '-resp_text');
  assert.match(verify, /Response verify OK/);
  assert.doesNotMatch(verify, /Nonce Verify error|WARNING: no nonce/i);
  const blocks = verify.split('Certificate ID:').slice(1);
  assert.equal(blocks.length, 4);
  assert.match(blocks[0]!, /Serial Number: 1001[\s\S]*Cert Status: good/);
  assert.match(blocks[1]!, /Serial Number: 1002[\s\S]*Cert Status: revoked[\s\S]*Revocation Time: Mar\s+4 05:06:07 2026 GMT[\s\S]*Revocation Reason: keyCompromise \(0x1\)/);
  assert.match(blocks[2]!, /Serial Number: 1003[\s\S]*Cert Status: revoked[\s\S]*Revocation Reason: certificateHold \(0x6\)/);
  assert.match(blocks[3]!, /Serial Number: 4242[\s\S]*Cert Status: unknown/);
  assert.match(verify, /Response Extensions:\s*OCSP Nonce:/);

  // The per-certificate summary through the normal client path (-CAfile chain validation).
  const summary = opensslAll('ocsp', '-respin', 'resp.der', '-CAfile', 'ca.pem', '-issuer', 'ca.pem', '-no_nonce',
    '-cert', `leaf-${SERIAL_GOOD}.pem`, '-cert', `leaf-${SERIAL_REVOKED}.pem`, '-cert', `leaf-${SERIAL_HOLD}.pem`, '-serial', '0x4242');
  assert.match(summary, /Response verify OK/);
  assert.match(summary, /leaf-1001\.pem: good/);
  assert.match(summary, /leaf-1002\.pem: revoked[\s\S]*Reason: keyCompromise/);
  assert.match(summary, /leaf-1003\.pem: revoked[\s\S]*Reason: certificateHold/);
  assert.match(summary, /0x4242: unknown/);

  // The nonce really is checked: a response to one request does not satisfy another request.
  openssl('ocsp', '-issuer', 'ca.pem', '-cert', `leaf-${SERIAL_GOOD}.pem`, '-reqout', 'req2.der');
  assert.match(opensslAll('ocsp', '-respin', 'resp.der', '-reqin', 'req2.der', '-VAfile', 'ca.pem'), /Nonce Verify error/);
  assert.deepEqual({ signed: responder.stats.signed, good: responder.stats.good, revoked: responder.stats.revoked, unknown: responder.stats.unknown }, { signed: 1, good: 1, revoked: 2, unknown: 1 });
});

test('nonce-free requests are served pre-signed from the cache until the serial is invalidated', { skip }, async () => {
  const src = source();
  const responder = new OcspResponder({
    issuers: [{ caCertificate: pemCert('ca.pem'), signer: createKeySigner(createPrivateKey(readFileSync(f('ca.key')))) }],
    statusSource: src,
  });
  openssl('ocsp', '-issuer', 'ca.pem', '-cert', `leaf-${SERIAL_GOOD}.pem`, '-no_nonce', '-reqout', 'plain.der');
  const req = new Uint8Array(readFileSync(f('plain.der')));
  // Pre-signed ahead of demand with the CertID encoding OpenSSL clients use.
  assert.equal(await responder.presign([Uint8Array.of(0x10, 0x01)]), 1);
  const first = await responder.respond(req);
  const second = await responder.respond(req);
  assert.equal(first.cached, true, 'presigned CertID matches the OpenSSL request byte for byte');
  assert.equal(second.cached, true);
  assert.deepEqual(second.der, first.der);
  assert.equal(src.seen.length, 1, 'a cache hit must not consult the status source');
  writeFileSync(f('cached.der'), second.der);
  assert.match(opensslAll('ocsp', '-respin', 'cached.der', '-CAfile', 'ca.pem', '-issuer', 'ca.pem', '-cert', `leaf-${SERIAL_GOOD}.pem`, '-no_nonce'), /Response verify OK[\s\S]*: good/);

  src.statuses.set(SERIAL_GOOD, { status: 'revoked', revokedAt: new Date(), reason: 6 });
  assert.equal(responder.invalidateSerial(SERIAL_GOOD), 1);
  const third = await responder.respond(req);
  assert.equal(third.cached, false);
  writeFileSync(f('held.der'), third.der);
  assert.match(opensslAll('ocsp', '-respin', 'held.der', '-CAfile', 'ca.pem', '-issuer', 'ca.pem', '-cert', `leaf-${SERIAL_GOOD}.pem`, '-no_nonce'), /: revoked[\s\S]*Reason: certificateHold/);
});

test('GET (base64 and base64url, escaped or not) and POST through handleOcspHttp', { skip }, async () => {
  const responder = new OcspResponder({
    issuers: [{ caCertificate: pemCert('ca.pem'), signer: createKeySigner(createPrivateKey(readFileSync(f('ca.key')))) }],
    statusSource: source(),
  });
  openssl('ocsp', '-issuer', 'ca.pem', '-cert', `leaf-${SERIAL_REVOKED}.pem`, '-no_nonce', '-reqout', 'get.der');
  const der = readFileSync(f('get.der'));
  const b64 = der.toString('base64');
  const paths = [`/ocsp/${encodeURIComponent(b64)}`, `/ocsp/${b64}`, `/ocsp/${der.toString('base64url')}`];
  for (const path of paths) {
    const res = await handleOcspHttp(responder, 'GET', path, undefined, { basePath: '/ocsp/' });
    assert.equal(res.status, 200);
    assert.equal(res.contentType, 'application/ocsp-response');
    assert.match(res.headers['cache-control'] ?? '', /max-age=\d+/);
    writeFileSync(f('get-resp.der'), res.body);
    assert.match(opensslAll('ocsp', '-respin', 'get-resp.der', '-CAfile', 'ca.pem', '-issuer', 'ca.pem', '-cert', `leaf-${SERIAL_REVOKED}.pem`, '-no_nonce'), /Response verify OK[\s\S]*: revoked/);
  }
  const post = await handleOcspHttp(responder, 'POST', '/ocsp', new Uint8Array(der));
  assert.equal(post.status, 200);
  assert.equal(post.result?.responseStatus, 'successful');
  const bad = await handleOcspHttp(responder, 'GET', '/ocsp/%%%not-base64', undefined, { basePath: '/ocsp/' });
  assert.equal(bad.status, 200);
  assert.equal(bad.result?.responseStatus, 'malformedRequest');
  writeFileSync(f('malformed.der'), bad.body);
  assert.match(opensslAll('ocsp', '-respin', 'malformed.der', '-resp_text', '-noverify'), /Responder Error: malformedrequest \(1\)/i);
  assert.equal((await handleOcspHttp(responder, 'PUT', '/ocsp', undefined)).status, 405);
});

test('delegated responder certificate is included and accepted by OpenSSL (-CAfile)', { skip }, async () => {
  const responder = new OcspResponder({
    issuers: [{
      caCertificate: pemCert('ca.pem'),
      signer: createKeySigner(createPrivateKey(readFileSync(f('resp.key')))),
      responderCertificate: pemCert('resp.pem'),
    }],
    statusSource: source(),
  });
  openssl('ocsp', '-issuer', 'ca.pem', '-cert', `leaf-${SERIAL_HOLD}.pem`, '-reqout', 'dreq.der');
  const result = await responder.respond(new Uint8Array(readFileSync(f('dreq.der'))));
  writeFileSync(f('dresp.der'), result.der);
  const out = opensslAll('ocsp', '-respin', 'dresp.der', '-reqin', 'dreq.der', '-CAfile', 'ca.pem', '-resp_text');
  assert.match(out, /Response verify OK/);
  assert.match(out, /Certificate:[\s\S]*CN ?= ?OCSP Responder/);
  assert.match(out, /Revocation Reason: certificateHold/);
});

test('requests for a CA the responder does not serve get unauthorized', { skip }, async () => {
  const responder = new OcspResponder({
    issuers: [{ caCertificate: pemCert('ca.pem'), signer: createKeySigner(createPrivateKey(readFileSync(f('ca.key')))) }],
    statusSource: source(),
  });
  openssl('ocsp', '-issuer', 'other.pem', '-serial', '0x1001', '-reqout', 'oreq.der');
  const result = await responder.respond(new Uint8Array(readFileSync(f('oreq.der'))));
  assert.equal(result.responseStatus, 'unauthorized');
  writeFileSync(f('oresp.der'), result.der);
  assert.match(opensslAll('ocsp', '-respin', 'oresp.der', '-resp_text', '-noverify'), /Responder Error: unauthorized \(6\)/);
  assert.equal(responder.stats.unauthorized, 1);
});

test('SM2-signed OCSP responses (SM2 CA from OpenSSL)', { skip }, async () => {
  if (!openssl('list', '-public-key-algorithms').includes('SM2')) return;
  const distid = 'distid:1234567812345678';
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', 'sm2ca.key');
  openssl('req', '-x509', '-key', 'sm2ca.key', '-sm3', '-sigopt', distid, '-subj', '/CN=SM2 OCSP CA', '-days', '30', '-extensions', 'ca', '-config', 'ext.cnf', '-out', 'sm2ca.pem');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'sm2ca.pem', '-CAkey', 'sm2ca.key', '-sm3', '-sigopt', distid, '-set_serial', `0x${SERIAL_REVOKED}`, '-days', '5', '-out', 'sm2leaf.pem');
  openssl('ocsp', '-issuer', 'sm2ca.pem', '-cert', 'sm2leaf.pem', '-reqout', 'sreq.der');
  const key = importSm2PrivateKey(readFileSync(f('sm2ca.key'), 'utf8'));

  // GM/T default ID: checked with our verifier (OpenSSL 3.0's OCSP code cannot pass a distid).
  const responder = new OcspResponder({ issuers: [{ caCertificate: pemCert('sm2ca.pem'), signer: new Sm2Signer(key) }], statusSource: source() });
  const result = await responder.respond(new Uint8Array(readFileSync(f('sreq.der'))));
  writeFileSync(f('sresp.der'), result.der);
  const text = opensslAll('ocsp', '-respin', 'sresp.der', '-resp_text', '-noverify');
  assert.match(text, /Cert Status: revoked/);
  assert.match(text, /Signature Algorithm: SM2-with-SM3/);
  const b = new SeqReader(readSingle(extractBasic(result.der), 0x30));
  const tbs = raw(b.next(0x30));
  const algOid = OID_SM2_WITH_SM3;
  b.next(0x30);
  const sig = readBitString(b.next(0x03)).bytes;
  const spki = new Sm2Signer(key).publicKeyInfo;
  assert.ok(new Sm2Verifier().verify({ algorithmOid: algOid, publicKeyInfo: spki, data: tbs, signature: sig }));

  // Empty ID, which is what OpenSSL 3.0's OCSP_basic_verify uses for SM2: OpenSSL accepts it.
  const compat = new OcspResponder({ issuers: [{ caCertificate: pemCert('sm2ca.pem'), signer: new Sm2Signer(key, { userId: '' }) }], statusSource: source() });
  writeFileSync(f('sresp0.der'), (await compat.respond(new Uint8Array(readFileSync(f('sreq.der'))))).der);
  const out = opensslAll('ocsp', '-respin', 'sresp0.der', '-reqin', 'sreq.der', '-VAfile', 'sm2ca.pem', '-resp_text');
  assert.match(out, /Response verify OK/);
  assert.match(out, /Cert Status: revoked/);
});

/** BasicOCSPResponse DER from an OCSPResponse. */
function extractBasic(ocspResponse: Uint8Array): Uint8Array {
  const r = new SeqReader(readSingle(ocspResponse, 0x30));
  r.next(0x0a);
  const rb = new SeqReader(new SeqReader(r.next(0xa0)).next(0x30));
  rb.next(0x06);
  return content(rb.next(0x04));
}
