import { Injectable, computed, signal } from '@angular/core';

export interface SessionUser {
  name: string;
  displayName?: string;
  roles: string[];
  permissions: string[];
}

export interface SessionAnswer {
  user: SessionUser;
  csrfToken: string;
  /** Password accepted for an account that must enrol TOTP first: the session allows nothing else. */
  totpEnrolmentRequired?: boolean;
}

/**
 * Who is signed in. The CSRF token lives only here, in memory (never in storage), so script elsewhere on
 * the origin cannot read it back from storage and a reload asks the server again (GET session).
 */
@Injectable({ providedIn: 'root' })
export class AuthState {
  readonly user = signal<SessionUser | null>(null);
  readonly csrfToken = signal<string | null>(null);
  readonly permissions = computed(() => new Set(this.user()?.permissions ?? []));
  readonly signedIn = computed(() => this.user() !== null);
  readonly totpEnrolmentRequired = signal(false);

  set(answer: SessionAnswer): void {
    this.user.set(answer.user);
    this.csrfToken.set(answer.csrfToken);
    this.totpEnrolmentRequired.set(answer.totpEnrolmentRequired === true);
  }

  clear(): void {
    this.user.set(null);
    this.csrfToken.set(null);
    this.totpEnrolmentRequired.set(false);
  }

  hasAny(perms: readonly string[]): boolean {
    const have = this.permissions();
    return perms.some((p) => have.has(p));
  }
}
