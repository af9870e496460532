/**
 * BasicOCSPResponse / OCSPResponse encoding (RFC 6960 §4.2) straight from pre-encoded parts with
 * the DER writer: the responder ID, algorithm identifier and certs are encoded once per responder,
 * so each response costs a few small concatenations plus the signature.
 */
import {
  bitString,
  constructed,
  enumerated,
  explicit,
  generalizedTime,
  octetString,
  oid,
  sequence,
} from '../der/index.js';
import type { Signer } from '../signer.js';
import { OcspResponseStatus, OID_OCSP_BASIC, OID_OCSP_NONCE, type CertStatus } from './types.js';

const GOOD = Uint8Array.of(0x80, 0x00); // [0] IMPLICIT NULL
const UNKNOWN = Uint8Array.of(0x82, 0x00); // [2] IMPLICIT UnknownInfo (NULL)
const BASIC_TYPE = oid(OID_OCSP_BASIC);
const NONCE_ID = oid(OID_OCSP_NONCE);

export class OcspEncodeError extends Error {
  override name = 'OcspEncodeError';
}

/** CertStatus CHOICE; revoked is [1] IMPLICIT RevokedInfo { revocationTime, [0] EXPLICIT CRLReason }. */
export function encodeCertStatus(s: CertStatus): Uint8Array {
  switch (s.status) {
    case 'good':
      return GOOD;
    case 'unknown':
      return UNKNOWN;
    case 'revoked': {
      if (!(s.revokedAt instanceof Date) || Number.isNaN(s.revokedAt.getTime())) {
        throw new OcspEncodeError('revoked status without a valid revocation time');
      }
      const reason = s.reason;
      if (reason !== undefined && (!Number.isInteger(reason) || reason < 0 || reason > 10 || reason === 7)) {
        throw new OcspEncodeError(`invalid CRL reason code ${reason}`);
      }
      return constructed(0xa1, [generalizedTime(s.revokedAt), reason === undefined ? undefined : explicit(0, enumerated(reason))]);
    }
    default:
      throw new OcspEncodeError(`invalid certificate status ${JSON.stringify((s as { status?: unknown }).status)}`);
  }
}

export interface SingleResponseInput {
  /** DER CertID, echoed as the client sent it. */
  certId: Uint8Array;
  status: CertStatus;
  thisUpdate: Date;
  nextUpdate?: Date;
}

export function encodeSingleResponse(r: SingleResponseInput): Uint8Array {
  return sequence(
    r.certId,
    encodeCertStatus(r.status),
    generalizedTime(r.thisUpdate),
    r.nextUpdate ? explicit(0, generalizedTime(r.nextUpdate)) : undefined,
  );
}

/** The nonce extension echoed from the request (extnValue copied verbatim). */
export function encodeNonceExtension(nonceValue: Uint8Array): Uint8Array {
  return sequence(NONCE_ID, octetString(nonceValue));
}

/** Per-responder constant parts of every BasicOCSPResponse. */
export interface ResponderIdentity {
  signer: Signer;
  /** ResponderID, e.g. from `responderIdByKey`. */
  responderId: Uint8Array;
  /** [0] EXPLICIT SEQUENCE OF Certificate, or undefined when the CA signs directly. */
  certsField?: Uint8Array;
}

export function encodeCertsField(certs: readonly Uint8Array[]): Uint8Array | undefined {
  return certs.length ? explicit(0, sequence(...certs)) : undefined;
}

export interface BasicResponseInput {
  producedAt: Date;
  singleResponses: readonly Uint8Array[];
  /** Complete Extension TLVs for responseExtensions (e.g. the nonce). */
  extensions?: readonly Uint8Array[];
}

/** Signs ResponseData and wraps it as a successful OCSPResponse. */
export function encodeSignedResponse(identity: ResponderIdentity, input: BasicResponseInput): Uint8Array {
  const tbs = sequence(
    identity.responderId,
    generalizedTime(input.producedAt),
    constructed(0x30, input.singleResponses),
    input.extensions?.length ? explicit(1, constructed(0x30, input.extensions)) : undefined,
  );
  const signature = identity.signer.sign(tbs);
  const basic = sequence(tbs, identity.signer.algorithmIdentifier, bitString(signature), identity.certsField);
  return sequence(
    enumerated(OcspResponseStatus.successful),
    explicit(0, sequence(BASIC_TYPE, octetString(basic))),
  );
}

const ERROR_RESPONSES = new Map<number, Uint8Array>();

/** Unsigned OCSPResponse carrying only an error status (malformedRequest, unauthorized, …). */
export function encodeErrorResponse(status: number): Uint8Array {
  if (status === OcspResponseStatus.successful) throw new OcspEncodeError('successful responses need a body');
  let der = ERROR_RESPONSES.get(status);
  if (!der) ERROR_RESPONSES.set(status, (der = sequence(enumerated(status))));
  return der;
}
