/**
 * A CA whose status this RA publishes: its certificate, the key that signs CRLs and OCSP
 * responses, and which RA profiles it issues for (the RSA/ECDSA root, and the SM2 root for SM2
 * profiles). One authority = one CRL pair (full + delta) and one OCSP issuer identity.
 */
import { inspectCertificate, keyIdentifierFromSpki, type Signer } from '@emsoc/pki';
import type { DelegatedResponder } from './delegated-responder.js';

export interface StatusAuthority {
  /** URL stem: /crl/<name>.crl, /crl/<name>-delta.crl, /ca/<name>.crt */
  name: string;
  certificateDer: Uint8Array;
  signer: Signer;
  issuerName: Uint8Array;
  keyIdentifier: Uint8Array;
  /** True when certificates of this RA profile are issued by this authority. */
  issues(profileId: string): boolean;
  /** When set, OCSP responses are signed by a delegated responder this makes (else by the CA key). */
  delegate?: () => DelegatedResponder;
}

export function statusAuthority(name: string, certificateDer: Uint8Array, signer: Signer, issues: (profileId: string) => boolean, delegate?: () => DelegatedResponder): StatusAuthority {
  const info = inspectCertificate(certificateDer);
  return {
    name,
    certificateDer,
    signer,
    issuerName: info.subject,
    keyIdentifier: info.subjectKeyIdentifier ?? keyIdentifierFromSpki(info.publicKeyInfo),
    issues,
    delegate,
  };
}

/** Serials as stored by the RA (lowercase hex, no leading zero octets), whatever the client sent. */
export function normalizeSerial(hex: string): string {
  let s = hex.toLowerCase();
  while (s.length > 2 && s.startsWith('00')) s = s.slice(2);
  return s;
}
