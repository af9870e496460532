import { toPem } from '@emsoc/pki';
import type { CertificateRecord, CertRequest, Subject } from '../model.js';

/** JSON shapes returned by the API (binary fields as PEM; no private material ever). */
export function requestView(r: CertRequest, cert?: CertificateRecord, showCsr = false) {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    profile: r.profile,
    subjectId: r.subjectId,
    serial: r.serial,
    san: r.san,
    revocationReason: r.revocationReason,
    approvalsRequired: r.approvalsRequired,
    requester: { id: r.requesterId, name: r.requesterName },
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    reason: r.reason,
    resultSerial: r.resultSerial,
    approvals: r.approvals,
    transitions: r.transitions,
    ...(showCsr && r.csrDer ? { csr: toPem(r.csrDer, 'CERTIFICATE REQUEST') } : {}),
    ...(cert?.der ? { certificate: toPem(cert.der, 'CERTIFICATE') } : {}),
  };
}

export function certificateView(c: CertificateRecord, chain: Uint8Array[]) {
  return {
    serial: c.serial,
    status: c.status,
    profile: c.profile,
    subjectId: c.subjectId,
    subjectDn: c.subjectDn,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    issuedAt: c.issuedAt,
    revokedAt: c.revokedAt,
    revocationReason: c.revocationReason,
    requestId: c.requestId,
    publicKeySha256: c.spkiSha256,
    pem: c.der ? toPem(c.der, 'CERTIFICATE') : null,
    chain: chain.map((d) => toPem(d, 'CERTIFICATE')),
  };
}

export function subjectView(s: Subject, certificates?: CertificateRecord[]) {
  return {
    id: s.id,
    kind: s.kind,
    orgUnit: s.orgUnit,
    status: s.status,
    ...s.attributes,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    ...(certificates
      ? { certificates: certificates.map((c) => ({ serial: c.serial, status: c.status, profile: c.profile, notAfter: c.notAfter })) }
      : {}),
  };
}
