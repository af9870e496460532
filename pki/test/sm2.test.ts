import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeZa,
  decodeSm2Signature,
  encodeSm2Signature,
  exportSm2PrivateKeyPem,
  exportSm2PublicKeyDer,
  generateSm2KeyPair,
  importSm2PrivateKey,
  importSm2PublicKey,
  sm2MessageDigest,
  prepareSm2SigningKey,
  sm2SignDigest,
  sm2KeyPairFromPrivate,
  Sm2Signer,
  Sm2Verifier,
  sm2Verifier,
  sm2VerifyDigest,
  OID_SM2_WITH_SM3,
  SM2_N,
} from '../src/sm2/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const big = (s: string) => BigInt('0x' + s);
const utf8 = (s: string) => new TextEncoder().encode(s);

// GM/T 0003.5-2012 / GB/T 32918.2-2016 example on the recommended curve, ID "1234567812345678".
const KAT = {
  d: '3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8',
  pub:
    '04' +
    '09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020' +
    'CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13',
  za: 'B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3',
  e: 'F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640',
  k: '59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21',
  r: 'F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3',
  s: 'B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA',
};

test('GM/T 0003.5 known answer: public key, ZA, e, (r, s) with fixed k', () => {
  const kp = sm2KeyPairFromPrivate(big(KAT.d));
  assert.equal(hex(kp.publicKey), KAT.pub.toLowerCase());
  const za = computeZa(kp.publicKey);
  assert.equal(hex(za), KAT.za.toLowerCase());
  const e = sm2MessageDigest(za, utf8('message digest'));
  assert.equal(hex(e), KAT.e.toLowerCase());
  const sig = sm2SignDigest(prepareSm2SigningKey(kp.privateKey), e, big(KAT.k));
  assert.equal(sig.r, big(KAT.r));
  assert.equal(sig.s, big(KAT.s));
  for (const method of ['ecdsa-bridge', 'ecdh'] as const) {
    assert.ok(sm2VerifyDigest(kp.publicKey, e, sig, method), method);
    assert.ok(!sm2VerifyDigest(kp.publicKey, e, { r: sig.r, s: sig.s ^ 1n }, method), method);
    assert.ok(!sm2VerifyDigest(kp.publicKey, e, { r: sig.r ^ 1n, s: sig.s }, method), method);
  }
});

test('ECDSA-bridge and ECDH verification agree on valid and near-miss signatures', () => {
  const kp = generateSm2KeyPair();
  const key = prepareSm2SigningKey(kp.privateKey);
  for (let i = 0; i < 12; i++) {
    const e = sm2MessageDigest(computeZa(kp.publicKey), utf8(`m${i}`));
    const sig = sm2SignDigest(key, e);
    const variants = [sig, { r: sig.r, s: (sig.s + 1n) % SM2_N }, { r: (sig.r + 1n) % SM2_N, s: sig.s }];
    const expected = [true, false, false];
    variants.forEach((v, j) => {
      assert.equal(sm2VerifyDigest(kp.publicKey, e, v, 'ecdsa-bridge'), expected[j]);
      assert.equal(sm2VerifyDigest(kp.publicKey, e, v, 'ecdh'), expected[j]);
    });
  }
  // r ≡ e makes the target x-coordinate 0: rejected by both.
  const e = sm2MessageDigest(computeZa(kp.publicKey), utf8('zero'));
  const r = BigInt('0x' + hex(e)) % SM2_N;
  assert.equal(sm2VerifyDigest(kp.publicKey, e, { r, s: 5n }, 'ecdsa-bridge'), false);
  assert.equal(sm2VerifyDigest(kp.publicKey, e, { r, s: 5n }, 'ecdh'), false);
});

test('Signer/Verifier round trip, fresh k, tampering and wrong ID rejected', () => {
  const kp = generateSm2KeyPair();
  const signer = new Sm2Signer(kp);
  const data = utf8('tbs bytes');
  const a = signer.sign(data);
  const b = signer.sign(data);
  assert.notEqual(hex(a), hex(b), 'k must be fresh per signature');
  const input = { algorithmOid: OID_SM2_WITH_SM3, publicKeyInfo: signer.publicKeyInfo, data, signature: a };
  assert.ok(sm2Verifier.verify(input));
  assert.ok(sm2Verifier.verify({ ...input, signature: b }));
  assert.ok(!sm2Verifier.verify({ ...input, data: utf8('tbs byteS') }));
  assert.ok(!new Sm2Verifier({ userId: 'ALICE123@YAHOO.COM' }).verify(input));
  assert.ok(new Sm2Verifier({ userId: 'ALICE123@YAHOO.COM' }).verify({
    ...input,
    signature: new Sm2Signer(kp, { userId: 'ALICE123@YAHOO.COM' }).sign(data),
  }));
  const other = exportSm2PublicKeyDer(generateSm2KeyPair().publicKey);
  assert.ok(!sm2Verifier.verify({ ...input, publicKeyInfo: other }));
  assert.ok(!sm2Verifier.verify({ ...input, algorithmOid: '1.2.840.10045.4.3.2' }));
});

test('malformed signatures and keys give false, never throw', () => {
  const kp = generateSm2KeyPair();
  const signer = new Sm2Signer(kp);
  const data = utf8('x');
  const good = signer.sign(data);
  const base = { algorithmOid: OID_SM2_WITH_SM3, publicKeyInfo: signer.publicKeyInfo, data };
  const bad: Uint8Array[] = [
    new Uint8Array(0),
    Uint8Array.of(0x30, 0x00),
    good.subarray(0, good.length - 1),
    Uint8Array.of(...good, 0),
    encodeSm2Signature({ r: 0n, s: 1n }),
    encodeSm2Signature({ r: SM2_N, s: 1n }),
    encodeSm2Signature({ r: 1n, s: SM2_N - 1n }), // t = r + s = n
  ];
  for (const signature of bad) assert.equal(sm2Verifier.verify({ ...base, signature }), false);
  const spki = signer.publicKeyInfo.slice();
  spki[spki.length - 1]! ^= 1; // point off the curve
  assert.equal(sm2Verifier.verify({ ...base, signature: good, publicKeyInfo: spki }), false);
  assert.equal(sm2Verifier.verify({ ...base, signature: good, publicKeyInfo: Uint8Array.of(1, 2, 3) }), false);
  for (let i = 0; i < 200; i++) {
    const junk = good.slice();
    junk[Math.floor(Math.random() * junk.length)] = Math.floor(Math.random() * 256);
    if (hex(junk) === hex(good)) continue;
    assert.equal(typeof sm2Verifier.verify({ ...base, signature: junk }), 'boolean');
  }
  assert.deepEqual(decodeSm2Signature(encodeSm2Signature({ r: 5n, s: 7n })), { r: 5n, s: 7n });
});

test('PKCS#8 / SPKI round trip and key validation', () => {
  const kp = generateSm2KeyPair();
  const pem = exportSm2PrivateKeyPem(kp);
  const back = importSm2PrivateKey(pem);
  assert.equal(back.privateKey, kp.privateKey);
  assert.equal(hex(back.publicKey), hex(kp.publicKey));
  assert.equal(hex(importSm2PublicKey(exportSm2PublicKeyDer(kp.publicKey))), hex(kp.publicKey));
  assert.throws(() => sm2KeyPairFromPrivate(0n), /range/);
  assert.throws(() => sm2KeyPairFromPrivate(SM2_N - 1n), /range/);
  assert.throws(() => importSm2PrivateKey(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)), { name: 'Sm2KeyError' });
});
