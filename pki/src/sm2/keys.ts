/**
 * SM2 key pairs and their OpenSSL 3 compatible encodings: PKCS#8 PrivateKeyInfo and
 * SubjectPublicKeyInfo with id-ecPublicKey + sm2p256v1 (GM/T 0009/0015), plus SEC1
 * "EC PRIVATE KEY" and encrypted PKCS#8 on import.
 */
import { createPrivateKey } from 'node:crypto';
import {
  algorithmIdentifier,
  bitString,
  children,
  content,
  DerDecodeError,
  derFromInput,
  explicit,
  integer,
  octetString,
  oid,
  PemError,
  readBitString,
  readInteger,
  readOid,
  readSingle,
  sequence,
  SeqReader,
  toPem,
} from '../der/index.js';
import { bigIntToBytes, bytesToBigInt, decodePoint, encodePoint, OID_EC_PUBLIC_KEY, OID_SM2_CURVE } from './curve.js';
import { isValidPrivateScalar, multiplyBase, randomScalar } from './sign.js';

export class Sm2KeyError extends Error {
  override name = 'Sm2KeyError';
}

export interface Sm2KeyPair {
  /** Private scalar d. */
  readonly privateKey: bigint;
  /** Uncompressed public point 04||x||y. */
  readonly publicKey: Uint8Array;
}

export function generateSm2KeyPair(): Sm2KeyPair {
  for (;;) {
    const d = randomScalar();
    if (isValidPrivateScalar(d)) return { privateKey: d, publicKey: multiplyBase(d) };
  }
}

export function sm2KeyPairFromPrivate(d: bigint): Sm2KeyPair {
  if (!isValidPrivateScalar(d)) throw new Sm2KeyError('SM2 private key out of range [1, n-2]');
  return { privateKey: d, publicKey: multiplyBase(d) };
}

const SM2_KEY_ALGORITHM = algorithmIdentifier(OID_EC_PUBLIC_KEY, oid(OID_SM2_CURVE));

export function exportSm2PublicKeyDer(publicKey: Uint8Array): Uint8Array {
  return sequence(SM2_KEY_ALGORITHM, bitString(publicKey));
}

export function exportSm2PublicKeyPem(publicKey: Uint8Array): string {
  return toPem(exportSm2PublicKeyDer(publicKey), 'PUBLIC KEY');
}

/** PKCS#8 with the ECPrivateKey carrying the public key and no inner parameters, as OpenSSL 3 writes it. */
export function exportSm2PrivateKeyDer(key: Sm2KeyPair): Uint8Array {
  const ecPrivateKey = sequence(
    integer(1),
    octetString(bigIntToBytes(key.privateKey)),
    explicit(1, bitString(key.publicKey)),
  );
  return sequence(integer(0), SM2_KEY_ALGORITHM, octetString(ecPrivateKey));
}

export function exportSm2PrivateKeyPem(key: Sm2KeyPair): string {
  return toPem(exportSm2PrivateKeyDer(key), 'PRIVATE KEY');
}

function checkSm2Algorithm(algId: Uint8Array | ReturnType<typeof readSingle>): void {
  const t = algId instanceof Uint8Array ? readSingle(algId, 0x30) : algId;
  const r = new SeqReader(t);
  const alg = readOid(r.next(0x06, 'algorithm'));
  if (alg === OID_SM2_CURVE && r.done) return; // some GM/T tooling puts the curve OID as the algorithm
  if (alg !== OID_EC_PUBLIC_KEY) throw new Sm2KeyError(`not an EC key (algorithm ${alg})`);
  const params = r.next(undefined, 'parameters');
  if (params.tag !== 0x06 || readOid(params) !== OID_SM2_CURVE) {
    throw new Sm2KeyError('EC key is not on the SM2 curve (sm2p256v1)');
  }
}

/** Public point (65 bytes, on-curve checked) from a DER/PEM SubjectPublicKeyInfo. */
export function importSm2PublicKey(input: Uint8Array | string): Uint8Array {
  const der = derFromInput(input, ['PUBLIC KEY']);
  return wrap(() => {
    const r = new SeqReader(readSingle(der, 0x30));
    checkSm2Algorithm(r.next(0x30, 'algorithm'));
    const { bytes, unusedBits } = readBitString(r.next(0x03, 'subjectPublicKey'));
    r.end('SubjectPublicKeyInfo');
    if (unusedBits) throw new Sm2KeyError('public key BIT STRING has unused bits');
    return encodePoint(decodePoint(bytes));
  });
}

/** Parses SEC1 ECPrivateKey; returns the pair (public key derived when absent, checked when present). */
function parseEcPrivateKey(der: Uint8Array, requireCurveParam: boolean): Sm2KeyPair {
  const r = new SeqReader(readSingle(der, 0x30));
  if (readInteger(r.next(0x02, 'version')) !== 1n) throw new Sm2KeyError('unsupported ECPrivateKey version');
  const dBytes = content(r.next(0x04, 'privateKey'));
  const params = r.optional(0xa0);
  if (params) {
    const [curve] = children(params);
    if (!curve || curve.tag !== 0x06 || readOid(curve) !== OID_SM2_CURVE) throw new Sm2KeyError('EC key is not on the SM2 curve');
  } else if (requireCurveParam) {
    throw new Sm2KeyError('EC PRIVATE KEY without curve parameters');
  }
  const pubTag = r.optional(0xa1);
  r.end('ECPrivateKey');
  const pair = sm2KeyPairFromPrivate(bytesToBigInt(dBytes));
  if (pubTag) {
    const [bits] = children(pubTag);
    if (!bits) throw new Sm2KeyError('empty publicKey field');
    const stored = encodePoint(decodePoint(readBitString(bits).bytes));
    if (Buffer.compare(stored, pair.publicKey) !== 0) throw new Sm2KeyError('public key does not match the private key');
  }
  return pair;
}

const PRIVATE_KEY_LABELS = ['PRIVATE KEY', 'EC PRIVATE KEY', 'SM2 PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'];

/**
 * Private key from PKCS#8 ("PRIVATE KEY"), SEC1 ("EC PRIVATE KEY", or "SM2 PRIVATE KEY" as
 * `openssl ec` labels it) or encrypted PKCS#8 with a passphrase (decrypted by Node's OpenSSL).
 * The structure, not the PEM label, decides how DER is parsed.
 */
export function importSm2PrivateKey(input: Uint8Array | string, passphrase?: string): Sm2KeyPair {
  const der = wrap(() => derFromInput(input, PRIVATE_KEY_LABELS));
  return wrap(() => {
    const r = new SeqReader(readSingle(der, 0x30));
    const first = r.next();
    if (first.tag === 0x30) {
      if (passphrase === undefined) throw new Sm2KeyError('encrypted private key needs a passphrase');
      let key;
      try {
        key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8', passphrase });
      } catch (e) {
        throw new Sm2KeyError(`cannot decrypt private key: ${(e as Error).message}`);
      }
      return importSm2PrivateKey(new Uint8Array(key.export({ type: 'pkcs8', format: 'der' })));
    }
    if (r.peekTag() === 0x04) return parseEcPrivateKey(der, true); // SEC1: version, OCTET STRING d, ...
    if (readInteger(first) > 1n) throw new Sm2KeyError('unsupported PKCS#8 version');
    checkSm2Algorithm(r.next(0x30, 'privateKeyAlgorithm'));
    const inner = content(r.next(0x04, 'privateKey'));
    return parseEcPrivateKey(inner, false);
  });
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Sm2KeyError) throw e;
    if (e instanceof DerDecodeError || e instanceof PemError || e instanceof RangeError) throw new Sm2KeyError(`invalid SM2 key: ${e.message}`);
    throw e;
  }
}
