/** Certificate status client (OCSP with CRL fallback) for relying services. */
export { CertificateStatusClient, createCertificateStatusCheck, type CertificateStatus, type CertificateStatusCheckOptions, type StatusClientOptions, type StatusResult } from './client.js';
export { readCrl, type CrlIndex } from './crl.js';
export { crlDer, fetchBounded } from './fetch.js';
export { buildCertId, buildOcspRequest, readOcspResponse, StatusCheckError, type StatusAnswer } from './ocsp.js';
export { pemOfExistingFiles, platformCaFiles, statusCheckForDataDir } from './trust-dir.js';
