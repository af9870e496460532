import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router } from '@angular/router';
import { HttpErrorResponse } from '@angular/common/http';
import { SessionService } from '../../core/auth/session.service';
import { AuthState } from '../../core/auth/auth-state.service';
import { ENROLMENT_ROUTE, landingRoute } from '../../core/auth/landing';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { LanguageToggleComponent } from '../../shell/language-toggle.component';

/**
 * Password + TOTP or RA-issued client certificate; the session cookie is set by the server. A new or reset
 * local account signs in with its password alone once, and is sent to TOTP enrolment.
 */
@Component({
  selector: 'soc-login',
  imports: [FormsModule, TranslatePipe, LanguageToggleComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <main id="main" class="login">
      <div class="login__lang"><soc-language-toggle /></div>
      <h1>{{ 'app.title' | t }}</h1>
      <form class="card" (ngSubmit)="signIn()" data-testid="login-form">
        <h2>{{ 'login.title' | t }}</h2>
        <label for="username">{{ 'login.username' | t }}</label>
        <input id="username" name="username" autocomplete="username" required [(ngModel)]="username" />
        <label for="password">{{ 'login.password' | t }}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required [(ngModel)]="password" />
        <label for="totp">{{ 'login.totp' | t }}</label>
        <input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" aria-describedby="totp-hint" [(ngModel)]="totp" />
        <p class="muted small" id="totp-hint">{{ 'login.totpHint' | t }}</p>
        @if (error()) { <p class="error" role="alert" data-testid="login-error">{{ error() | t }}</p> }
        <button type="submit" class="primary" [disabled]="busy()">{{ 'login.submit' | t }}</button>
        <hr />
        <button type="button" (click)="signInWithCertificate()" [disabled]="busy()">{{ 'login.certificate' | t }}</button>
        <p class="muted small">{{ 'login.certificateHint' | t }}</p>
      </form>
    </main>
  `,
})
export class LoginComponent {
  private readonly session = inject(SessionService);
  private readonly auth = inject(AuthState);
  private readonly router = inject(Router);
  /** Where to go after signing in (query parameter set by the guard / 401 handler). */
  readonly next = input<string>();
  protected readonly username = signal('');
  protected readonly password = signal('');
  protected readonly totp = signal('');
  protected readonly error = signal('');
  protected readonly busy = signal(false);

  protected signIn(): Promise<void> {
    return this.attempt(() => this.session.login(this.username().trim(), this.password(), this.totp().trim() || undefined));
  }

  protected signInWithCertificate(): Promise<void> {
    return this.attempt(() => this.session.loginWithCertificate());
  }

  private async attempt(fn: () => Promise<void>): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    try {
      await fn();
      this.password.set('');
      if (this.auth.totpEnrolmentRequired()) {
        await this.router.navigateByUrl(ENROLMENT_ROUTE);
        return;
      }
      const next = this.next();
      // Only same-app paths: an open redirect through ?next= would be a phishing aid.
      const target = next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : landingRoute(this.auth.permissions());
      await this.router.navigateByUrl(target);
    } catch (e) {
      const status = e instanceof HttpErrorResponse ? e.status : 0;
      this.error.set(status === 401 ? 'login.failed' : status === 429 ? 'login.rateLimited' : 'login.unavailable');
    } finally {
      this.busy.set(false);
    }
  }
}
