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

  set(answer: SessionAnswer): void {
    this.user.set(answer.user);
    this.csrfToken.set(answer.csrfToken);
  }

  clear(): void {
    this.user.set(null);
    this.csrfToken.set(null);
  }

  hasAny(perms: readonly string[]): boolean {
    const have = this.permissions();
    return perms.some((p) => have.has(p));
  }
}
