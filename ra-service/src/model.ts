/** Domain records of the RA, shared by the repository, the workflow and the API. */
import { CrlReason } from '@emsoc/pki';

export type SubjectKind = 'person' | 'device' | 'service';
export type SubjectStatus = 'active' | 'suspended' | 'left';

export interface SubjectAttributes {
  commonName: string;
  email?: string;
  phone?: string;
  /** Staff number (people) or hardware serial (devices). */
  employeeId?: string;
  serialNumber?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
}

export interface Subject {
  id: string;
  kind: SubjectKind;
  orgUnit: string;
  status: SubjectStatus;
  attributes: SubjectAttributes;
  createdAt: string;
  updatedAt: string;
}

/** `recover`: recovery of a KMC-archived encryption key (src/workflow/key-recovery.ts). */
export const REQUEST_TYPES = ['enroll', 'keygen', 'renew', 'rekey', 'revoke', 'suspend', 'resume', 'recover'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];
/** `ca-error`: approved, but the CA connector failed (down, timeout, rejection); an officer may retry it. */
export const REQUEST_STATUSES = ['submitted', 'approved', 'issued', 'completed', 'rejected', 'cancelled', 'failed', 'ca-error'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** RFC 5280 §5.3.1 CRLReason codes: pki's table, named as the RA's API uses it. */
export const REVOCATION_REASONS = CrlReason;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

export interface SanEntry {
  type: 'dns' | 'ip' | 'email' | 'uri';
  value: string;
}

export interface CertRequest {
  id: string;
  type: RequestType;
  status: RequestStatus;
  profile: string | null;
  subjectId: string | null;
  /** Target certificate of renew/rekey/revoke/suspend/resume (recover: the encryption certificate). */
  serial: string | null;
  csrDer: Uint8Array | null;
  /** Key to certify (from the CSR, the renewed certificate or server-side generation). */
  publicKeyInfo: Uint8Array | null;
  san: SanEntry[];
  revocationReason: RevocationReason | null;
  approvalsRequired: number;
  requesterId: string;
  requesterName: string;
  createdAt: string;
  updatedAt: string;
  /** Rejection reason or failure cause. */
  reason: string | null;
  /** Serial of the certificate produced by this request. */
  resultSerial: string | null;
  approvals: Approval[];
  transitions: Transition[];
}

export interface Approval {
  officerId: string;
  officerName: string;
  at: string;
  comment: string | null;
  sourceIp: string | null;
}

export interface Transition {
  from: RequestStatus | null;
  to: RequestStatus;
  actor: string;
  at: string;
  sourceIp: string | null;
  reason: string | null;
}

export type CertificateStatus = 'reserved' | 'valid' | 'revoked' | 'suspended' | 'failed';

export interface CertificateRecord {
  serial: string;
  requestId: string;
  subjectId: string | null;
  profile: string;
  status: CertificateStatus;
  subjectDn: string;
  notBefore: string;
  notAfter: string;
  spkiSha256: string;
  der: Uint8Array | null;
  issuedAt: string | null;
  revokedAt: string | null;
  revocationReason: RevocationReason | null;
  requesterId: string;
}

/** Who did something and from where: every state change carries one. */
export interface Actor {
  id: string;
  name: string;
  roles: string[];
  sourceIp: string | null;
}
