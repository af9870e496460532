/** RFC 6960 vocabulary shared by the OCSP request parser, response encoder and responder. */

export const OID_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
export const OID_OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';

/** OCSPResponseStatus (RFC 6960 §4.2.1); 4 is unused. */
export const OcspResponseStatus = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;
export type OcspResponseStatusName = keyof typeof OcspResponseStatus;

/** CertID hash algorithms we can match (CertID.hashAlgorithm OID → Node hash name). */
export const CERT_ID_HASHES: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.2.156.10197.1.401': 'sm3',
};

export interface CertId {
  /** Dotted OID of CertID.hashAlgorithm. */
  hashAlgorithm: string;
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  /** INTEGER content octets as sent (two's complement, minimal). */
  serialNumber: Uint8Array;
  /** Same octets as lowercase hex — the natural database key. */
  serialHex: string;
}

export type CertStatus =
  | { status: 'good' }
  /**
   * `reason` is a CRLReason code (RFC 5280 §5.3.1, see `CrlReason`); a certificate on hold is
   * reported revoked with reason certificateHold (6), RFC 6960 §2.2.
   */
  | { status: 'revoked'; revokedAt: Date; reason?: number }
  | { status: 'unknown' };

/** Where the responder learns certificate status (CA database, CRL snapshot, …). */
export interface StatusSource {
  lookup(certId: CertId): CertStatus | Promise<CertStatus>;
}
