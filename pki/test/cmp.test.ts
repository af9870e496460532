/**
 * CMP messages and protection against OpenSSL 3: messages produced by `openssl cmp` (client and its
 * built-in mock server) decode, their PBM MACs and CRMF POP verify with our code, our certConf hash
 * matches theirs; our own encodings round-trip; PBMAC1 and signature protection verify; strictness.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  certHash,
  certHashAlgorithm,
  cmpNonce,
  CmpDecodeError,
  CmpProtectionError,
  createKeySigner,
  decodeMessage,
  defaultVerifiers,
  encodeMessage,
  fromPem,
  NULL_DN,
  protectMessage,
  readOid,
  readSingle,
  SeqReader,
  verifyMacProtection,
  verifySignatureProtection,
  type PkiBody,
  type PkiHeader,
} from '../src/index.js';
import { opensslOk, tempDir } from './helpers.js';

const t = tempDir('cmp');
const p = (f: string) => path.join(t.dir, f);
const der = (f: string) => new Uint8Array(fs.readFileSync(p(f)));

before(() => {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  opensslOk(['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-subj', '/CN=CA', '-days', '1']);
  opensslOk(['req', '-new', ...ec, '-keyout', p('ee.key'), '-out', p('ee.csr'), '-subj', '/CN=ee']);
  opensslOk(['x509', '-req', '-in', p('ee.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('ee.pem'), '-days', '1']);
  // Client and mock server in one openssl process (the mock always answers ee.pem, so enrol its key); the DER messages are saved.
  opensslOk(['cmp', '-cmd', 'ir', '-use_mock_srv', '-ref', 'r1', '-secret', 'pass:s3cret', '-srv_ref', 'r1', '-srv_secret', 'pass:s3cret', '-rsp_cert', p('ee.pem'), '-rsp_capubs', p('ca.pem'),
    '-newkey', p('ee.key'), '-subject', '/CN=ee', '-recipient', '/CN=CA', '-certout', p('out.pem'), '-reqout', `${p('ir.der')},${p('cc.der')}`, '-rspout', `${p('ip.der')},${p('pc.der')}`]);
});
after(() => t.cleanup());

test('openssl ir: header, CRMF template, POP signature and PBM MAC verify', () => {
  const m = decodeMessage(der('ir.der'));
  assert.equal(m.body.type, 'ir');
  assert.equal(Buffer.from(m.header.senderKID!).toString(), 'r1');
  assert.equal(m.header.transactionID?.length, 16);
  verifyMacProtection(m, 's3cret');
  assert.throws(() => verifyMacProtection(m, 'wrong'), CmpProtectionError);
  if (m.body.type !== 'ir') return;
  const req = m.body.requests[0]!;
  assert.equal(req.popo?.type, 'signature');
  if (req.popo?.type !== 'signature') return;
  const alg = readOid(new SeqReader(readSingle(req.popo.algorithm, 0x30)).next(0x06));
  assert.ok(defaultVerifiers.get(alg)!.verify({ algorithmOid: alg, publicKeyInfo: req.template.publicKey!, data: req.certReqDer!, signature: req.popo.signature }));
  const mine = createPrivateKey(fs.readFileSync(p('ee.key')));
  assert.deepEqual(Buffer.from(req.template.publicKey!), Buffer.from(createKeySigner(mine).publicKeyInfo));
});

test('openssl mock ip / certConf / pkiConf: nonces chain, certHash is ours', () => {
  const ir = decodeMessage(der('ir.der'));
  const ip = decodeMessage(der('ip.der'));
  const cc = decodeMessage(der('cc.der'));
  const pc = decodeMessage(der('pc.der'));
  verifyMacProtection(ip, 's3cret');
  assert.deepEqual(ip.header.recipNonce, ir.header.senderNonce);
  assert.deepEqual(cc.header.recipNonce, ip.header.senderNonce);
  assert.deepEqual(pc.header.transactionID, ir.header.transactionID);
  assert.equal(pc.body.type, 'pkiconf');
  assert.ok(ip.body.type === 'ip');
  const cert = ip.body.type === 'ip' ? ip.body.responses[0]!.certificate! : new Uint8Array();
  assert.deepEqual(Buffer.from(cert), Buffer.from(fromPem(fs.readFileSync(p('ee.pem'), 'utf8'), ['CERTIFICATE'])));
  assert.ok(cc.body.type === 'certConf');
  if (cc.body.type === 'certConf') assert.deepEqual(Buffer.from(cc.body.statuses[0]!.certHash), certHash(cert, certHashAlgorithm(cert)));
});

test('our encodings round-trip; PBMAC1 and signature protection verify; tampering is detected', () => {
  const header: PkiHeader = { pvno: 2, sender: NULL_DN, recipient: NULL_DN, messageTime: new Date(Math.floor(Date.now() / 1000) * 1000), transactionID: cmpNonce(), senderNonce: cmpNonce(), freeText: ['测试'] };
  const bodies: PkiBody[] = [
    { type: 'pollReq', certReqIds: [0] },
    { type: 'pollRep', entries: [{ certReqId: 0, checkAfter: 5, reason: ['waiting'] }] },
    { type: 'error', status: { status: 2, failInfo: ['badPOP', 'systemUnavail'], statusString: ['no'] }, errorCode: 7, errorDetails: ['x'] },
    { type: 'rr', revocations: [{ template: { serialNumber: Uint8Array.of(0x01, 0x02), issuer: new Uint8Array([0x30, 0]) }, reason: 1 }] },
    { type: 'rp', status: [{ status: 0 }], revCerts: [{ issuer: NULL_DN, serialNumber: Uint8Array.of(5) }] },
    { type: 'certConf', statuses: [{ certHash: new Uint8Array(32), certReqId: 0, statusInfo: { status: 0 } }] },
    { type: 'pkiconf' },
  ];
  for (const body of bodies) {
    const m = decodeMessage(protectMessage({ header, body }, { type: 'pbmac1', secret: 'k', iterations: 1000 }));
    verifyMacProtection(m, 'k');
    assert.deepEqual(m.body, body);
    assert.deepEqual(m.header.freeText, ['测试']);
    const plain = encodeMessage({ header: m.header, body: m.body });
    assert.deepEqual(decodeMessage(plain).body, body);
  }
  const signed = protectMessage({ header, body: { type: 'pkiconf' } }, { type: 'signature', signer: createKeySigner(createPrivateKey(fs.readFileSync(p('ee.key')))), certificate: fromPem(fs.readFileSync(p('ee.pem'), 'utf8'), ['CERTIFICATE']) });
  const sm = decodeMessage(signed);
  verifySignatureProtection(sm, sm.extraCerts![0]!);
  const tampered = Buffer.from(signed);
  tampered[20] ^= 1;
  assert.throws(() => verifySignatureProtection(decodeMessage(tampered), sm.extraCerts![0]!));
});

test('strict decoding: trailing bytes, truncation, wrong tags', () => {
  const good = der('ir.der');
  assert.throws(() => decodeMessage(Buffer.concat([good, Buffer.from([0])])), CmpDecodeError);
  assert.throws(() => decodeMessage(good.subarray(0, good.length - 1)), CmpDecodeError);
  const wrong = Buffer.from(good);
  wrong[0] = 0x31;
  assert.throws(() => decodeMessage(wrong), CmpDecodeError);
});
