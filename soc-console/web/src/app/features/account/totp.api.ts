import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { API } from '../../core/api/api';
import type { SessionAnswer } from '../../core/auth/auth-state.service';

export interface TotpStatus {
  localAccount: boolean;
  enrolled: boolean;
  pendingUntil: string | null;
  enrolmentRequired: boolean;
}

export interface TotpEnrolment {
  secret: string;
  uri: string;
  algorithm: string;
  digits: number;
  periodSeconds: number;
  expiresAt: string;
}

@Injectable({ providedIn: 'root' })
export class TotpApi {
  private readonly http = inject(HttpClient);

  status() {
    return this.http.get<TotpStatus>(`${API}account/totp`);
  }

  start() {
    return this.http.post<TotpEnrolment>(`${API}account/totp/enrolment`, {});
  }

  /** Activates the pending key; the answer is the (possibly new, full) session. */
  confirm(code: string) {
    return this.http.post<SessionAnswer & { enrolled: boolean }>(`${API}account/totp/enrolment/confirm`, { code });
  }
}

/** The base32 key in groups of four, easier to type into an app by hand. */
export function groupKey(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
