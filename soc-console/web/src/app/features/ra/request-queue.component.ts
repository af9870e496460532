import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { httpResource } from '@angular/common/http';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { API, errorText, queryString } from '../../core/api/api';
import { AuthState } from '../../core/auth/auth-state.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { InstantPipe } from '../../core/format/instant.pipe';
import { RaApi, REQUEST_STATUSES, type RaRequest } from './ra.api';
import { approvalState } from './dual-control';
import { RaTabsComponent } from './ra-tabs.component';

/** Pending certificate requests with dual control made visible; approve or reject with a reason. */
@Component({
  selector: 'soc-request-queue',
  imports: [FormsModule, RouterLink, TranslatePipe, InstantPipe, RaTabsComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <h1>{{ 'nav.ra' | t }}</h1>
      <soc-ra-tabs />
      <div class="toolbar">
        <label for="rs">{{ 'ra.status' | t }}</label>
        <select id="rs" [(ngModel)]="status" data-testid="request-status">
          <option value="">{{ 'common.all' | t }}</option>
          @for (s of statuses; track s) { <option [value]="s">{{ 'ra.requestStatus.' + s | t }}</option> }
        </select>
        <button type="button" (click)="res.reload()">{{ 'common.refresh' | t }}</button>
      </div>
      @if (error()) { <p class="error" role="alert" data-testid="ra-error">{{ error() }}</p> }
      @if (notice()) { <p class="ok" role="status" data-testid="ra-notice">{{ notice() }}</p> }
      @if (res.error(); as e) { <p class="error" role="alert" data-testid="ra-load-error">{{ 'common.loadFailed' | t }}: {{ errorOf(e) }}</p> }
      <table class="table" data-testid="request-table">
        <caption class="sr-only">{{ 'ra.requests' | t }}</caption>
        <thead><tr>
          <th scope="col">{{ 'ra.type' | t }}</th><th scope="col">{{ 'ra.subject' | t }}</th><th scope="col">{{ 'ra.requester' | t }}</th>
          <th scope="col">{{ 'ra.submitted' | t }}</th><th scope="col">{{ 'ra.approvals' | t }}</th><th scope="col">{{ 'ra.status' | t }}</th><th scope="col">{{ 'common.actions' | t }}</th>
        </tr></thead>
        <tbody>
          @for (r of rows(); track r.req.id) {
            <tr [attr.data-request-id]="r.req.id">
              <td>{{ 'ra.requestType.' + r.req.type | t }} @if (r.req.revocationReason) { <span class="small muted">({{ 'ra.reason.' + r.req.revocationReason | t }})</span> }</td>
              <td class="small">
                @if (r.req.serial) { <a class="mono" [routerLink]="['/ra/certificates', r.req.serial]">{{ r.req.serial }}</a> }
                @for (s of r.req.san; track $index) { <div class="mono">{{ s.type }}:{{ s.value }}</div> }
                @if (r.req.profile) { <div class="muted">{{ r.req.profile }}</div> }
              </td>
              <td>{{ r.req.requester.name }}</td>
              <td class="nowrap">{{ r.req.createdAt | instant }}</td>
              <td data-testid="dual-control">
                <span class="badge">{{ r.req.approvals.length }} / {{ r.req.approvalsRequired }}</span>
                @for (n of r.state.names; track $index) { <div class="small">✓ {{ n }}</div> }
                @if (r.req.status === 'submitted' && r.state.remaining > 0) { <div class="small muted">{{ 'ra.moreNeeded' | t: { n: r.state.remaining } }}</div> }
              </td>
              <td>{{ 'ra.requestStatus.' + r.req.status | t }} @if (r.req.reason) { <div class="small muted">{{ r.req.reason }}</div> }</td>
              <td>
                @if (canDecide() && r.state.canDecide) {
                  <button type="button" class="primary small" (click)="approve(r.req)" [disabled]="busy()" data-testid="approve">{{ 'ra.approve' | t }}</button>
                  <button type="button" class="small" (click)="rejecting.set(r.req.id)" [disabled]="busy()" data-testid="reject">{{ 'ra.reject' | t }}</button>
                } @else if (r.state.ownRequest && r.req.status === 'submitted') {
                  <span class="small muted">{{ 'ra.ownRequest' | t }}</span>
                } @else if (r.state.alreadyApproved && r.req.status === 'submitted') {
                  <span class="small muted">{{ 'ra.youApproved' | t }}</span>
                }
              </td>
            </tr>
            @if (rejecting() === r.req.id) {
              <tr><td colspan="7">
                <form class="inline-form" (ngSubmit)="reject(r.req)">
                  <label [for]="'rr-' + r.req.id">{{ 'ra.rejectReason' | t }}</label>
                  <input [id]="'rr-' + r.req.id" name="reason" required maxlength="500" [(ngModel)]="reason" data-testid="reject-reason" />
                  <button type="submit" [disabled]="!reason().trim() || busy()" data-testid="reject-confirm">{{ 'ra.reject' | t }}</button>
                  <button type="button" (click)="rejecting.set(null)">{{ 'common.cancel' | t }}</button>
                </form>
              </td></tr>
            }
          } @empty { <tr><td colspan="7" class="muted">{{ res.isLoading() ? ('common.loading' | t) : ('common.none' | t) }}</td></tr> }
        </tbody>
      </table>
    </section>
  `,
})
export class RequestQueueComponent {
  private readonly api = inject(RaApi);
  private readonly auth = inject(AuthState);
  protected readonly errorOf = errorText;
  protected readonly statuses = REQUEST_STATUSES;
  protected readonly status = signal('submitted');
  protected readonly res = httpResource<{ items: RaRequest[] }>(() => `${API}ra/requests?${queryString({ status: this.status(), limit: 200 })}`);
  protected readonly canDecide = computed(() => this.auth.permissions().has('ra.requests:decide'));
  protected readonly rows = computed(() => {
    const me = this.auth.user()?.name;
    return (this.res.hasValue() ? this.res.value().items : []).map((req) => ({ req, state: approvalState(req, me) }));
  });
  protected readonly rejecting = signal<string | null>(null);
  protected readonly reason = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal('');
  protected readonly notice = signal('');

  protected approve(r: RaRequest): Promise<void> {
    return this.run(async () => {
      const after = await firstValueFrom(this.api.approve(r.id));
      this.notice.set(`${r.id.slice(0, 8)}: ${after.status}`);
    });
  }

  protected reject(r: RaRequest): Promise<void> {
    return this.run(async () => {
      await firstValueFrom(this.api.reject(r.id, this.reason().trim()));
      this.reason.set('');
      this.rejecting.set(null);
      this.notice.set(`${r.id.slice(0, 8)}: rejected`);
    });
  }

  private async run(fn: () => Promise<void>): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    this.notice.set('');
    try {
      await fn();
    } catch (e) {
      this.error.set(errorText(e));
    } finally {
      this.busy.set(false);
      this.res.reload();
    }
  }
}
