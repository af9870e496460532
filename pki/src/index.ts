/**
 * @emsoc/pki public API. One export line per area; contributors append their own areas below.
 */
export type { Signer, SignatureVerifier } from './signer.js';
export * from './signers.js';
export * from './verifiers.js';
export * from './der/index.js';
export * from './x509/index.js';
export * from './lint/index.js';
export * from './issuance.js';
export * from './csr/index.js';
export * from './keys/index.js';
export * from './crl/index.js';
export * from './pkcs12/index.js';
export * from './dev-ca/index.js';
export * from './sm2/index.js';
export * from './ocsp/index.js';
export * from './cmp/index.js';
// OCSP and CMP both name a CertId and a CertStatus: the package root keeps OCSP's, CMP's get a prefix.
export type { CertId, CertStatus } from './ocsp/index.js';
export type { CertId as CmpCertId, CertStatus as CmpCertStatus } from './cmp/messages.js';
export * from './status-client/index.js';
