/** openssl-made CSRs accepted, tampered ones refused; key policy and fingerprints. */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  acceptCsr,
  checkKeyPolicy,
  CsrError,
  KeyPolicyError,
  parseCsr,
  publicKeyFingerprint,
  VerifierRegistry,
  type SignatureVerifier,
} from '../src/index.js';
import { opensslOk, tempDir } from './helpers.js';

const tmp = tempDir('csr');
after(() => tmp.cleanup());

function makeCsr(name: string, keyArgs: string[], extra: string[] = []): Uint8Array {
  const out = path.join(tmp.dir, `${name}.csr`);
  opensslOk(['req', '-new', ...keyArgs, '-nodes', '-keyout', path.join(tmp.dir, `${name}.key`), '-out', out, '-outform', 'DER',
    '-subj', `/C=CN/O=Test/CN=${name}.example`, ...extra]);
  return new Uint8Array(readFileSync(out));
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CsrError, `expected CsrError, got ${String(e)}`);
    return e.reason;
  }
  return 'accepted';
}

describe('CSR acceptance with openssl-made requests', () => {
  const p256 = makeCsr('p256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ['-addext', 'subjectAltName=DNS:a.example,IP:10.1.2.3,email:ops@example.gov.cn', '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=clientAuth']);

  it('parses subject, key, SANs and requested extensions', () => {
    const csr = acceptCsr(p256);
    assert.equal(csr.subjectString, 'C=CN, O=Test, CN=p256.example');
    assert.equal(csr.key.type, 'ec');
    assert.equal(csr.key.curve, 'P-256');
    assert.deepEqual(csr.subjectAltNames, [
      { type: 'dns', value: 'a.example' },
      { type: 'ip', value: '10.1.2.3' },
      { type: 'email', value: 'ops@example.gov.cn' },
    ]);
    assert.deepEqual(csr.keyUsage, ['digitalSignature']);
    assert.deepEqual(csr.extKeyUsage, ['1.3.6.1.5.5.7.3.2']);
  });

  it('accepts P-384 and RSA-2048 (also PEM input), refuses P-521 and RSA-1024 by key policy', () => {
    acceptCsr(makeCsr('p384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']));
    const pemPath = path.join(tmp.dir, 'rsa.pem.csr');
    opensslOk(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(tmp.dir, 'r.key'), '-out', pemPath, '-subj', '/CN=rsa']);
    assert.equal(acceptCsr(readFileSync(pemPath, 'utf8')).key.bits, 2048);
    assert.equal(reasonOf(() => acceptCsr(makeCsr('p521', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521']))), 'key-policy');
    assert.equal(reasonOf(() => acceptCsr(makeCsr('rsa1024', ['-newkey', 'rsa:1024']))), 'key-policy');
  });

  it('refuses tampered requests: altered subject, altered signature, truncated, trailing data', () => {
    const csr = parseCsr(p256);
    const cri = csr.certificationRequestInfo;
    const criOffset = Buffer.from(p256).indexOf(Buffer.from(cri));
    const cnAt = Buffer.from(p256).indexOf(Buffer.from('p256.example'));
    const flip = (i: number): Uint8Array => p256.map((b, j) => (j === i ? b ^ 0x01 : b));
    assert.equal(reasonOf(() => acceptCsr(flip(cnAt))), 'bad-signature', 'subject byte flipped');
    assert.equal(reasonOf(() => acceptCsr(flip(p256.length - 3))), 'bad-signature', 'signature byte flipped');
    assert.equal(reasonOf(() => acceptCsr(p256.subarray(0, p256.length - 1))), 'malformed', 'truncated');
    assert.equal(reasonOf(() => acceptCsr(Uint8Array.from([...p256, 0]))), 'malformed', 'trailing byte');
    assert.ok(criOffset > 0);
  });

  it('routes verification through registered verifiers (SM2 plug-in point)', () => {
    const seen: string[] = [];
    const fake: SignatureVerifier = {
      algorithms: ['1.2.840.10045.4.3.2'],
      verify: (i) => (seen.push(i.algorithmOid), false),
    };
    const reg = new VerifierRegistry().register(fake);
    assert.equal(reasonOf(() => acceptCsr(p256, { verifiers: reg })), 'bad-signature');
    assert.deepEqual(seen, ['1.2.840.10045.4.3.2']);
    assert.equal(reasonOf(() => acceptCsr(p256, { verifiers: new VerifierRegistry([]) })), 'unsupported-signature-algorithm');
  });
});

describe('key policy', () => {
  const spki = (k: { publicKey: KeyObject }): Uint8Array => new Uint8Array(k.publicKey.export({ type: 'spki', format: 'der' }));

  it('accepts P-256, P-384 and RSA ≥ 2048 with e = 65537', () => {
    assert.equal(checkKeyPolicy(spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }))).curve, 'P-256');
    assert.equal(checkKeyPolicy(spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }))).curve, 'P-384');
    assert.equal(checkKeyPolicy(spki(generateKeyPairSync('rsa', { modulusLength: 2048 }))).bits, 2048);
  });

  it('refuses small RSA, bad exponents, other curves and off-curve points', () => {
    const reason = (s: Uint8Array, policy = {}): string => {
      try {
        checkKeyPolicy(s, policy);
        return 'ok';
      } catch (e) {
        assert.ok(e instanceof KeyPolicyError);
        return e.reason;
      }
    };
    assert.equal(reason(spki(generateKeyPairSync('rsa', { modulusLength: 1024 }))), 'rsa-key-too-small');
    assert.equal(reason(spki(generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }))), 'rsa-bad-exponent');
    assert.equal(reason(spki(generateKeyPairSync('ec', { namedCurve: 'P-521' }))), 'ec-curve-not-allowed');
    assert.equal(reason(spki(generateKeyPairSync('ed25519'))), 'unsupported-key-algorithm');
    assert.equal(reason(spki(generateKeyPairSync('rsa', { modulusLength: 2048 })), { allowRsa: false }), 'unsupported-key-algorithm');
    const good = spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    const offCurve = good.map((b, i) => (i === good.length - 1 ? b ^ 1 : b));
    assert.equal(reason(offCurve), 'ec-invalid-point');
    assert.equal(reason(good.subarray(0, good.length - 1)), 'malformed-key');
  });

  it('fingerprints SPKIs canonically with SHA-256', () => {
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = spki(k);
    assert.equal(publicKeyFingerprint(der), createHash('sha256').update(der).digest('hex'));
    // The same key in compressed form must give the same fingerprint (duplicate-key detection).
    const jwk = k.publicKey.export({ format: 'jwk' }) as { x: string; y: string };
    const x = Buffer.from(jwk.x, 'base64url');
    const yOdd = Buffer.from(jwk.y, 'base64url').at(-1)! & 1;
    const prefix = der.subarray(0, der.length - 65);
    const compressed = Buffer.concat([prefix, Buffer.from([yOdd ? 3 : 2]), x]);
    // Patch the outer and BIT STRING lengths for the 33-byte point.
    compressed[1] = compressed.length - 2;
    compressed[prefix.length - 2] = 34;
    assert.equal(publicKeyFingerprint(compressed), publicKeyFingerprint(der));
    assert.notEqual(publicKeyFingerprint(spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }))), publicKeyFingerprint(der));
  });
});
