/**
 * Built-in `SignatureVerifier`s (RSA PKCS#1 v1.5, RSA-PSS, ECDSA) and a registry so other
 * algorithms (SM2) can be plugged in without touching the callers.
 */
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readInteger, readOid, readSingle, SeqReader } from './der/index.js';
import type { SignatureVerifier } from './signer.js';
import { OID } from './x509/oids.js';

const RSA_PKCS1: Record<string, string> = {
  [OID.md5WithRSA]: 'md5',
  [OID.sha1WithRSA]: 'sha1',
  [OID.sha224WithRSA]: 'sha224',
  [OID.sha256WithRSA]: 'sha256',
  [OID.sha384WithRSA]: 'sha384',
  [OID.sha512WithRSA]: 'sha512',
};
const ECDSA: Record<string, string> = {
  [OID.ecdsaWithSha1]: 'sha1',
  [OID.ecdsaWithSha224]: 'sha224',
  [OID.ecdsaWithSha256]: 'sha256',
  [OID.ecdsaWithSha384]: 'sha384',
  [OID.ecdsaWithSha512]: 'sha512',
};
const DIGESTS: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha224]: 'sha224',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

/** Hash name for a signature algorithm OID when known (for policy decisions). */
export function signatureHash(algorithmOid: string): string | undefined {
  return RSA_PKCS1[algorithmOid] ?? ECDSA[algorithmOid];
}

/**
 * Exact DER prefixes of SubjectPublicKeyInfo for named-curve keys with an uncompressed point
 * (id-ecPublicKey, namedCurve, BIT STRING 00 04 …): the only encoding these keys have in strict DER.
 */
const EC_SPKI_PREFIXES: Array<{ crv: string; prefix: Buffer; coord: number }> = [
  { crv: 'P-256', prefix: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), coord: 32 },
  { crv: 'P-384', prefix: Buffer.from('3076301006072a8648ce3d020106052b81040022036200', 'hex'), coord: 48 },
];

/**
 * SPKI → KeyObject. Canonical P-256/P-384 keys go in as JWK coordinates: OpenSSL 3.0's DER decoder
 * chain costs about twice the whole JWK import, and the CSR path imports one key per request. The
 * point is still checked to lie on the curve; anything else takes the general DER decoder.
 */
function importSpki(spki: Uint8Array): KeyObject {
  const buf = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength);
  for (const { crv, prefix, coord } of EC_SPKI_PREFIXES) {
    if (buf.length === prefix.length + 1 + 2 * coord && buf[prefix.length] === 0x04 && buf.subarray(0, prefix.length).equals(prefix)) {
      const at = prefix.length + 1;
      const x = buf.subarray(at, at + coord).toString('base64url');
      const y = buf.subarray(at + coord).toString('base64url');
      return createPublicKey({ key: { kty: 'EC', crv, x, y }, format: 'jwk' });
    }
  }
  return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
}

function verifyWith(hash: string | null, data: Uint8Array, key: KeyObject | object, signature: Uint8Array): boolean {
  try {
    return verify(hash, data, key as KeyObject, signature);
  } catch {
    return false;
  }
}

export const rsaPkcs1Verifier: SignatureVerifier = {
  algorithms: Object.keys(RSA_PKCS1),
  verify({ algorithmOid, publicKeyInfo, data, signature }) {
    const key = importSpki(publicKeyInfo);
    if (key.asymmetricKeyType !== 'rsa') return false;
    return verifyWith(RSA_PKCS1[algorithmOid]!, data, key, signature);
  },
};

export const ecdsaVerifier: SignatureVerifier = {
  algorithms: Object.keys(ECDSA),
  verify({ algorithmOid, publicKeyInfo, data, signature }) {
    const key = importSpki(publicKeyInfo);
    if (key.asymmetricKeyType !== 'ec') return false;
    return verifyWith(ECDSA[algorithmOid]!, data, { key, dsaEncoding: 'der' }, signature);
  },
};

/** RSASSA-PSS params (RFC 4055): hash, MGF1 hash, salt length; defaults SHA-1/MGF1-SHA-1/20. */
export function parsePssParams(params: Uint8Array | undefined): { hash: string; mgfHash: string; saltLength: number } {
  let hash = 'sha1';
  let mgfHash = 'sha1';
  let saltLength = 20;
  if (!params || (params.length === 2 && params[0] === 0x05)) return { hash, mgfHash, saltLength };
  const r = new SeqReader(readSingle(params, 0x30));
  const h = r.optional(0xa0);
  if (h) {
    const o = readOid(new SeqReader(new SeqReader(h).next(0x30)).next(0x06));
    hash = DIGESTS[o] ?? `unknown:${o}`;
  }
  const m = r.optional(0xa1);
  if (m) {
    const mr = new SeqReader(new SeqReader(m).next(0x30));
    if (readOid(mr.next(0x06)) !== OID.mgf1) throw new Error('PSS mask generation function is not MGF1');
    const o = readOid(new SeqReader(mr.next(0x30)).next(0x06));
    mgfHash = DIGESTS[o] ?? `unknown:${o}`;
  }
  const s = r.optional(0xa2);
  if (s) saltLength = Number(readInteger(new SeqReader(s).next(0x02)));
  const t = r.optional(0xa3);
  if (t && readInteger(new SeqReader(t).next(0x02)) !== 1n) throw new Error('PSS trailerField must be 1');
  r.end('RSASSA-PSS-params');
  return { hash, mgfHash, saltLength };
}

export const rsaPssVerifier: SignatureVerifier = {
  algorithms: [OID.rsassaPss],
  verify({ algorithmParams, publicKeyInfo, data, signature }) {
    let p: ReturnType<typeof parsePssParams>;
    try {
      p = parsePssParams(algorithmParams);
    } catch {
      return false;
    }
    // Node cannot choose a different MGF1 hash than the message hash.
    if (p.hash !== p.mgfHash || p.hash.startsWith('unknown')) return false;
    const key = importSpki(publicKeyInfo);
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return false;
    return verifyWith(p.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength }, signature);
  },
};

/** Maps signature algorithm OIDs to verifiers; later registrations override earlier ones. */
export class VerifierRegistry {
  private readonly byOid = new Map<string, SignatureVerifier>();
  constructor(verifiers: readonly SignatureVerifier[] = [rsaPkcs1Verifier, rsaPssVerifier, ecdsaVerifier]) {
    for (const v of verifiers) this.register(v);
  }
  register(v: SignatureVerifier): this {
    for (const a of v.algorithms) this.byOid.set(a, v);
    return this;
  }
  get(algorithmOid: string): SignatureVerifier | undefined {
    return this.byOid.get(algorithmOid);
  }
  supports(algorithmOid: string): boolean {
    return this.byOid.has(algorithmOid);
  }
}

/** Process-wide default registry (extend with `defaultVerifiers.register(sm2Verifier)`). */
export const defaultVerifiers = new VerifierRegistry();
