/** CRLs checked with `openssl crl` / `openssl verify -crl_check`; PKCS#12 checked with `openssl pkcs12`. */
import assert from 'node:assert/strict';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  buildPkcs12,
  createDevCa,
  CrlError,
  CrlReason,
  issueCaCrl,
  issueTlsServerCertificate,
  fromPem,
  inspectCertificate,
  pkcs12Kdf,
  toPem,
} from '../src/index.js';
import { openssl, opensslOk, tempDir } from './helpers.js';

const tmp = tempDir('crl');
after(() => tmp.cleanup());
const ca = createDevCa(path.join(tmp.dir, 'ca'));
const rootPath = path.join(tmp.dir, 'ca', 'root.pem');
const leaf = issueTlsServerCertificate(ca, { dnsNames: ['revoked.example'] }, path.join(tmp.dir, 'leaf'));
const good = issueTlsServerCertificate(ca, { dnsNames: ['good.example'], name: 'good' }, path.join(tmp.dir, 'leaf'));

describe('CRL builder', () => {
  it('produces a full CRL that openssl prints and uses to reject a revoked certificate', () => {
    const now = new Date();
    const crl = issueCaCrl(ca, {
      crlNumber: 7,
      thisUpdate: now,
      entries: [
        { serialNumber: leaf.serialHex, revocationDate: now, reason: CrlReason.keyCompromise, invalidityDate: new Date(now.getTime() - 3600_000) },
        { serialNumber: randomBytes(16), revocationDate: now, reason: CrlReason.certificateHold },
        { serialNumber: 0x0102n, revocationDate: now, reason: CrlReason.unspecified },
      ],
    });
    const crlPath = path.join(tmp.dir, 'full.crl.pem');
    writeFileSync(crlPath, toPem(crl, 'X509 CRL'));
    const text = opensslOk(['crl', '-in', crlPath, '-noout', '-text']);
    assert.match(text, /Version 2/);
    assert.match(text, /X509v3 CRL Number: \n\s+7/);
    assert.match(text, /Authority Key Identifier/);
    assert.match(text, new RegExp(`Serial Number: ${leaf.serialHex.toUpperCase()}[\\s\\S]+?Key Compromise[\\s\\S]+?Invalidity Date`));
    assert.match(text, /Certificate Hold/);
    assert.equal((text.match(/Serial Number:/g) ?? []).length, 3);
    assert.equal((text.match(/CRL Reason Code/g) ?? []).length, 2, 'unspecified reason is omitted');
    assert.match(opensslOk(['crl', '-in', crlPath, '-noout', '-CAfile', rootPath]), /verify OK/);

    const revoked = openssl(['verify', '-crl_check', '-CAfile', rootPath, '-CRLfile', crlPath, leaf.certPath]);
    assert.notEqual(revoked.code, 0);
    assert.match(revoked.out, /certificate revoked/);
    assert.match(opensslOk(['verify', '-crl_check', '-CAfile', rootPath, '-CRLfile', crlPath, good.certPath]), /: OK/);
  });

  it('produces a delta CRL with a critical deltaCRLIndicator and an empty CRL without revokedCertificates', () => {
    const delta = issueCaCrl(ca, { crlNumber: 8, deltaBaseCrlNumber: 7, entries: [{ serialNumber: good.serialHex, revocationDate: new Date(), reason: CrlReason.removeFromCRL }] });
    const p = path.join(tmp.dir, 'delta.crl');
    writeFileSync(p, delta);
    const text = opensslOk(['crl', '-inform', 'DER', '-in', p, '-noout', '-text']);
    assert.match(text, /X509v3 Delta CRL Indicator: critical\s+7/);
    assert.match(text, /Remove From CRL/);
    const empty = issueCaCrl(ca, { crlNumber: 9, entries: [] });
    writeFileSync(p, empty);
    assert.match(opensslOk(['crl', '-inform', 'DER', '-in', p, '-noout', '-text']), /No Revoked Certificates/);
  });

  it('builds 10,000 entries in one linear pass and rejects bad input with CrlError', () => {
    const now = new Date();
    const entries = Array.from({ length: 10_000 }, (_, i) => ({ serialNumber: randomBytes(16), revocationDate: now, reason: i % 2 ? CrlReason.certificateHold : undefined }));
    const crl = issueCaCrl(ca, { crlNumber: 10, entries });
    const p = path.join(tmp.dir, 'big.crl');
    writeFileSync(p, crl);
    assert.match(opensslOk(['crl', '-inform', 'DER', '-in', p, '-noout', '-CAfile', rootPath]), /verify OK/);
    assert.throws(() => issueCaCrl(ca, { crlNumber: 1, entries: [{ serialNumber: 'zz', revocationDate: now }] }), CrlError);
    assert.throws(() => issueCaCrl(ca, { crlNumber: 1, entries: [{ serialNumber: randomBytes(21), revocationDate: now }] }), CrlError);
    assert.throws(() => issueCaCrl(ca, { crlNumber: 1, entries: [{ serialNumber: '01', revocationDate: now, reason: 7 as never }] }), CrlError);
    assert.throws(() => issueCaCrl(ca, { crlNumber: 3, deltaBaseCrlNumber: 3, entries: [] }), CrlError);
  });
});

describe('PKCS#12 export', () => {
  it('is readable by openssl with PBES2/AES-256-CBC bags and an HMAC-SHA256 MAC', () => {
    const password = 'Emsoc-测试-pass';
    const certificate = fromPem(leaf.certificatePem, ['CERTIFICATE']);
    const p12 = buildPkcs12({ certificate, privateKey: createPrivateKey(leaf.keyPem), password, chain: [ca.certificateDer], friendlyName: 'revoked.example', iterations: 10_000 });
    const p = path.join(tmp.dir, 'x.p12');
    writeFileSync(p, p12);
    const info = opensslOk(['pkcs12', '-in', p, '-info', '-passin', `pass:${password}`, '-noout']);
    assert.match(info, /MAC: sha256, Iteration 10000/);
    assert.match(info, /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/);
    assert.match(info, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/);
    assert.doesNotMatch(info, /RC2|3DES|DES-EDE/i);
    // The key and certificate come back out intact.
    const pem = opensslOk(['pkcs12', '-in', p, '-passin', `pass:${password}`, '-nodes']);
    const key = createPrivateKey(pem);
    const pub = key.export({ format: 'jwk' });
    assert.deepEqual(pub, createPrivateKey(leaf.keyPem).export({ format: 'jwk' }));
    const certOut = fromPem(pem, ['CERTIFICATE']);
    assert.deepEqual(inspectCertificate(certOut).serialNumber, inspectCertificate(certificate).serialNumber);
    assert.notEqual(openssl(['pkcs12', '-in', p, '-info', '-passin', 'pass:wrong', '-noout']).code, 0);
  });

  it('derives the RFC 7292 B.2 MAC key deterministically (and differently per ID)', () => {
    const salt = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const a = pkcs12Kdf('pw', salt, 3, 2048, 32);
    assert.deepEqual(a, pkcs12Kdf('pw', salt, 3, 2048, 32));
    assert.notDeepEqual(a, pkcs12Kdf('pw', salt, 1, 2048, 32));
    assert.equal(pkcs12Kdf('pw', salt, 1, 1, 70).length, 70);
  });
});
