import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { HttpErrorResponse } from '@angular/common/http';
import { Router } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { errorText } from '../../core/api/api';
import { AuthState } from '../../core/auth/auth-state.service';
import { landingRoute } from '../../core/auth/landing';
import { InstantPipe } from '../../core/format/instant.pipe';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { qrMatrix, qrPath } from '../../shared/qr/qr';
import { TotpApi, groupKey, type TotpEnrolment, type TotpStatus } from './totp.api';

/**
 * Authenticator enrolment for a local (password) account: the server makes a key and shows it once; it is
 * activated only when the user types a current code from their app. An account that must enrol first
 * lands here straight from sign-in and continues to its normal start screen afterwards.
 */
@Component({
  selector: 'soc-totp-enrolment',
  imports: [FormsModule, TranslatePipe, InstantPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card totp" aria-labelledby="totp-title">
      <h1 id="totp-title">{{ 'totp.title' | t }}</h1>
      @if (status(); as s) {
        @if (done()) {
          <p role="status" data-testid="totp-done">{{ 'totp.done' | t }}</p>
          <button type="button" class="primary" (click)="continue()" data-testid="totp-continue">{{ 'totp.continue' | t }}</button>
        } @else if (!s.localAccount) {
          <p>{{ 'totp.notLocal' | t }}</p>
        } @else if (s.enrolled) {
          <p data-testid="totp-enrolled">{{ 'totp.enrolled' | t }}</p>
          <p class="muted">{{ 'totp.lost' | t }}</p>
        } @else {
          @if (s.enrolmentRequired) { <p class="notice" role="note" data-testid="totp-required">{{ 'totp.required' | t }}</p> }
          <p>{{ 'totp.intro' | t }}</p>
          @if (enrolment(); as e) {
            <p>{{ 'totp.step1' | t }}</p>
            @if (qr(); as q) {
              <svg class="totp__qr" data-testid="totp-qr" role="img" [attr.aria-label]="'totp.qr' | t" [attr.viewBox]="'0 0 ' + q.size + ' ' + q.size" width="232" height="232" shape-rendering="crispEdges">
                <rect [attr.width]="q.size" [attr.height]="q.size" fill="#fff" />
                <path [attr.d]="q.path" fill="#000" />
              </svg>
            }
            <dl class="totp__key">
              <dt>{{ 'totp.secret' | t }}</dt>
              <dd><code data-testid="totp-secret" [attr.data-secret]="e.secret">{{ grouped(e.secret) }}</code></dd>
              <dt>{{ 'totp.uri' | t }}</dt>
              <dd><code class="wrap" data-testid="totp-uri">{{ e.uri }}</code></dd>
            </dl>
            <p class="muted small">{{ 'totp.expires' | t: { time: (e.expiresAt | instant) } }}</p>
            <form (ngSubmit)="confirm()" data-testid="totp-confirm-form">
              <label for="totp-code">{{ 'totp.step2' | t }}</label>
              <input id="totp-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required [(ngModel)]="code" />
              <button type="submit" class="primary" [disabled]="busy() || code().trim().length !== 6">{{ 'totp.confirm' | t }}</button>
            </form>
          } @else {
            <button type="button" class="primary" (click)="start()" [disabled]="busy()" data-testid="totp-start">{{ 'totp.start' | t }}</button>
          }
        }
      }
      @if (error(); as err) { <p class="error" role="alert" data-testid="totp-error">{{ err.key | t: err.params }}</p> }
    </section>
  `,
})
export class TotpEnrolmentComponent implements OnInit {
  private readonly api = inject(TotpApi);
  private readonly auth = inject(AuthState);
  private readonly router = inject(Router);
  protected readonly status = signal<TotpStatus | null>(null);
  protected readonly enrolment = signal<TotpEnrolment | null>(null);
  protected readonly code = signal('');
  protected readonly busy = signal(false);
  protected readonly done = signal(false);
  /** Message key and parameters (rendered through the pipe so it follows the language toggle). */
  protected readonly error = signal<{ key: string; params?: Record<string, unknown> } | null>(null);
  protected readonly grouped = groupKey;
  /** The key URI as a QR code (drawn locally: the key never leaves this page); none if it does not fit. */
  protected readonly qr = computed(() => {
    const e = this.enrolment();
    if (!e) return null;
    try {
      const m = qrMatrix(e.uri);
      return { size: m.length + 8, path: qrPath(m) };
    } catch {
      return null;
    }
  });

  async ngOnInit(): Promise<void> {
    try {
      this.status.set(await firstValueFrom(this.api.status()));
    } catch (e) {
      this.error.set({ key: 'totp.failed', params: { error: errorText(e) } });
    }
  }

  protected async start(): Promise<void> {
    await this.run(async () => {
      this.enrolment.set(await firstValueFrom(this.api.start()));
      this.code.set('');
    });
  }

  protected async confirm(): Promise<void> {
    await this.run(async () => {
      const answer = await firstValueFrom(this.api.confirm(this.code().trim()));
      this.auth.set(answer); // a full session (new CSRF token) replaces the enrolment-only one
      this.enrolment.set(null);
      this.done.set(true);
    });
  }

  protected continue(): Promise<boolean> {
    return this.router.navigateByUrl(landingRoute(this.auth.permissions()));
  }

  private async run(fn: () => Promise<void>): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      await fn();
    } catch (e) {
      const status = e instanceof HttpErrorResponse ? e.status : 0;
      if (status === 400 && this.enrolment()) this.error.set({ key: 'totp.badCode' });
      else if (status === 429) this.error.set({ key: 'totp.rateLimited' });
      else if (status === 409 && this.enrolment()) {
        this.enrolment.set(null);
        this.error.set({ key: 'totp.expired' });
      } else this.error.set({ key: 'totp.failed', params: { error: errorText(e) } });
      this.code.set('');
    } finally {
      this.busy.set(false);
    }
  }
}
