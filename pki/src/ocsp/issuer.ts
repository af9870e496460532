/**
 * A CA the responder is authoritative for: recognises CertIDs naming it (issuerNameHash over the
 * DER subject, issuerKeyHash over the public key bits, RFC 6960 §4.1.1) under any supported hash,
 * and carries the identity that signs its responses (the CA key or a delegated responder, §4.2.2.2).
 */
import { createHash } from 'node:crypto';
import { explicit, nullValue, octetString, oid, readBitString, readSingle, sequence, SeqReader, unsignedInteger } from '../der/index.js';
import type { Signer } from '../signer.js';
import { inspectCertificate } from '../x509/certificate.js';
import { encodeCertsField, type ResponderIdentity } from './response.js';
import { CERT_ID_HASHES, type CertId } from './types.js';

/** subjectPublicKey BIT STRING contents of a SubjectPublicKeyInfo. */
export function publicKeyBits(spki: Uint8Array): Uint8Array {
  const r = new SeqReader(readSingle(spki, 0x30));
  r.next(0x30, 'algorithm');
  return readBitString(r.next(0x03, 'subjectPublicKey')).bytes;
}

/** ResponderID byKey: [2] EXPLICIT KeyHash, SHA-1 of the responder's public key bits. */
export function responderIdByKey(spki: Uint8Array): Uint8Array {
  return explicit(2, octetString(new Uint8Array(createHash('sha1').update(publicKeyBits(spki)).digest())));
}

export interface OcspIssuerOptions {
  /** DER certificate of the CA whose certificates are being answered for. */
  caCertificate: Uint8Array;
  /** Signs responses: the CA key itself, or a delegated responder's key. */
  signer: Signer;
  /**
   * Delegated responder certificate (with id-kp-OCSPSigning, issued by the CA), included in
   * the response so clients can validate it. Omit when the CA key signs.
   */
  responderCertificate?: Uint8Array;
}

export class OcspIssuer {
  readonly identity: ResponderIdentity;
  private readonly subject: Uint8Array;
  private readonly keyBits: Uint8Array;
  private readonly hashes = new Map<string, { name: string; key: string }>();

  constructor(options: OcspIssuerOptions) {
    const ca = inspectCertificate(options.caCertificate);
    this.subject = ca.subject;
    this.keyBits = publicKeyBits(ca.publicKeyInfo);
    if (!options.responderCertificate && Buffer.compare(ca.publicKeyInfo, options.signer.publicKeyInfo) !== 0) {
      throw new Error('signer key is not the CA key: pass the delegated responderCertificate');
    }
    if (options.responderCertificate) {
      const rc = inspectCertificate(options.responderCertificate);
      if (Buffer.compare(rc.publicKeyInfo, options.signer.publicKeyInfo) !== 0) {
        throw new Error('signer key does not match the responder certificate');
      }
    }
    this.identity = {
      signer: options.signer,
      responderId: responderIdByKey(options.signer.publicKeyInfo),
      certsField: encodeCertsField(options.responderCertificate ? [options.responderCertificate] : []),
    };
  }

  /** Name/key hashes for one CertID hash algorithm (hex), computed on first use. */
  private hashesFor(hashOid: string): { name: string; key: string } | undefined {
    let h = this.hashes.get(hashOid);
    if (!h) {
      const alg = CERT_ID_HASHES[hashOid];
      if (!alg) return undefined;
      h = {
        name: createHash(alg).update(this.subject).digest('hex'),
        key: createHash(alg).update(this.keyBits).digest('hex'),
      };
      this.hashes.set(hashOid, h);
    }
    return h;
  }

  /**
   * CertID for one of this CA's serials as clients build it (OpenSSL writes SHA-1 with NULL
   * parameters) — for pre-signing responses before anyone asks.
   */
  certId(serial: Uint8Array, hashOid = '1.3.14.3.2.26', nullParams = true): Uint8Array {
    const h = this.hashesFor(hashOid);
    if (!h) throw new Error(`unsupported CertID hash algorithm ${hashOid}`);
    return sequence(
      sequence(oid(hashOid), nullParams ? nullValue() : undefined),
      octetString(Buffer.from(h.name, 'hex')),
      octetString(Buffer.from(h.key, 'hex')),
      unsignedInteger(serial),
    );
  }

  matches(id: CertId): boolean {
    const h = this.hashesFor(id.hashAlgorithm);
    return (
      h !== undefined &&
      Buffer.from(id.issuerKeyHash).toString('hex') === h.key &&
      Buffer.from(id.issuerNameHash).toString('hex') === h.name
    );
  }
}
