/**
 * Hostile input to the embedded CA's CMP endpoint: bad protection, unknown transactions, wrong nonces,
 * replays, unsupported bodies and a few thousand mutated messages. Every answer is a CMP message
 * (error when refused), refusals are logged, nothing throws.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Writable } from 'node:stream';
import pino from 'pino';
import {
  assembleMessage,
  cmpNonce,
  computeMac,
  createKeySigner,
  decodeMessage,
  encodeCertRequest,
  encodeHeader,
  encodeProtectedPart,
  explicit,
  NULL_DN,
  protectMessage,
  sequence,
  encodeMessage,
  encodeBody,
  inspectCertificate,
  oid,
  octetString,
  integer,
  algorithmIdentifier,
  type PkiBody,
  type PkiHeader,
} from '@emsoc/pki';
import { cmpServerConfig, CmpServer } from '../src/ca/cmp/server.js';
import { serialHexOf } from '../src/ca/issued.js';
import { startTestRa, SUBJECT_ID, type TestRa } from './cmp-fixtures.js';

const SECRET = 'fuzz-shared-secret';
let ra: TestRa;
let server: CmpServer;
const logLines: string[] = [];

before(async () => {
  ra = await startTestRa();
  const logger = pino({ level: 'warn' }, new Writable({ write: (c, _e, cb) => (logLines.push(String(c)), cb()) }));
  server = new CmpServer(cmpServerConfig.parse({ enabled: true, clients: [{ reference: 'fz', secret: SECRET, subjectId: SUBJECT_ID }] }), {
    ra: ra.svc.ra,
    repo: ra.svc.ra.repo,
    caCert: ra.devCa.certificateDer,
    caSigner: ra.devCa.signer,
    logger,
    dataDir: ra.dataDir,
  });
});
after(async () => {
  server?.close();
  await ra?.close();
});

const header = (over: Partial<PkiHeader> = {}): PkiHeader => ({ pvno: 2, sender: NULL_DN, recipient: NULL_DN, messageTime: new Date(), transactionID: cmpNonce(), senderNonce: cmpNonce(), ...over });
const mac = (iterations = 100, secret = SECRET) => ({ type: 'pbm' as const, secret, senderKID: Buffer.from('fz'), iterations });

function irBody(): PkiBody {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const template = { publicKey: spki, subject: sequence() };
  const certReqDer = encodeCertRequest(0, template);
  const s = createKeySigner(privateKey);
  return { type: 'ir', requests: [{ certReqId: 0, template, certReqDer, popo: { type: 'signature', algorithm: s.algorithmIdentifier, signature: s.sign(certReqDer), withInput: false } }] };
}

async function ask(der: Uint8Array) {
  const out = await server.handle(der, '192.0.2.1');
  return decodeMessage(out);
}

function failInfo(m: ReturnType<typeof decodeMessage>): string[] {
  assert.equal(m.body.type, 'error', `expected an error body, got ${m.body.type}`);
  return m.body.type === 'error' ? m.body.status.failInfo ?? [] : [];
}

test('valid ir is answered with ip; the same bytes again are a replay', async () => {
  const der = protectMessage({ header: header(), body: irBody() }, mac());
  const first = await ask(der);
  assert.equal(first.body.type, 'ip');
  assert.deepEqual(failInfo(await ask(der)), ['badSenderNonce']);
});

test('bad MAC, unknown reference, unprotected, unsupported version, stale time', async () => {
  assert.deepEqual(failInfo(await ask(protectMessage({ header: header(), body: irBody() }, mac(100, 'wrong-secret')))), ['badMessageCheck']);
  assert.deepEqual(failInfo(await ask(protectMessage({ header: header(), body: irBody() }, { ...mac(), senderKID: Buffer.from('who') }))), ['badMessageCheck']);
  assert.deepEqual(failInfo(await ask(encodeMessage({ header: header(), body: irBody() }))), ['badMessageCheck']);
  assert.deepEqual(failInfo(await ask(protectMessage({ header: header({ pvno: 1 }), body: irBody() }, mac()))), ['unsupportedVersion']);
  assert.deepEqual(failInfo(await ask(protectMessage({ header: header({ messageTime: new Date(Date.now() - 3_600_000) }), body: irBody() }, mac()))), ['badTime']);
  // A MAC iteration count outside the accepted range is not computed at all.
  const costly = sequence(oid('1.2.840.113533.7.66.13'), sequence(octetString(randomBytes(16)), algorithmIdentifier('2.16.840.1.101.3.4.2.1'), integer(50_000_000), algorithmIdentifier('1.2.840.113549.2.9')));
  const hdr = encodeHeader({ ...header(), protectionAlg: costly, senderKID: Buffer.from('fz') });
  const started = Date.now();
  assert.deepEqual(failInfo(await ask(assembleMessage(hdr, encodeBody(irBody()), randomBytes(32)))), ['badMessageCheck']);
  assert.ok(Date.now() - started < 1000, 'refused without running 50M iterations');
});

test('certConf / pollReq for an unknown transaction, wrong recipNonce, wrong certHash', async () => {
  const certConf: PkiBody = { type: 'certConf', statuses: [{ certHash: randomBytes(32), certReqId: 0 }] };
  assert.deepEqual(failInfo(await ask(protectMessage({ header: header(), body: certConf }, mac()))), ['badRequest']);
  assert.deepEqual(failInfo(await ask(protectMessage({ header: header(), body: { type: 'pollReq', certReqIds: [0] } }, mac()))), ['badRequest']);
  const tx = cmpNonce();
  const ip = await ask(protectMessage({ header: header({ transactionID: tx }), body: irBody() }, mac()));
  assert.equal(ip.body.type, 'ip');
  assert.deepEqual(failInfo(await ask(protectMessage({ header: header({ transactionID: tx, recipNonce: cmpNonce() }), body: certConf }, mac()))), ['badRecipientNonce']);
  assert.deepEqual(failInfo(await ask(protectMessage({ header: header({ transactionID: tx, recipNonce: ip.header.senderNonce }), body: certConf }, mac()))), ['badCertId']);
  // Another request under a transactionID in use.
  assert.deepEqual(failInfo(await ask(protectMessage({ header: header({ transactionID: tx }), body: irBody() }, mac()))), ['transactionIdInUse']);
});

test('bodies the endpoint does not serve (ccr, ip from a client) are answered with errors', async () => {
  const h = { ...header(), protectionAlg: undefined as Uint8Array | undefined };
  const probe = protectMessage({ header: h, body: { type: 'pkiconf' } }, mac());
  const alg = decodeMessage(probe).header.protectionAlg!;
  const hdr = encodeHeader({ ...h, protectionAlg: alg, senderKID: Buffer.from('fz') });
  const ccr = explicit(13, sequence());
  const der = assembleMessage(hdr, ccr, computeMac(alg, SECRET, encodeProtectedPart(hdr, ccr)));
  assert.deepEqual(failInfo(await ask(der)), ['badRequest']);
  assert.deepEqual(failInfo(await ask(protectMessage({ header: header(), body: { type: 'ip', responses: [] } }, mac()))), ['badRequest']);
  assert.ok(logLines.some((l) => l.includes('CMP: refused')), 'refusals are logged');
});

test('fuzz: 3000 mutated messages, every one answered with a decodable PKIMessage', async () => {
  const seeds = [
    protectMessage({ header: header(), body: irBody() }, mac()),
    protectMessage({ header: header(), body: { type: 'rr', revocations: [{ template: { serialNumber: Uint8Array.of(1, 2, 3) }, reason: 1 }] } }, mac()),
    protectMessage({ header: header(), body: { type: 'certConf', statuses: [{ certHash: randomBytes(32), certReqId: 0 }] } }, mac()),
    protectMessage({ header: header(), body: { type: 'p10cr', csr: sequence(sequence(), sequence(), Uint8Array.of(3, 1, 0)) } }, mac()),
  ];
  let seed = 0x12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const before = ra.svc.ra.repo;
  for (const s of seeds) await server.handle(s, null); // unchanged copies among the mutations are then replays
  const certsBefore = (await before.listCertificates({ limit: 1000 })).length;
  for (let i = 0; i < 3000; i++) {
    const src = seeds[i % seeds.length]!;
    const m = Buffer.from(src);
    let mutated: Buffer;
    switch (rnd(4)) {
      case 0:
        for (let k = 0, n = 1 + rnd(4); k < n; k++) m[rnd(m.length)] = rnd(256);
        mutated = m;
        break;
      case 1:
        mutated = m.subarray(0, rnd(m.length));
        break;
      case 2: {
        const at = rnd(m.length);
        mutated = Buffer.concat([m.subarray(0, at), Buffer.from([rnd(256), rnd(256)]), m.subarray(at)]);
        break;
      }
      default: {
        const at = rnd(m.length);
        mutated = Buffer.concat([m.subarray(0, at), m.subarray(at + 1 + rnd(8))]);
      }
    }
    const out = await server.handle(mutated, null);
    const msg = decodeMessage(out);
    assert.ok(msg.body.type === 'error' || msg.body.type === 'ip' || msg.body.type === 'rp' || msg.body.type === 'cp', `mutation ${i}: ${msg.body.type}`);
  }
  assert.equal((await before.listCertificates({ limit: 1000 })).length, certsBefore, 'no mutated message produced a certificate');
});

test('a certificate never confirmed (no certConf within confirmWaitSeconds) is revoked', async () => {
  const quick = new CmpServer(cmpServerConfig.parse({ enabled: true, confirmWaitSeconds: 1, clients: [{ reference: 'fz', secret: SECRET, subjectId: SUBJECT_ID }] }), {
    ra: ra.svc.ra,
    repo: ra.svc.ra.repo,
    caCert: ra.devCa.certificateDer,
    caSigner: ra.devCa.signer,
    logger: pino({ level: 'silent' }),
    dataDir: ra.dataDir,
  });
  try {
    const ip = decodeMessage(await quick.handle(protectMessage({ header: header(), body: irBody() }, mac()), null));
    assert.ok(ip.body.type === 'ip' && ip.body.responses[0]?.certificate);
    const serial = ip.body.type === 'ip' ? serialHexOf(inspectCertificate(ip.body.responses[0]!.certificate!).serialNumber) : '';
    let rec = await ra.svc.ra.repo.getCertificate(serial);
    for (let i = 0; i < 40 && rec?.status === 'valid'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rec = await ra.svc.ra.repo.getCertificate(serial);
    }
    assert.equal(rec?.status, 'revoked');
    assert.equal(rec?.revocationReason, 'cessationOfOperation');
  } finally {
    quick.close();
  }
});
