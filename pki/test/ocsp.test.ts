/** OCSP responder core without external peers: request parsing limits, failure statuses, cache, fuzzing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  bitString,
  content,
  explicit,
  integer,
  nullValue,
  octetString,
  oid,
  readSingle,
  sequence,
  SeqReader,
  set,
  utcTime,
  utf8String,
} from '../src/der/index.js';
import { createKeySigner } from '../src/signers.js';
import {
  OcspResponder,
  OID_OCSP_NONCE,
  parseOcspRequest,
  decodeGetRequest,
  OcspRequestError,
  publicKeyBits,
  type CertStatus,
  type StatusSource,
} from '../src/ocsp/index.js';

const signer = createKeySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const caName = sequence(set(sequence(oid('2.5.4.3'), utf8String('Unit OCSP CA'))));
const caCert = (() => {
  const tbs = sequence(
    explicit(0, integer(2)), integer(1), signer.algorithmIdentifier, caName,
    sequence(utcTime(new Date(Date.now() - 60_000)), utcTime(new Date(Date.now() + 86_400_000))),
    caName, signer.publicKeyInfo,
  );
  return sequence(tbs, signer.algorithmIdentifier, bitString(signer.sign(tbs)));
})();

const sha1 = (b: Uint8Array) => new Uint8Array(createHash('sha1').update(b).digest());
function certId(serial: bigint, opts: { nameHash?: Uint8Array; params?: boolean } = {}): Uint8Array {
  return sequence(
    sequence(oid('1.3.14.3.2.26'), opts.params ? nullValue() : undefined),
    octetString(opts.nameHash ?? sha1(caName)),
    octetString(sha1(publicKeyBits(signer.publicKeyInfo))),
    integer(serial),
  );
}
function request(ids: Uint8Array[], nonce?: Uint8Array): Uint8Array {
  const exts = nonce ? explicit(2, sequence(sequence(oid(OID_OCSP_NONCE), octetString(octetString(nonce))))) : undefined;
  return sequence(sequence(sequence(...ids.map((id) => sequence(id))), exts));
}
/** responseStatus and, when successful, the BasicOCSPResponse's ResponseData reader. */
function decode(der: Uint8Array): { status: number; data?: SeqReader } {
  const r = new SeqReader(readSingle(der, 0x30));
  const st = content(r.next(0x0a, 'responseStatus'));
  assert.equal(st.length, 1);
  const status = st[0]!;
  if (status !== 0) return { status };
  const rb = new SeqReader(new SeqReader(r.next(0xa0)).next(0x30));
  rb.next(0x06);
  const basic = new SeqReader(readSingle(content(rb.next(0x04)), 0x30));
  return { status, data: new SeqReader(basic.next(0x30)) };
}

const statuses = new Map<bigint, CertStatus>([
  [1n, { status: 'good' }],
  [2n, { status: 'revoked', revokedAt: new Date('2026-01-01T00:00:00Z'), reason: 6 }],
]);
const source: StatusSource = { lookup: (id) => statuses.get(BigInt('0x' + id.serialHex)) ?? { status: 'unknown' } };

test('parses multiple CertIDs, NULL or absent hash parameters, nonce', () => {
  const nonce = new Uint8Array(16).fill(7);
  const req = parseOcspRequest(request([certId(1n), certId(0x80n, { params: true })], nonce));
  assert.equal(req.certIds.length, 2);
  assert.equal(req.certIds[0]!.serialHex, '01');
  assert.equal(req.certIds[1]!.serialHex, '0080');
  assert.equal(req.certIds[0]!.hashAlgorithm, '1.3.14.3.2.26');
  assert.deepEqual(req.nonce, octetString(nonce));
});

test('garbage, oversize and structurally wrong requests are malformedRequest, counted', async () => {
  const responder = new OcspResponder({ issuers: [{ caCertificate: caCert, signer }], statusSource: source, maxRequestSize: 512, maxCertIds: 4 });
  const valid = request([certId(1n)]);
  const cases: Uint8Array[] = [
    new Uint8Array(0),
    new TextEncoder().encode('GET / HTTP/1.1'),
    valid.subarray(0, valid.length - 1),
    Uint8Array.of(...valid, 0),
    sequence(sequence(sequence())), // empty requestList
    request(Array.from({ length: 5 }, (_, i) => certId(BigInt(i + 1)))), // too many CertIDs
    request([certId(1n)], new Uint8Array(600)), // over the size cap
    sequence(sequence(explicit(0, integer(1)), sequence(sequence(certId(1n))))), // version 2
  ];
  for (const der of cases) {
    const r = await responder.respond(der);
    assert.equal(r.responseStatus, 'malformedRequest', r.error);
    assert.equal(decode(r.der).status, 1);
  }
  assert.equal(responder.stats.malformedRequest, cases.length);
  assert.throws(() => decodeGetRequest('A'.repeat(100_000), 512), OcspRequestError);
  assert.throws(() => decodeGetRequest('not base64!', 512), OcspRequestError);
});

test('random mutations never throw and always yield a DER OCSPResponse', async () => {
  const responder = new OcspResponder({ issuers: [{ caCertificate: caCert, signer }], statusSource: source, cache: false });
  const valid = request([certId(1n), certId(2n)], new Uint8Array(16).fill(1));
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  for (let i = 0; i < 300; i++) {
    const m = valid.slice();
    for (let j = 0, k = 1 + rand(3); j < k; j++) m[rand(m.length)] = rand(256);
    const r = await responder.respond(m);
    assert.ok(['successful', 'malformedRequest', 'unauthorized'].includes(r.responseStatus), r.responseStatus);
    assert.doesNotThrow(() => decode(r.der));
  }
  assert.equal(responder.stats.requests, 300);
  assert.equal(responder.stats.internalError, 0);
});

test('status source failures and invalid statuses become internalError', async () => {
  const failing = new OcspResponder({ issuers: [{ caCertificate: caCert, signer }], statusSource: { lookup: async () => { throw new Error('db down'); } } });
  const r1 = await failing.respond(request([certId(1n)]));
  assert.equal(r1.responseStatus, 'internalError');
  assert.match(r1.error ?? '', /db down/);
  const bogus = new OcspResponder({ issuers: [{ caCertificate: caCert, signer }], statusSource: { lookup: () => ({ status: 'revoked', revokedAt: new Date(), reason: 7 }) } });
  assert.equal((await bogus.respond(request([certId(1n)]))).responseStatus, 'internalError');
  assert.equal(bogus.stats.internalError, 1);
});

test('unknown issuer is unauthorized; mixed requests answer foreign CertIDs unknown', async () => {
  const responder = new OcspResponder({ issuers: [{ caCertificate: caCert, signer }], statusSource: source });
  const foreign = certId(1n, { nameHash: new Uint8Array(20) });
  assert.equal((await responder.respond(request([foreign]))).responseStatus, 'unauthorized');
  const mixed = await responder.respond(request([certId(2n), foreign]));
  assert.equal(mixed.responseStatus, 'successful');
  const data = decode(mixed.der).data!;
  data.next(0xa2); // responderID byKey
  data.next(0x18); // producedAt
  const singles = new SeqReader(data.next(0x30));
  const certStatusTags = [0, 1].map(() => {
    const single = new SeqReader(singles.next(0x30));
    single.next(0x30); // CertID
    return single.next().tag;
  });
  assert.deepEqual(certStatusTags, [0xa1, 0x82], 'own CertID revoked, foreign CertID unknown');
});

test('cache: hit, refresh after the refresh fraction, nonce bypass, nonce length bounds, eviction', async () => {
  let now = Date.parse('2026-06-01T00:00:00Z');
  const responder = new OcspResponder({
    issuers: [{ caCertificate: caCert, signer }], statusSource: source, validitySeconds: 600,
    cache: { maxEntries: 2, refreshFraction: 0.5 }, now: () => new Date(now),
  });
  const req = request([certId(1n)]);
  assert.equal((await responder.respond(req)).cached, false);
  now += 299_000;
  assert.equal((await responder.respond(req)).cached, true);
  now += 2_000; // past 300 s = 0.5 × validity
  const refreshed = await responder.respond(req);
  assert.equal(refreshed.cached, false);
  assert.equal(refreshed.nextUpdate!.getTime() - refreshed.producedAt!.getTime(), 600_000);

  const withNonce = await responder.respond(request([certId(1n)], new Uint8Array(16).fill(9)));
  assert.equal(withNonce.cached, false);
  assert.equal(withNonce.nonce, true);
  const longNonce = await responder.respond(request([certId(1n)], new Uint8Array(64)));
  assert.equal(longNonce.nonce, false, 'RFC 8954: nonces over 32 octets are not echoed');

  await responder.respond(request([certId(2n)]));
  await responder.respond(request([certId(3n)]));
  assert.equal(responder.cache!.size, 2);
  assert.equal(responder.invalidateSerial('03'), 1);
  assert.equal(responder.cache!.size, 1);
  // Both CertID encodings of one serial are separate entries, invalidated together.
  await responder.respond(request([certId(2n, { params: true })]));
  assert.equal(responder.invalidateSerial('02'), 2);
});

test('an invalidation racing a status lookup keeps the stale answer out of the cache', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const responder = new OcspResponder({
    issuers: [{ caCertificate: caCert, signer }],
    statusSource: { lookup: async () => { await gate; return { status: 'good' }; } },
  });
  const pending = responder.respond(request([certId(1n)]));
  responder.invalidateSerial('01'); // revocation lands while the lookup is in flight
  release();
  assert.equal((await pending).responseStatus, 'successful');
  assert.equal(responder.cache!.size, 0);
});
