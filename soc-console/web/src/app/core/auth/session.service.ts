import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { API } from '../api/api';
import { AuthState, type SessionAnswer } from './auth-state.service';

/** Sign-in, sign-out and restoring the session after a reload (the cookie survives, the token does not). */
@Injectable({ providedIn: 'root' })
export class SessionService {
  private readonly http = inject(HttpClient);
  private readonly state = inject(AuthState);
  private restoring: Promise<boolean> | null = null;

  async login(username: string, password: string, totp?: string): Promise<void> {
    const body = { username, password, ...(totp ? { totp } : {}) };
    this.state.set(await firstValueFrom(this.http.post<SessionAnswer>(`${API}session/login`, body)));
  }

  async loginWithCertificate(): Promise<void> {
    this.state.set(await firstValueFrom(this.http.post<SessionAnswer>(`${API}session/certificate`, {})));
  }

  /** Asks the server once per page load whether the cookie still names a session. */
  restore(): Promise<boolean> {
    if (this.state.signedIn()) return Promise.resolve(true);
    this.restoring ??= firstValueFrom(this.http.get<SessionAnswer>(`${API}session`))
      .then((a) => {
        this.state.set(a);
        return true;
      })
      .catch(() => false)
      .finally(() => (this.restoring = null));
    return this.restoring;
  }

  async logout(): Promise<void> {
    try {
      await firstValueFrom(this.http.post(`${API}session/logout`, {}));
    } finally {
      this.state.clear();
    }
  }
}
