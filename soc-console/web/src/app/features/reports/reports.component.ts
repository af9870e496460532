import { ChangeDetectionStrategy, Component, computed, signal } from '@angular/core';
import { httpResource } from '@angular/common/http';
import { API } from '../../core/api/api';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { InstantPipe } from '../../core/format/instant.pipe';

type Row = Record<string, unknown>;

/** The list in an answer that may be a bare array or `{items|reports: [...]}` (the uplink is not built yet). */
function rowsOf(v: unknown): Row[] {
  if (Array.isArray(v)) return v as Row[];
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of ['items', 'reports', 'outbox', 'received']) if (Array.isArray(o[k])) return o[k] as Row[];
  }
  return [];
}

const TIME_COLUMNS = new Set(['createdAt', 'sentAt', 'receivedAt', 'deliveredAt', 'at', '@timestamp', 'updatedAt']);

/** Reports sent up to the ministry SOC (delivery status) and, on an upper tier, reports received. */
@Component({
  selector: 'soc-reports',
  imports: [TranslatePipe, InstantPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <h1>{{ 'nav.reports' | t }}</h1>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" [attr.aria-selected]="tab() === 'outbox'" (click)="tab.set('outbox')">{{ 'reports.outbox' | t }}</button>
        <button type="button" role="tab" [attr.aria-selected]="tab() === 'received'" (click)="tab.set('received')">{{ 'reports.received' | t }}</button>
      </div>
      @if (res.error()) { <p class="muted" role="status">{{ 'reports.unavailable' | t }}</p> }
      <table class="table" data-testid="reports-table">
        <caption class="sr-only">{{ 'reports.' + tab() | t }}</caption>
        <thead><tr>@for (c of columns(); track c) { <th scope="col">{{ c }}</th> } @empty { <th scope="col">{{ 'reports.' + tab() | t }}</th> }</tr></thead>
        <tbody>
          @for (r of rows(); track $index) {
            <tr>@for (c of columns(); track c) { <td [class.nowrap]="isTime(c)">{{ isTime(c) ? (cell(r, c) | instant) : cell(r, c) }}</td> }</tr>
          } @empty { <tr><td [attr.colspan]="columns().length || 1" class="muted">{{ 'reports.empty' | t }}</td></tr> }
        </tbody>
      </table>
    </section>
  `,
})
export class ReportsComponent {
  protected readonly tab = signal<'outbox' | 'received'>('outbox');
  protected readonly res = httpResource<unknown>(() => `${API}reports/${this.tab()}`);
  protected readonly rows = computed(() => (this.res.hasValue() ? rowsOf(this.res.value()) : []));
  protected readonly columns = computed(() => [...new Set(this.rows().slice(0, 20).flatMap((r) => Object.keys(r)))].slice(0, 8));
  protected readonly isTime = (c: string) => TIME_COLUMNS.has(c);
  protected cell(r: Row, c: string): string {
    const v = r[c];
    if (v === null || v === undefined) return '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}
