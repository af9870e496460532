/** Preflight linting of prepared TBSCertificates (run before signing; issuance refuses on any error). */
import { decodeTbs, TbsDecodeError, type TbsView } from './tbs-view.js';
import { decodeTbsWithPeculiar } from './tbs-view-peculiar.js';
import { lintView, type LintFinding, type LintProfile } from './rules.js';
import { generalNameToString } from '../x509/general-name.js';

export { decodeTbs, TbsDecodeError, type TbsView } from './tbs-view.js';
export { decodeTbsWithPeculiar } from './tbs-view-peculiar.js';
export { lintView, isValidDnsName, type LintFinding, type LintProfile, type Severity } from './rules.js';

export interface LintOptions extends LintProfile {
  /**
   * Which decoder reads the TBS back: 'strict' (in-house reader, fast), 'peculiar'
   * (@peculiar/asn1-x509, independent but ≈ 1 ms), or 'both' (lint with strict and report any
   * disagreement between the two decoders as an error).
   */
  decoder?: 'strict' | 'peculiar' | 'both';
}

const hex = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);

/** Normalised comparable summary of a view (what both decoders must agree on). */
function summary(v: TbsView): Record<string, unknown> {
  return {
    version: v.version,
    serial: hex(v.serial),
    signatureAlgorithm: v.signatureAlgorithmOid,
    issuer: v.issuer.map((a) => [a.oid, a.value, a.rdn]),
    subject: v.subject.map((a) => [a.oid, a.value, a.rdn]),
    notBefore: v.notBefore.toISOString(),
    notAfter: v.notAfter.toISOString(),
    times: [v.notBeforeTag, v.notAfterTag],
    key: [v.keyAlgorithmOid, v.keyCurveOid],
    extensions: v.extensions.map((e) => [e.oid, e.critical]),
    basicConstraints: v.basicConstraints,
    keyUsage: v.keyUsage ? [[...v.keyUsage.bits].sort(), v.keyUsage.critical] : undefined,
    eku: v.extKeyUsage,
    san: v.subjectAltNames ? [v.subjectAltNames.names.map(generalNameToString), v.subjectAltNames.critical] : undefined,
    ski: hex(v.subjectKeyIdentifier),
    aki: hex(v.authorityKeyIdentifier),
    cdp: v.crlDistributionUris,
    aia: v.authorityInfoAccess,
  };
}

/** Fields on which two decoded views disagree. */
export function diffViews(a: TbsView, b: TbsView): string[] {
  const sa = summary(a);
  const sb = summary(b);
  return Object.keys(sa).filter((k) => JSON.stringify(sa[k]) !== JSON.stringify(sb[k]));
}

export function lintTbs(tbsDer: Uint8Array, options: LintOptions = {}): LintFinding[] {
  const decoder = options.decoder ?? 'strict';
  let view: TbsView;
  const extra: LintFinding[] = [];
  try {
    view = decoder === 'peculiar' ? decodeTbsWithPeculiar(tbsDer) : decodeTbs(tbsDer);
    if (decoder === 'both') {
      const diffs = diffViews(view, decodeTbsWithPeculiar(tbsDer));
      if (diffs.length) {
        extra.push({ code: 'e_decoder_disagreement', severity: 'error', message: `decoders disagree on: ${diffs.join(', ')}` });
      }
    }
  } catch (e) {
    if (e instanceof TbsDecodeError) return [{ code: 'e_tbs_malformed', severity: 'error', message: e.message }];
    throw e;
  }
  return [...extra, ...lintView(view, options)];
}

export function hasErrors(findings: readonly LintFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

export class LintRefusedError extends Error {
  override name = 'LintRefusedError';
  constructor(readonly findings: LintFinding[]) {
    super(`certificate refused by preflight lint: ${findings.filter((f) => f.severity === 'error').map((f) => f.code).join(', ')}`);
  }
}
