/**
 * OCSP responder throughput: pre-signed responses served from the cache, and responses signed
 * on demand (nonce requests) with ECDSA P-256 and with SM2. Prints JSON lines.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { bitString, explicit, integer, octetString, oid, sequence, set, utcTime, utf8String } from '@emsoc/pki/der/index';
import { OcspResponder, OID_OCSP_NONCE, publicKeyBits, type StatusSource } from '@emsoc/pki/ocsp/index';
import { createKeySigner } from '@emsoc/pki/signers';
import type { Signer } from '@emsoc/pki/signer';
import { generateSm2KeyPair, Sm2Signer } from '@emsoc/pki/sm2/index';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const name = sequence(set(sequence(oid('2.5.4.3'), utf8String('Bench OCSP CA'))));

function selfSigned(signer: Signer): Uint8Array {
  const tbs = sequence(
    explicit(0, integer(2)), integer(1), signer.algorithmIdentifier, name,
    sequence(utcTime(new Date(Date.now() - 60_000)), utcTime(new Date(Date.now() + 86_400_000))),
    name, signer.publicKeyInfo,
  );
  return sequence(tbs, signer.algorithmIdentifier, bitString(signer.sign(tbs)));
}

function requests(signer: Signer, count: number, nonce: boolean): Uint8Array[] {
  const sha1 = (b: Uint8Array) => new Uint8Array(createHash('sha1').update(b).digest());
  const nameHash = octetString(sha1(name));
  const keyHash = octetString(sha1(publicKeyBits(signer.publicKeyInfo)));
  return Array.from({ length: count }, (_, i) => {
    const certId = sequence(sequence(oid('1.3.14.3.2.26')), nameHash, keyHash, integer(0x100000n + BigInt(i)));
    const exts = nonce ? explicit(2, sequence(sequence(oid(OID_OCSP_NONCE), octetString(octetString(randomBytes(16)))))) : undefined;
    return sequence(sequence(sequence(sequence(certId)), exts));
  });
}

const source: StatusSource = {
  lookup: (id) => (id.serialHex.endsWith('7') ? { status: 'revoked', revokedAt: new Date('2026-01-01T00:00:00Z'), reason: 6 } : { status: 'good' }),
};

/** Responses per wall-clock second and per CPU second (the machine is shared). */
async function rate(responder: OcspResponder, reqs: Uint8Array[], expectCached: boolean): Promise<{ wall: number; cpu: number }> {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) {
      const r = await responder.respond(reqs[n++ % reqs.length]!);
      if (r.responseStatus !== 'successful' || r.cached !== expectCached) throw new Error(`unexpected result ${r.responseStatus}`);
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: n / ((performance.now() - start) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

const line = (metric: string, r: { wall: number; cpu: number }) => {
  console.log(JSON.stringify({ name: metric, value: Math.round(r.wall), unit: 'responses/s', peer: null, peer_value: null }));
  console.log(JSON.stringify({ name: `${metric}.cpu`, value: Math.round(r.cpu), unit: 'responses/cpu-s', peer: null, peer_value: null }));
};

const ecdsa = createKeySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const sm2 = new Sm2Signer(generateSm2KeyPair());
for (const [label, signer] of [['ecdsa-p256', ecdsa], ['sm2', sm2]] as const) {
  const responder = new OcspResponder({ issuers: [{ caCertificate: selfSigned(signer), signer }], statusSource: source, cache: { maxEntries: 10_000 } });
  const plain = requests(signer, 1000, false);
  for (const r of plain) await responder.respond(r); // pre-sign
  if (label === 'ecdsa-p256') line('pki.ocsp.cached', await rate(responder, plain, true));
  line(`pki.ocsp.signed.${label}`, await rate(responder, requests(signer, 200, true), false));
}
