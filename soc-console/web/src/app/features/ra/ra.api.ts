import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { API, params } from '../../core/api/api';

// The console proxies `ra/...` to the RA's own API with the caller's identity; shapes are the RA's views.

export const REVOCATION_REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn', 'aACompromise'] as const;
export const REQUEST_STATUSES = ['submitted', 'approved', 'issued', 'completed', 'rejected', 'cancelled', 'failed'] as const;
export const CERT_STATUSES = ['valid', 'revoked', 'suspended'] as const;

export interface Approval {
  officerId: string;
  officerName: string;
  at: string;
  comment: string | null;
}

export interface RaRequest {
  id: string;
  type: string;
  status: string;
  profile: string | null;
  subjectId: string | null;
  serial: string | null;
  san: { type: string; value: string }[];
  revocationReason: string | null;
  approvalsRequired: number;
  requester: { id: string; name: string };
  createdAt: string;
  updatedAt: string;
  reason: string | null;
  resultSerial: string | null;
  approvals: Approval[];
  transitions: { from: string | null; to: string; actor: string; at: string; reason: string | null }[];
  csr?: string;
}

export interface RaCertificate {
  serial: string;
  status: string;
  profile: string;
  subjectId: string | null;
  subjectDn: string;
  notBefore: string;
  notAfter: string;
  issuedAt: string | null;
  revokedAt: string | null;
  revocationReason: string | null;
  requestId: string;
  publicKeySha256: string;
  pem?: string | null;
  chain?: string[];
}

@Injectable({ providedIn: 'root' })
export class RaApi {
  private readonly http = inject(HttpClient);
  private readonly base = `${API}ra/`;

  requests(filter: { status?: string; type?: string; limit?: number }) {
    return this.http.get<{ items: RaRequest[] }>(`${this.base}requests`, { params: params({ limit: 200, ...filter }) });
  }
  request(id: string) {
    return this.http.get<RaRequest>(`${this.base}requests/${encodeURIComponent(id)}`);
  }
  approve(id: string, comment?: string) {
    return this.http.post<RaRequest>(`${this.base}requests/${encodeURIComponent(id)}/approve`, comment ? { comment } : {});
  }
  reject(id: string, reason: string) {
    return this.http.post<RaRequest>(`${this.base}requests/${encodeURIComponent(id)}/reject`, { reason });
  }
  certificates(filter: { status?: string; profile?: string; limit?: number }) {
    return this.http.get<{ items: RaCertificate[] }>(`${this.base}certificates`, { params: params({ limit: 1000, ...filter }) });
  }
  certificate(serial: string) {
    return this.http.get<RaCertificate>(`${this.base}certificates/${encodeURIComponent(serial)}`);
  }
  downloadUrl(serial: string, chain: boolean): string {
    return `${this.base}certificates/${encodeURIComponent(serial)}/download?format=pem&chain=${chain}`;
  }
  changeStatus(serial: string, action: 'revoke' | 'suspend' | 'resume', body: { reason?: string; comment?: string }) {
    return this.http.post<RaRequest>(`${this.base}certificates/${encodeURIComponent(serial)}/${action}`, body);
  }
}
