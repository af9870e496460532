/**
 * OCSPRequest parsing (RFC 6960 §4.1) with the strict DER reader. Anything that is not a
 * well-formed request becomes an `OcspRequestError`, which the responder answers with
 * malformedRequest.
 */
import { content, DerDecodeError, raw, readBoolean, readOid, readSingle, SeqReader, type Tlv, integerContent } from '../der/index.js';
import { OID_OCSP_NONCE, type CertId } from './types.js';

export class OcspRequestError extends Error {
  override name = 'OcspRequestError';
}

export interface ParsedCertId extends CertId {
  /** The CertID exactly as the client encoded it: echoed in the SingleResponse and used as cache key. */
  readonly der: Uint8Array;
}

export interface OcspRequest {
  certIds: ParsedCertId[];
  /** extnValue content of the nonce extension (usually an OCTET STRING TLV, RFC 8954). */
  nonce?: Uint8Array;
  /** True when the client attached optionalSignature (accepted but not checked). */
  signed: boolean;
}

export interface ParseOptions {
  /** Largest accepted DER request in bytes (default 8 KiB). */
  maxSize?: number;
  /** Largest number of CertIDs in one request (default 32). */
  maxCertIds?: number;
}

export const DEFAULT_MAX_REQUEST_SIZE = 8192;
export const DEFAULT_MAX_CERT_IDS = 32;

function parseCertId(t: Tlv): ParsedCertId {
  const r = new SeqReader(t);
  const alg = new SeqReader(r.next(0x30, 'hashAlgorithm'));
  const hashAlgorithm = readOid(alg.next(0x06, 'hashAlgorithm.algorithm'));
  if (!alg.done) {
    const p = alg.next();
    // Only absent or NULL parameters make sense for a hash algorithm.
    if (p.tag !== 0x05 || p.end !== p.contentStart) throw new OcspRequestError('unexpected hash algorithm parameters');
  }
  const issuerNameHash = content(r.next(0x04, 'issuerNameHash'));
  const issuerKeyHash = content(r.next(0x04, 'issuerKeyHash'));
  const serialNumber = integerContent(r.next(0x02, 'serialNumber'));
  r.end('CertID');
  return {
    der: raw(t),
    hashAlgorithm,
    issuerNameHash,
    issuerKeyHash,
    serialNumber,
    serialHex: Buffer.from(serialNumber.buffer, serialNumber.byteOffset, serialNumber.byteLength).toString('hex'),
  };
}

/** Parses one DER CertID on its own (e.g. one built by `OcspIssuer.certId`). */
export function parseCertIdDer(der: Uint8Array): ParsedCertId {
  try {
    return parseCertId(readSingle(der, 0x30));
  } catch (e) {
    if (e instanceof DerDecodeError) throw new OcspRequestError(`malformed CertID: ${e.message}`);
    throw e;
  }
}

/** Walks Extensions, returning the nonce extnValue if present. */
function findNonce(exts: Tlv): Uint8Array | undefined {
  let nonce: Uint8Array | undefined;
  const list = new SeqReader(new SeqReader(exts).next(0x30, 'Extensions'));
  while (!list.done) {
    const e = new SeqReader(list.next(0x30, 'Extension'));
    const id = readOid(e.next(0x06, 'extnID'));
    if (e.peekTag() === 0x01) readBoolean(e.next());
    const value = content(e.next(0x04, 'extnValue'));
    e.end('Extension');
    if (id === OID_OCSP_NONCE) {
      if (nonce) throw new OcspRequestError('duplicate nonce extension');
      nonce = value;
    }
  }
  return nonce;
}

export function parseOcspRequest(der: Uint8Array, options: ParseOptions = {}): OcspRequest {
  const maxSize = options.maxSize ?? DEFAULT_MAX_REQUEST_SIZE;
  const maxCertIds = options.maxCertIds ?? DEFAULT_MAX_CERT_IDS;
  if (der.length === 0) throw new OcspRequestError('empty request');
  if (der.length > maxSize) throw new OcspRequestError(`request of ${der.length} bytes exceeds the ${maxSize}-byte limit`);
  try {
    const outer = new SeqReader(readSingle(der, 0x30));
    const tbs = new SeqReader(outer.next(0x30, 'tbsRequest'));
    const signed = outer.optional(0xa0) !== undefined;
    outer.end('OCSPRequest');

    const version = tbs.optional(0xa0);
    if (version) {
      const v = integerContent(new SeqReader(version).next(0x02, 'version'));
      if (v.length !== 1 || v[0] !== 0) throw new OcspRequestError('unsupported OCSP request version');
    }
    tbs.optional(0xa1); // requestorName: informational only
    const list = new SeqReader(tbs.next(0x30, 'requestList'));
    const certIds: ParsedCertId[] = [];
    while (!list.done) {
      if (certIds.length >= maxCertIds) throw new OcspRequestError(`more than ${maxCertIds} CertIDs in one request`);
      const req = new SeqReader(list.next(0x30, 'Request'));
      certIds.push(parseCertId(req.next(0x30, 'reqCert')));
      const single = req.optional(0xa0);
      if (single) findNonce(single); // validated, not otherwise used
      req.end('Request');
    }
    if (certIds.length === 0) throw new OcspRequestError('empty requestList');
    const exts = tbs.optional(0xa2);
    tbs.end('TBSRequest');
    const nonce = exts ? findNonce(exts) : undefined;
    return { certIds, nonce, signed };
  } catch (e) {
    if (e instanceof OcspRequestError) throw e;
    if (e instanceof DerDecodeError) throw new OcspRequestError(`malformed OCSP request: ${e.message}`);
    throw e;
  }
}

/**
 * The DER request carried in an HTTP GET path (RFC 6960 §A.1): base64 of the DER, URL-encoded.
 * Clients differ: some leave '/' and '+' unescaped, some use base64url, some drop padding — all
 * are accepted. `encoded` is everything after the responder's base path.
 */
export function decodeGetRequest(encoded: string, maxSize = DEFAULT_MAX_REQUEST_SIZE): Uint8Array {
  if (encoded.length > Math.ceil(maxSize / 3) * 4 * 3 + 16) {
    // Even fully percent-encoded, a request under the limit cannot be this long.
    throw new OcspRequestError(`GET request path exceeds the ${maxSize}-byte limit`);
  }
  let text: string;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    throw new OcspRequestError('invalid percent-encoding in GET request');
  }
  text = text.replace(/^\/+/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) || text.length % 4 === 1) {
    throw new OcspRequestError('GET request is not base64');
  }
  const der = new Uint8Array(Buffer.from(text, 'base64'));
  if (der.length > maxSize) throw new OcspRequestError(`request of ${der.length} bytes exceeds the ${maxSize}-byte limit`);
  return der;
}
