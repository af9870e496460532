import { ChangeDetectionStrategy, Component, computed, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { httpResource } from '@angular/common/http';
import { DecimalPipe } from '@angular/common';
import { API, queryString } from '../../core/api/api';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { InstantPipe } from '../../core/format/instant.pipe';
import { resolveRange, type TimeRange } from '../../core/time/time-range';
import { ExportButtonComponent } from '../../shared/export/export-button.component';
import { JsonTreeComponent } from '../../shared/json-tree/json-tree.component';
import { TimeRangePickerComponent } from '../../shared/time-range/time-range-picker.component';
import { getField } from '../search/document';

interface ChainStatus {
  ok: boolean;
  records: number;
  brokenAt?: number | string;
  /** The chain could not be checked at all (e.g. the RA was unreachable). */
  error?: string;
}

interface RaAuditRecord {
  seq: number;
  eventType: string;
  objectType?: string;
  objectId?: string;
  outcome?: string;
  actorName?: string;
  actor?: { name?: string } | string;
  at?: string;
  createdAt?: string;
  details?: unknown;
}

/** Read-only audit trail of the console and the RA, with the hash-chain verification result. */
@Component({
  selector: 'soc-audit',
  imports: [FormsModule, DecimalPipe, TranslatePipe, InstantPipe, ExportButtonComponent, JsonTreeComponent, TimeRangePickerComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <div class="page__head">
        <h1>{{ 'nav.audit' | t }}</h1>
        <div class="toolbar" data-testid="chain-status">
          @if (verify.hasValue()) {
            @for (c of chains(); track c.name) {
              <!-- "Could not check" (the service did not answer) is not the same finding as "broken". -->
              <span [class]="'badge ' + (c.status.ok ? 'status-green' : c.status.error ? 'status-yellow' : 'status-red')" [attr.data-chain]="c.name" [attr.data-ok]="c.status.ok">
                {{ 'audit.chain.' + c.name | t }}: {{ (c.status.ok ? 'audit.intact' : c.status.error ? 'audit.verifyFailed' : 'audit.broken') | t }} · {{ c.status.records | number }}
                @if (!c.status.ok && c.status.brokenAt !== undefined) { ({{ 'audit.brokenAt' | t }} {{ c.status.brokenAt }}) }
              </span>
              @if (c.status.error) { <span class="error small" [attr.data-chain-error]="c.name">{{ c.status.error }}</span> }
            }
          } @else if (verify.error()) {
            <span class="badge status-yellow">{{ 'audit.verifyFailed' | t }}</span>
          } @else { <span class="muted">{{ 'audit.verifying' | t }}</span> }
          <button type="button" (click)="verify.reload()">{{ 'audit.verifyAgain' | t }}</button>
        </div>
      </div>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" [attr.aria-selected]="tab() === 'console'" (click)="tab.set('console')">{{ 'audit.chain.console' | t }}</button>
        <button type="button" role="tab" [attr.aria-selected]="tab() === 'ra'" (click)="tab.set('ra')" data-testid="ra-audit-tab">{{ 'audit.chain.ra' | t }}</button>
      </div>
      @if (tab() === 'console') {
        <div class="toolbar">
          <soc-time-range [(range)]="range" />
          <label for="aq">{{ 'common.filter' | t }}</label>
          <input id="aq" class="mono" [ngModel]="q()" (change)="q.set($any($event.target).value)" [placeholder]="'audit.filterHint' | t" />
          <soc-export-button [url]="exportUrl()" filename="emsoc-audit" />
        </div>
        <table class="table" data-testid="audit-table">
          <caption class="sr-only">{{ 'audit.chain.console' | t }}</caption>
          <thead><tr><th scope="col">{{ 'common.time' | t }}</th><th scope="col">{{ 'audit.actor' | t }}</th><th scope="col">{{ 'audit.action' | t }}</th><th scope="col">{{ 'audit.outcome' | t }}</th><th scope="col">{{ 'audit.details' | t }}</th></tr></thead>
          <tbody>
            @for (r of consoleRows(); track $index) {
              <tr>
                <td class="nowrap">{{ field(r, '@timestamp') | instant }}</td>
                <td>{{ field(r, 'user.name') ?? field(r, 'actor') }}</td>
                <td class="mono small">{{ field(r, 'event.action') ?? field(r, 'action') }}</td>
                <td>{{ field(r, 'event.outcome') ?? field(r, 'outcome') }}</td>
                <td><details><summary>{{ 'common.show' | t }}</summary><soc-json-tree [value]="r" /></details></td>
              </tr>
            } @empty { <tr><td colspan="5" class="muted">{{ consoleAudit.isLoading() ? ('common.loading' | t) : ('common.none' | t) }}</td></tr> }
          </tbody>
        </table>
      } @else {
        <div class="toolbar">
          <label for="et">{{ 'audit.eventType' | t }}</label>
          <input id="et" class="mono" [ngModel]="eventType()" (change)="eventType.set($any($event.target).value)" placeholder="request.approved" />
        </div>
        <table class="table" data-testid="ra-audit-table">
          <caption class="sr-only">{{ 'audit.chain.ra' | t }}</caption>
          <thead><tr><th scope="col">#</th><th scope="col">{{ 'common.time' | t }}</th><th scope="col">{{ 'audit.actor' | t }}</th><th scope="col">{{ 'audit.action' | t }}</th><th scope="col">{{ 'audit.object' | t }}</th><th scope="col">{{ 'audit.outcome' | t }}</th></tr></thead>
          <tbody>
            @for (r of raRows(); track r.seq) {
              <tr>
                <td class="num">{{ r.seq }}</td>
                <td class="nowrap">{{ r.at ?? r.createdAt | instant }}</td>
                <td>{{ actorOf(r) }}</td>
                <td class="mono small">{{ r.eventType }}</td>
                <td class="mono small">{{ r.objectType }} {{ r.objectId }}</td>
                <td>{{ r.outcome }}</td>
              </tr>
            } @empty { <tr><td colspan="6" class="muted">{{ 'common.none' | t }}</td></tr> }
          </tbody>
        </table>
      }
    </section>
  `,
})
export class AuditComponent {
  protected readonly tab = signal<'console' | 'ra'>('console');
  protected readonly range = signal<TimeRange>({ preset: '24h' });
  protected readonly q = signal('');
  protected readonly eventType = signal('');
  protected readonly verify = httpResource<{ console?: ChainStatus; ra?: ChainStatus }>(() => `${API}audit/verify`);
  protected readonly chains = computed(() =>
    this.verify.hasValue()
      ? (['console', 'ra'] as const).flatMap((name) => {
          const status = this.verify.value()?.[name];
          return status ? [{ name, status }] : [];
        })
      : [],
  );
  protected readonly consoleAudit = httpResource<{ total?: number; events?: Record<string, unknown>[]; records?: Record<string, unknown>[]; items?: Record<string, unknown>[] }>(
    () => `${API}audit?${queryString({ ...resolveRange(this.range()), q: this.q().trim(), size: 200 })}`,
  );
  protected readonly consoleRows = computed(() => {
    if (!this.consoleAudit.hasValue()) return [];
    const v = this.consoleAudit.value();
    return v.events ?? v.records ?? v.items ?? [];
  });
  private readonly raAudit = httpResource<{ items: RaAuditRecord[] }>(() =>
    this.tab() === 'ra' ? `${API}ra/audit?${queryString({ limit: 500, eventType: this.eventType().trim() })}` : undefined,
  );
  protected readonly raRows = computed(() => (this.raAudit.hasValue() ? [...this.raAudit.value().items].reverse() : []));
  protected readonly exportUrl = computed(() => `${API}events/export?${queryString({ dataset: 'audit', q: this.q().trim(), ...resolveRange(this.range()) })}`);
  protected readonly field = (r: unknown, f: string) => getField(r, f) as string | undefined;

  protected actorOf(r: RaAuditRecord): string {
    if (r.actorName) return r.actorName;
    if (typeof r.actor === 'string') return r.actor;
    return r.actor?.name ?? '';
  }
}
