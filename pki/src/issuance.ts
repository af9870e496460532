/** Prepare → lint → sign in one call: the path the RA uses for every certificate. */
import { hasErrors, LintRefusedError, lintTbs, type LintFinding, type LintOptions } from './lint/index.js';
import type { Signer } from './signer.js';
import { prepareCertificate, signPrepared, type CertificateTemplate, type PreparedCertificate } from './x509/certificate.js';

export interface IssuedCertificate {
  certificateDer: Uint8Array;
  prepared: PreparedCertificate;
  /** Warnings that did not block issuance. */
  findings: LintFinding[];
}

/** Throws LintRefusedError (with all findings) when the preflight lint reports any error. */
export function issueCertificate(template: CertificateTemplate, signer: Signer, lint: LintOptions = {}): IssuedCertificate {
  const prepared = prepareCertificate(template);
  const findings = lintTbs(prepared.tbsDer, lint);
  if (hasErrors(findings)) throw new LintRefusedError(findings);
  return { certificateDer: signPrepared(prepared, signer), prepared, findings };
}
