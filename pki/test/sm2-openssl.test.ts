/** Interop with the OpenSSL 3 command line: keys, raw signatures, CSRs and a self-signed certificate. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bitString,
  boolean,
  explicit,
  integer,
  namedBitString,
  octetString,
  oid,
  raw,
  readBitString,
  readOid,
  readSingle,
  sequence,
  SeqReader,
  set,
  toPem,
  utcTime,
  utf8String,
} from '../src/der/index.js';
import {
  exportSm2PrivateKeyPem,
  exportSm2PublicKeyPem,
  generateSm2KeyPair,
  importSm2PrivateKey,
  importSm2PublicKey,
  OID_SM2_WITH_SM3,
  Sm2Signer,
  sm2Verifier,
} from '../src/sm2/index.js';

const DISTID = 'distid:1234567812345678';

function hasOpenSslSm2(): boolean {
  try {
    return execFileSync('openssl', ['list', '-public-key-algorithms'], { encoding: 'utf8' }).includes('SM2');
  } catch {
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sm2-ossl-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const f = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const skip = hasOpenSslSm2() ? false : 'openssl with SM2 support not found on PATH';

test('OpenSSL key ⇄ our PKCS#8/SPKI (byte-identical re-encoding)', { skip }, () => {
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', f('ossl.key'));
  const kp = importSm2PrivateKey(readFileSync(f('ossl.key'), 'utf8'));
  assert.equal(exportSm2PrivateKeyPem(kp), readFileSync(f('ossl.key'), 'utf8'));
  openssl('pkey', '-in', f('ossl.key'), '-pubout', '-out', f('ossl.pub'));
  assert.equal(exportSm2PublicKeyPem(importSm2PublicKey(readFileSync(f('ossl.pub'), 'utf8'))), readFileSync(f('ossl.pub'), 'utf8'));

  // SEC1 "EC PRIVATE KEY" and encrypted PKCS#8 import too.
  openssl('ec', '-in', f('ossl.key'), '-out', f('ossl.sec1'));
  assert.equal(importSm2PrivateKey(readFileSync(f('ossl.sec1'), 'utf8')).privateKey, kp.privateKey);
  openssl('pkcs8', '-topk8', '-in', f('ossl.key'), '-passout', 'pass:pw', '-out', f('ossl.enc'));
  assert.equal(importSm2PrivateKey(readFileSync(f('ossl.enc'), 'utf8'), 'pw').privateKey, kp.privateKey);

  const ours = generateSm2KeyPair();
  writeFileSync(f('ours.key'), exportSm2PrivateKeyPem(ours));
  const text = openssl('pkey', '-in', f('ours.key'), '-check', '-text', '-noout');
  assert.match(text, /SM2/);
  assert.match(text, /valid/i);
});

test('our signatures verify with openssl dgst -sm3 -sigopt distid; theirs verify with ours', { skip }, () => {
  const kp = generateSm2KeyPair();
  writeFileSync(f('k.pem'), exportSm2PrivateKeyPem(kp));
  writeFileSync(f('pub.pem'), exportSm2PublicKeyPem(kp.publicKey));
  const signer = new Sm2Signer(kp);
  for (let i = 0; i < 3; i++) {
    const msg = new Uint8Array(Buffer.from(`message ${i} ${'x'.repeat(i * 100)}`));
    writeFileSync(f('msg'), msg);
    writeFileSync(f('sig'), signer.sign(msg));
    const out = openssl('dgst', '-sm3', '-verify', f('pub.pem'), '-sigopt', DISTID, '-signature', f('sig'), f('msg'));
    assert.match(out, /Verified OK/);
    // Also the pkeyutl path named in GM/T tooling docs.
    openssl('pkeyutl', '-verify', '-pubin', '-inkey', f('pub.pem'), '-rawin', '-digest', 'sm3', '-in', f('msg'), '-sigfile', f('sig'), '-pkeyopt', DISTID);

    openssl('dgst', '-sm3', '-sign', f('k.pem'), '-sigopt', DISTID, '-out', f('osig'), f('msg'));
    const input = { algorithmOid: OID_SM2_WITH_SM3, publicKeyInfo: signer.publicKeyInfo, data: msg, signature: new Uint8Array(readFileSync(f('osig'))) };
    assert.ok(sm2Verifier.verify(input));
    assert.ok(!sm2Verifier.verify({ ...input, data: new Uint8Array(Buffer.from('other')) }));
  }
  // A wrong distid on the OpenSSL side must fail, proving ZA really uses the ID.
  writeFileSync(f('sig'), signer.sign(new Uint8Array(readFileSync(f('msg')))));
  assert.throws(() => openssl('dgst', '-sm3', '-verify', f('pub.pem'), '-sigopt', 'distid:ALICE123@YAHOO.COM', '-signature', f('sig'), f('msg')));
});

test('an OpenSSL SM2 CSR verifies with our verifier', { skip }, () => {
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', f('csr.key'));
  openssl('req', '-new', '-key', f('csr.key'), '-sm3', '-sigopt', DISTID, '-subj', '/C=CN/O=应急管理部/CN=sm2 csr', '-utf8', '-outform', 'DER', '-out', f('csr.der'));
  const der = new Uint8Array(readFileSync(f('csr.der')));
  const r = new SeqReader(readSingle(der, 0x30));
  const info = r.next(0x30);
  const alg = new SeqReader(r.next(0x30));
  const sig = readBitString(r.next(0x03)).bytes;
  const ir = new SeqReader(info);
  ir.next(0x02);
  ir.next(0x30);
  const spki = raw(ir.next(0x30));
  const algorithmOid = readOid(alg.next(0x06));
  alg.end(); // SM2-with-SM3 carries no parameters
  assert.equal(algorithmOid, OID_SM2_WITH_SM3);
  const input = { algorithmOid, publicKeyInfo: spki, data: raw(info), signature: sig };
  assert.ok(sm2Verifier.verify(input));
  const tampered = raw(info).slice();
  tampered[tampered.length - 3]! ^= 0x01;
  assert.ok(!sm2Verifier.verify({ ...input, data: tampered }));
});

test('a self-signed SM2 certificate we build passes openssl verify -vfyopt distid', { skip }, () => {
  const kp = generateSm2KeyPair();
  const signer = new Sm2Signer(kp);
  const name = sequence(
    set(sequence(oid('2.5.4.6'), Uint8Array.of(0x13, 2, 0x43, 0x4e))),
    set(sequence(oid('2.5.4.3'), utf8String('应急管理部 SM2 测试根 CA'))),
  );
  const ski = octetString(new Uint8Array(Buffer.from('00112233445566778899aabbccddeeff00112233', 'hex')));
  const now = Date.now();
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(0x5a17c0ffeen),
    signer.algorithmIdentifier,
    name,
    sequence(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 86400_000 * 365))),
    name,
    signer.publicKeyInfo,
    explicit(
      3,
      sequence(
        sequence(oid('2.5.29.19'), boolean(true), octetString(sequence(boolean(true)))),
        sequence(oid('2.5.29.15'), boolean(true), octetString(namedBitString([5, 6]))),
        sequence(oid('2.5.29.14'), octetString(ski)),
      ),
    ),
  );
  const cert = sequence(tbs, signer.algorithmIdentifier, bitString(signer.sign(tbs)));
  writeFileSync(f('ca.pem'), toPem(cert, 'CERTIFICATE'));
  const out = openssl('verify', '-vfyopt', DISTID, '-CAfile', f('ca.pem'), f('ca.pem'));
  assert.match(out, /ca\.pem: OK/);
  assert.match(openssl('x509', '-in', f('ca.pem'), '-noout', '-text'), /SM2-with-SM3/);
});
