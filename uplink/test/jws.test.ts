import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { flattenedVerify } from 'jose';
import { canonicalBytes } from '../src/canonical-json.js';
import { JwsError, parseDetachedJws, signDetached, verifyDetached } from '../src/jws.js';
import { silent, tempDir, testCa, testUnit } from './helpers.js';

void silent;
const dir = tempDir();
const ca = testCa(dir);
const unit = testUnit(ca, dir, 'county-a');
const payload = canonicalBytes({ hello: '世界', n: 1, list: [1, 2, 3] });

test('ES256 detached JWS (b64:false) verifies here and with an independent JOSE implementation (jose)', async () => {
  const compact = signDetached(payload, unit.privateKey, unit.chainDer);
  const [protectedB64, empty, signature] = compact.split('.');
  assert.equal(empty, '', 'payload part is detached');
  const parsed = parseDetachedJws(compact);
  assert.deepEqual(parsed.header.crit, ['b64']);
  assert.equal(parsed.header.b64, false);
  assert.equal(new X509Certificate(parsed.chain[0]!).subject.includes('CN=county-a'), true);
  assert.ok(verifyDetached(parsed, payload, new X509Certificate(unit.certPem).publicKey));
  // jose implements RFC 7797: with b64:false the payload is used as is in the signing input.
  const r = await flattenedVerify({ protected: protectedB64!, payload, signature: signature! }, createPublicKey(unit.certPem));
  assert.equal(Buffer.from(r.payload).toString('utf8'), payload.toString('utf8'));
});

test('a changed payload, a signature by another key and header games all fail', () => {
  const compact = signDetached(payload, unit.privateKey, unit.chainDer);
  const parsed = parseDetachedJws(compact);
  const tampered = canonicalBytes({ hello: '世界', n: 2, list: [1, 2, 3] });
  assert.equal(verifyDetached(parsed, tampered, new X509Certificate(unit.certPem).publicKey), false);
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.equal(verifyDetached(parsed, payload, other.publicKey), false);
  const header = (h: object) => `${Buffer.from(JSON.stringify(h)).toString('base64url')}..${compact.split('.')[2]}`;
  const base = JSON.parse(Buffer.from(compact.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
  assert.throws(() => parseDetachedJws(header({ ...base, alg: 'none' })), /ES256 required/);
  assert.throws(() => parseDetachedJws(header({ ...base, alg: 'HS256' })), /ES256 required/);
  assert.throws(() => parseDetachedJws(header({ ...base, b64: true })), /b64:false/);
  assert.throws(() => parseDetachedJws(header({ ...base, 'x5t#S256': 'AAAA' })), /x5t#S256/);
  assert.throws(() => parseDetachedJws(header({ ...base, x5c: [] })), /x5c/);
  assert.throws(() => parseDetachedJws('a.b.c'), JwsError);
  assert.throws(() => parseDetachedJws(undefined), JwsError);
  assert.throws(() => parseDetachedJws(`${compact.split('.')[0]}..AAAA`), /64 bytes/);
});

test('only P-256 keys sign', () => {
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  assert.throws(() => signDetached(payload, p384.privateKey, unit.chainDer), /P-256/);
});
