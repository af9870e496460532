import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { httpResource } from '@angular/common/http';
import { DecimalPipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { API, queryString } from '../../core/api/api';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { TranslationService } from '../../core/i18n/translation.service';
import { TimeSettingsService } from '../../core/time/time-settings.service';
import { resolveRange, type TimeRange } from '../../core/time/time-range';
import { ChartComponent, PALETTE, SEVERITY_COLOURS } from '../../shared/chart/chart.component';
import { barChart, doughnutChart, formatBytes, latestRate, timeSeriesChart, type Bucket } from '../../shared/chart/series';
import { TimeRangePickerComponent } from '../../shared/time-range/time-range-picker.component';
import { autoRefresh } from '../../shared/refresh';

interface Overview {
  eventsOverTime: Bucket[];
  flowBytesOverTime: Bucket[];
  alertsBySeverity: { severity: string; buckets: Bucket[] }[];
  incidentsByStatus: { status: string; count: number }[];
  topTalkers: { ip: string; bytes: number }[];
  health: Record<string, unknown>;
}

/** health values may be a bare status or an object with one. */
function statusOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { status?: unknown }).status === 'string') return (v as { status: string }).status;
  return 'unknown';
}

@Component({
  selector: 'soc-overview',
  imports: [ChartComponent, TranslatePipe, TimeRangePickerComponent, DecimalPipe, FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <div class="page__head">
        <h1>{{ 'nav.overview' | t }}</h1>
        <div class="toolbar">
          <soc-time-range [(range)]="range" />
          <label class="inline"><input type="checkbox" [(ngModel)]="auto.enabled" data-testid="auto-refresh" /> {{ 'common.autoRefresh' | t }}</label>
          <button type="button" (click)="auto.refresh()">{{ 'common.refresh' | t }}</button>
        </div>
      </div>
      @if (data.error()) { <p class="error" role="alert">{{ 'common.loadFailed' | t }}</p> }
      @if (view(); as v) {
        <div class="grid stats">
          <div class="stat"><span class="stat__label">{{ 'overview.eventRate' | t }}</span><span class="stat__value">{{ v.eventRate === null ? '—' : (v.eventRate | number: '1.0-1') }}/s</span></div>
          <div class="stat"><span class="stat__label">{{ 'overview.flowRate' | t }}</span><span class="stat__value">{{ v.flowRate }}</span></div>
          @for (h of v.health; track h.name) {
            <div class="stat"><span class="stat__label">{{ 'overview.health.' + h.name | t }}</span>
              <span class="badge" [class]="'badge status-' + h.status">{{ 'health.' + h.status | t }}</span></div>
          }
        </div>
        <div class="grid charts">
          <figure class="card"><figcaption>{{ 'overview.events' | t }}</figcaption><soc-chart [config]="v.events" [label]="'overview.events' | t" /></figure>
          <figure class="card"><figcaption>{{ 'overview.bytes' | t }}</figcaption><soc-chart [config]="v.bytes" [label]="'overview.bytes' | t" /></figure>
          <figure class="card"><figcaption>{{ 'overview.alerts' | t }}</figcaption><soc-chart [config]="v.alerts" [label]="'overview.alerts' | t" /></figure>
          <figure class="card"><figcaption>{{ 'overview.incidents' | t }}</figcaption><soc-chart [config]="v.incidents" [label]="'overview.incidents' | t" /></figure>
          <figure class="card wide"><figcaption>{{ 'overview.topTalkers' | t }}</figcaption><soc-chart [config]="v.talkers" [label]="'overview.topTalkers' | t" /></figure>
        </div>
      } @else if (data.isLoading()) {
        <p class="muted">{{ 'common.loading' | t }}</p>
      }
    </section>
  `,
})
export class OverviewComponent {
  private readonly i18n = inject(TranslationService);
  private readonly time = inject(TimeSettingsService);
  protected readonly range = signal<TimeRange>({ preset: '24h' });
  protected readonly auto = autoRefresh();
  protected readonly data = httpResource<Overview>(() => {
    this.auto.tick();
    return `${API}overview?${queryString(resolveRange(this.range()))}`;
  });

  protected readonly view = computed(() => {
    if (!this.data.hasValue()) return null;
    const o = this.data.value();
    const t = (k: string) => this.i18n.t(k);
    const tz = this.time.timeZone();
    const bytesRate = latestRate(o.flowBytesOverTime ?? []);
    return {
      eventRate: latestRate(o.eventsOverTime ?? []),
      flowRate: bytesRate === null ? '—' : `${formatBytes(bytesRate)}/s`,
      health: Object.entries(o.health ?? {}).map(([name, v]) => ({ name, status: statusOf(v) })),
      events: timeSeriesChart('line', [{ label: t('overview.events'), buckets: o.eventsOverTime ?? [], colour: PALETTE[0]! }], tz),
      bytes: timeSeriesChart('line', [{ label: t('overview.bytes'), buckets: o.flowBytesOverTime ?? [], colour: PALETTE[2]! }], tz),
      alerts: timeSeriesChart(
        'bar',
        (o.alertsBySeverity ?? []).map((s) => ({ label: t('severity.' + s.severity), buckets: s.buckets, colour: SEVERITY_COLOURS[s.severity] ?? PALETTE[3]! })),
        tz,
        true,
      ),
      incidents: doughnutChart(
        (o.incidentsByStatus ?? []).map((s) => t('status.' + s.status)),
        (o.incidentsByStatus ?? []).map((s) => s.count),
        PALETTE,
      ),
      talkers: barChart(
        (o.topTalkers ?? []).map((x) => x.ip),
        (o.topTalkers ?? []).map((x) => x.bytes),
        t('overview.bytes'),
        PALETTE[0]!,
      ),
    };
  });
}
