/**
 * PKCS#12 (RFC 7292) export of a certificate (+ chain) and its private key. Both the key bag and
 * the certificate SafeContents are encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC,
 * RFC 8018); integrity is an HMAC-SHA256 MAC keyed by the PKCS#12 KDF. No RC2/3DES anywhere.
 */
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes, type KeyObject } from 'node:crypto';
import {
  algorithmIdentifier,
  bmpString,
  explicit,
  implicitPrimitive,
  integer,
  nullValue,
  octetString,
  oid,
  sequence,
  set,
  setOf,
} from '../der/index.js';

const P12 = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

export interface Pkcs12Options {
  certificate: Uint8Array;
  privateKey: KeyObject;
  password: string;
  /** Further certificates (issuing CA, root) to include, DER. */
  chain?: readonly Uint8Array[];
  friendlyName?: string;
  /** PBKDF2 and MAC iteration count (default 100,000). */
  iterations?: number;
}

export class Pkcs12Error extends Error {
  override name = 'Pkcs12Error';
}

/** PBES2 encryption; returns { algorithmIdentifier DER, ciphertext }. */
function pbes2Encrypt(plain: Uint8Array, password: string, iterations: number): { alg: Uint8Array; ct: Uint8Array } {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  // RFC 8018 PBES2 takes the password octets as-is; OpenSSL uses the UTF-8 bytes.
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const c = createCipheriv('aes-256-cbc', key, iv);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  const kdf = sequence(
    oid(P12.pbkdf2),
    sequence(octetString(salt), integer(iterations), algorithmIdentifier(P12.hmacWithSha256, null)),
  );
  const alg = sequence(oid(P12.pbes2), sequence(kdf, sequence(oid(P12.aes256Cbc), octetString(iv))));
  return { alg, ct: new Uint8Array(ct) };
}

/** RFC 7292 Appendix B.2 key derivation (used only for the MAC key). */
export function pkcs12Kdf(password: string, salt: Uint8Array, id: number, iterations: number, n: number, hash = 'sha256'): Uint8Array {
  const u = createHash(hash).digest().length;
  const v = hash === 'sha512' || hash === 'sha384' ? 128 : 64;
  // Password as BMPString with a terminating NUL pair (B.1).
  const pw = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) pw.writeUInt16BE(password.charCodeAt(i), 2 * i);
  const fill = (src: Uint8Array): Buffer => {
    if (src.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(pw)]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < n; produced += u) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
    out.push(A);
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % u]!;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const x = I[j + k]! + B[k]! + carry;
        I[j + k] = x & 0xff;
        carry = x >> 8;
      }
    }
  }
  return new Uint8Array(Buffer.concat(out).subarray(0, n));
}

function attribute(type: string, value: Uint8Array): Uint8Array {
  return sequence(oid(type), set(value));
}

export function buildPkcs12(o: Pkcs12Options): Uint8Array {
  if (o.privateKey.type !== 'private') throw new Pkcs12Error('privateKey must be a private KeyObject');
  if (!o.password) throw new Pkcs12Error('a non-empty password is required');
  const iterations = o.iterations ?? 100_000;
  if (!Number.isInteger(iterations) || iterations < 1000) throw new Pkcs12Error('iterations must be an integer ≥ 1000');

  const localKeyId = createHash('sha1').update(o.certificate).digest();
  const attrs = setOf([
    ...(o.friendlyName ? [attribute(P12.friendlyName, bmpString(o.friendlyName))] : []),
    attribute(P12.localKeyId, octetString(localKeyId)),
  ]);

  // Key: PKCS#8 EncryptedPrivateKeyInfo in a pkcs8ShroudedKeyBag, inside a plain data ContentInfo.
  const pkcs8 = new Uint8Array(o.privateKey.export({ type: 'pkcs8', format: 'der' }));
  const encKey = pbes2Encrypt(pkcs8, o.password, iterations);
  const keyBag = sequence(oid(P12.pkcs8ShroudedKeyBag), explicit(0, sequence(encKey.alg, octetString(encKey.ct))), attrs);
  const keyContent = sequence(oid(P12.data), explicit(0, octetString(sequence(keyBag))));

  // Certificates: CertBags in a SafeContents encrypted as a whole (EncryptedData ContentInfo).
  const certBag = (der: Uint8Array, a?: Uint8Array): Uint8Array =>
    sequence(oid(P12.certBag), explicit(0, sequence(oid(P12.x509Certificate), explicit(0, octetString(der)))), a);
  const certSafe = sequence(certBag(o.certificate, attrs), ...(o.chain ?? []).map((c) => certBag(c)));
  const encCerts = pbes2Encrypt(certSafe, o.password, iterations);
  const certContent = sequence(
    oid(P12.encryptedData),
    explicit(0, sequence(integer(0), sequence(oid(P12.data), encCerts.alg, implicitPrimitive(0, encCerts.ct)))),
  );

  const authSafe = sequence(certContent, keyContent);
  const macSalt = randomBytes(16);
  const macKey = pkcs12Kdf(o.password, macSalt, 3, iterations, 32, 'sha256');
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  const macData = sequence(
    sequence(sequence(oid(P12.sha256), nullValue()), octetString(mac)),
    octetString(macSalt),
    integer(iterations),
  );
  return sequence(integer(3), sequence(oid(P12.data), explicit(0, octetString(authSafe))), macData);
}
