/**
 * Delegated OCSP responder (RFC 6960 §4.2.2.2): a P-256 key that lives only in memory, certified by
 * the CA for id-kp-OCSPSigning with id-pkix-ocsp-nocheck, valid for a few days and replaced when half
 * of that has passed. ECDSA P-256 signs an order of magnitude faster than the P-384 CA key, which is
 * what lets nonce-carrying (never cacheable) requests be answered at thousands per second; and the
 * CA key then signs only certificates and CRLs.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createKeySigner, extension, hasErrors, LintRefusedError, lintTbs, nullValue, prepareCertificate, signPrepared, type Issuer, type Signer } from '@emsoc/pki';

const OID_OCSP_NOCHECK = '1.3.6.1.5.5.7.48.1.5';

export interface DelegatedResponder {
  signer: Signer;
  certificate: Uint8Array;
  notAfter: Date;
}

export function issueDelegatedResponder(ca: { issuer: Issuer; signer: Signer }, name: string, validityDays = 4): DelegatedResponder {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = createKeySigner(privateKey);
  const now = Date.now();
  const prepared = prepareCertificate({
    issuer: ca.issuer,
    subject: [{ type: 'O', value: 'EMSOC Development' }, { type: 'CN', value: `OCSP responder for ${name}` }],
    publicKeyInfo: signer.publicKeyInfo,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validityDays * 86_400_000),
    basicConstraints: { ca: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['ocspSigning'],
    // Relying parties need not check this certificate's own status (RFC 6960 §4.2.2.2.1).
    extraExtensions: [extension(OID_OCSP_NOCHECK, false, nullValue())],
  });
  const findings = lintTbs(prepared.tbsDer);
  if (hasErrors(findings)) throw new LintRefusedError(findings);
  return { signer, certificate: signPrepared(prepared, ca.signer), notAfter: prepared.notAfter };
}
