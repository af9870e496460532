/**
 * The one signing abstraction every PKI object builder uses (certificates, CRLs, OCSP, CMP, CMS).
 * Synchronous on purpose: Node's crypto.sign is synchronous and the issuance hot path avoids
 * promise overhead per signature.
 */
export interface Signer {
  /** DER of the AlgorithmIdentifier placed in signatureAlgorithm / signature fields. */
  readonly algorithmIdentifier: Uint8Array;
  /** DER of the signer's SubjectPublicKeyInfo (for SKI/AKI and responder ids). */
  readonly publicKeyInfo: Uint8Array;
  /** Signs the exact bytes given (the DER of a TBS structure) and returns the signature value bytes. */
  sign(data: Uint8Array): Uint8Array;
}

/** Verifies a signature over data with the key in a DER SubjectPublicKeyInfo. */
export interface SignatureVerifier {
  /** OIDs (dotted) of signature algorithms this verifier handles. */
  readonly algorithms: readonly string[];
  verify(input: {
    algorithmOid: string;
    algorithmParams?: Uint8Array;
    publicKeyInfo: Uint8Array;
    data: Uint8Array;
    signature: Uint8Array;
  }): boolean;
}
