import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { httpResource } from '@angular/common/http';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { API, errorText } from '../../core/api/api';
import { AuthState } from '../../core/auth/auth-state.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { InstantPipe } from '../../core/format/instant.pipe';
import { RaApi, REVOCATION_REASONS, type RaCertificate } from './ra.api';
import { RaTabsComponent } from './ra-tabs.component';
import { decodeCertificate, pemToDer, type CertificateView } from './x509-view';

function decode(pem: string | null | undefined): CertificateView | null {
  if (!pem) return null;
  try {
    return decodeCertificate(pemToDer(pem));
  } catch {
    return null;
  }
}

/** A certificate: what it says (decoded from its PEM), its status, chain, download, and status changes. */
@Component({
  selector: 'soc-certificate-detail',
  imports: [FormsModule, RouterLink, TranslatePipe, InstantPipe, RaTabsComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <h1>{{ 'nav.ra' | t }}</h1>
      <soc-ra-tabs />
      <p><a routerLink="/ra/certificates">← {{ 'ra.certificates' | t }}</a></p>
      @if (cert(); as c) {
        <h2 class="mono">{{ c.serial }}</h2>
        <dl class="facts" data-testid="cert-facts">
          <dt>{{ 'ra.status' | t }}</dt><dd><span [class]="'badge cert-' + c.status">{{ 'ra.certStatus.' + c.status | t }}</span>
            @if (c.revocationReason) { <span class="small">({{ 'ra.reason.' + c.revocationReason | t }}, {{ c.revokedAt | instant }})</span> }</dd>
          <dt>{{ 'ra.subject' | t }}</dt><dd>{{ view()?.subject ?? c.subjectDn }}</dd>
          <dt>{{ 'ra.issuer' | t }}</dt><dd>{{ view()?.issuer }}</dd>
          <dt>{{ 'ra.validity' | t }}</dt><dd>{{ c.notBefore | instant }} — {{ c.notAfter | instant }}</dd>
          <dt>{{ 'ra.profile' | t }}</dt><dd>{{ c.profile }}</dd>
          <dt>{{ 'ra.sans' | t }}</dt>
          <dd>@for (s of view()?.sans ?? []; track $index) { <div class="mono small">{{ s.type }}: {{ s.value }}</div> } @empty { — }</dd>
          <dt>{{ 'ra.signatureAlgorithm' | t }}</dt><dd>{{ view()?.signatureAlgorithm }}</dd>
          <dt>{{ 'ra.spki' | t }}</dt><dd class="mono small break">{{ c.publicKeySha256 }}</dd>
        </dl>
        @if (c.pem && !view()) { <p class="error">{{ 'ra.cannotDecode' | t }}</p> }
        <h3>{{ 'ra.extensions' | t }}</h3>
        <table class="table compact" data-testid="cert-extensions">
          <thead><tr><th scope="col">{{ 'ra.extension' | t }}</th><th scope="col">{{ 'ra.critical' | t }}</th><th scope="col">{{ 'ra.value' | t }}</th></tr></thead>
          <tbody>
            @for (e of view()?.extensions ?? []; track e.oid) {
              <tr><td>{{ e.name }} <span class="muted small mono">{{ e.oid }}</span></td><td>{{ (e.critical ? 'common.yes' : 'common.no') | t }}</td><td class="mono small break">{{ e.value }}</td></tr>
            }
          </tbody>
        </table>
        <h3>{{ 'ra.chain' | t }}</h3>
        <ol class="small">
          @for (x of chain(); track $index) { <li>{{ x?.subject }} <span class="muted">← {{ x?.issuer }} · {{ x?.notAfter | instant }}</span></li> }
        </ol>
        <p class="toolbar">
          <a class="button" [href]="download(false)" download data-testid="download-pem">{{ 'ra.downloadPem' | t }}</a>
          <a class="button" [href]="download(true)" download>{{ 'ra.downloadChain' | t }}</a>
        </p>
        @if (canRequest()) {
          <form class="card inline-form" (ngSubmit)="change()">
            <h3>{{ 'ra.changeStatus' | t }}</h3>
            <label for="act">{{ 'ra.action' | t }}</label>
            <select id="act" name="act" [(ngModel)]="action" data-testid="status-action">
              @if (c.status === 'valid') { <option value="revoke">{{ 'ra.requestType.revoke' | t }}</option><option value="suspend">{{ 'ra.requestType.suspend' | t }}</option> }
              @if (c.status === 'suspended') { <option value="resume">{{ 'ra.requestType.resume' | t }}</option><option value="revoke">{{ 'ra.requestType.revoke' | t }}</option> }
            </select>
            @if (action() === 'revoke') {
              <label for="rc">{{ 'ra.reasonCode' | t }}</label>
              <select id="rc" name="rc" [(ngModel)]="reasonCode" data-testid="reason-code">
                @for (r of reasons; track r) { <option [value]="r">{{ 'ra.reason.' + r | t }}</option> }
              </select>
            }
            <label for="cm">{{ 'ra.comment' | t }}</label>
            <input id="cm" name="cm" maxlength="500" [(ngModel)]="comment" />
            <button type="submit" class="danger" [disabled]="busy() || (c.status !== 'valid' && c.status !== 'suspended')" data-testid="status-submit">{{ 'ra.submitRequest' | t }}</button>
            <p class="muted small">{{ 'ra.needsApproval' | t }}</p>
          </form>
        }
        @if (error()) { <p class="error" role="alert">{{ error() }}</p> }
        @if (notice()) { <p class="ok" role="status" data-testid="status-notice">{{ notice() }}</p> }
      } @else if (res.error()) {
        <p class="error" role="alert">{{ 'common.loadFailed' | t }}</p>
      } @else {
        <p class="muted">{{ 'common.loading' | t }}</p>
      }
    </section>
  `,
})
export class CertificateDetailComponent {
  private readonly api = inject(RaApi);
  private readonly auth = inject(AuthState);
  readonly serial = input.required<string>();
  protected readonly reasons = REVOCATION_REASONS;
  protected readonly res = httpResource<RaCertificate>(() => `${API}ra/certificates/${encodeURIComponent(this.serial())}`);
  protected readonly cert = computed(() => (this.res.hasValue() ? this.res.value() : null));
  protected readonly view = computed(() => decode(this.cert()?.pem));
  protected readonly chain = computed(() => (this.cert()?.chain ?? []).map((p) => decode(p)));
  protected readonly canRequest = computed(() => this.auth.permissions().has('ra.requests:submit'));
  protected readonly action = signal<'revoke' | 'suspend' | 'resume'>('revoke');
  protected readonly reasonCode = signal<string>('keyCompromise');
  protected readonly comment = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal('');
  protected readonly notice = signal('');

  protected download(chain: boolean): string {
    return this.api.downloadUrl(this.serial(), chain);
  }

  protected async change(): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    try {
      const action = this.action();
      const body = { ...(action === 'revoke' ? { reason: this.reasonCode() } : {}), ...(this.comment().trim() ? { comment: this.comment().trim() } : {}) };
      const r = await firstValueFrom(this.api.changeStatus(this.serial(), action, body));
      this.notice.set(`${r.type} → ${r.status} (${r.approvals.length}/${r.approvalsRequired})`);
      this.res.reload();
    } catch (e) {
      this.error.set(errorText(e));
    } finally {
      this.busy.set(false);
    }
  }
}
