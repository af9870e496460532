import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { DecimalPipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { httpResource } from '@angular/common/http';
import { Router } from '@angular/router';
import { API, queryString } from '../../core/api/api';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { TranslationService } from '../../core/i18n/translation.service';
import { TimeSettingsService } from '../../core/time/time-settings.service';
import { resolveRange, type TimeRange } from '../../core/time/time-range';
import { ChartComponent, PALETTE } from '../../shared/chart/chart.component';
import { barChart, formatBytes, timeSeriesChart, type Bucket } from '../../shared/chart/series';
import { TimeRangePickerComponent } from '../../shared/time-range/time-range-picker.component';
import { autoRefresh } from '../../shared/refresh';
import { fieldClause } from '../search/query-builder';

const DIMENSIONS = ['source.ip', 'destination.ip', 'destination.port', 'source.asset.org_unit', 'destination.asset.org_unit'] as const;
const METRICS = ['bytes', 'packets', 'flows'] as const;
type Metric = (typeof METRICS)[number];

interface TopRows {
  rows: { key: string | number; value: number }[];
}

/** One top-N panel: its own request, so the five panels load in parallel and fail independently. */
function topResource(by: string, state: () => { range: TimeRange; metric: Metric; tick: number }) {
  return httpResource<TopRows>(() => {
    const s = state();
    return `${API}flows/top?${queryString({ by, metric: s.metric, size: 10, ...resolveRange(s.range) })}`;
  });
}

@Component({
  selector: 'soc-flows',
  imports: [ChartComponent, TranslatePipe, TimeRangePickerComponent, FormsModule, DecimalPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <div class="page__head">
        <h1>{{ 'nav.flows' | t }}</h1>
        <div class="toolbar">
          <soc-time-range [(range)]="range" />
          <label for="metric">{{ 'flows.metric' | t }}</label>
          <select id="metric" [(ngModel)]="metric">
            @for (m of metrics; track m) { <option [value]="m">{{ 'flows.metrics.' + m | t }}</option> }
          </select>
          <label class="inline"><input type="checkbox" [(ngModel)]="auto.enabled" /> {{ 'common.autoRefresh' | t }}</label>
        </div>
      </div>
      <div class="grid charts">
        <figure class="card wide">
          <figcaption>{{ 'flows.overTime' | t }}</figcaption>
          @if (series(); as c) { <soc-chart [config]="c" [label]="'flows.overTime' | t" /> }
        </figure>
        @for (p of panels; track p.by) {
          <section class="card" [attr.aria-labelledby]="'h-' + p.by">
            <h2 [id]="'h-' + p.by">{{ 'flows.by.' + p.by | t }}</h2>
            @if (p.res.hasValue()) {
              @if (p.chart(); as c) { <soc-chart [config]="c" [label]="'flows.by.' + p.by | t" /> }
              <table class="table compact">
                <thead><tr><th scope="col">{{ 'flows.key' | t }}</th><th scope="col" class="num">{{ 'flows.metrics.' + metric() | t }}</th></tr></thead>
                <tbody>
                  @for (r of p.res.value().rows; track r.key) {
                    <tr>
                      <td><button type="button" class="link mono" (click)="open(p.by, r.key)" [attr.aria-label]="('flows.showFlows' | t) + ' ' + r.key">{{ r.key }}</button></td>
                      <td class="num">{{ metric() === 'bytes' ? bytes(r.value) : (r.value | number) }}</td>
                    </tr>
                  } @empty { <tr><td colspan="2" class="muted">{{ 'common.none' | t }}</td></tr> }
                </tbody>
              </table>
            } @else if (p.res.error()) {
              <p class="error">{{ 'common.loadFailed' | t }}</p>
            } @else {
              <p class="muted">{{ 'common.loading' | t }}</p>
            }
          </section>
        }
      </div>
    </section>
  `,
})
export class FlowsComponent {
  private readonly router = inject(Router);
  private readonly i18n = inject(TranslationService);
  private readonly time = inject(TimeSettingsService);
  protected readonly metrics = METRICS;
  protected readonly range = signal<TimeRange>({ preset: '1h' });
  protected readonly metric = signal<Metric>('bytes');
  protected readonly auto = autoRefresh();
  private readonly state = computed(() => ({ range: this.range(), metric: this.metric(), tick: this.auto.tick() }));
  protected readonly panels = DIMENSIONS.map((by) => {
    const res = topResource(by, this.state);
    return { by, res, chart: computed(() => (res.hasValue() ? this.chartOf(res.value()) : null)) };
  });
  private readonly timeseries = httpResource<{ intervalMs: number; bytes: Bucket[]; packets: Bucket[] }>(() => {
    const s = this.state();
    return `${API}flows/timeseries?${queryString(resolveRange(s.range))}`;
  });
  protected readonly series = computed(() => {
    if (!this.timeseries.hasValue()) return null;
    const v = this.timeseries.value();
    const tz = this.time.timeZone();
    const useBytes = this.metric() !== 'packets';
    return timeSeriesChart('line', [{ label: this.i18n.t(useBytes ? 'flows.metrics.bytes' : 'flows.metrics.packets'), buckets: (useBytes ? v.bytes : v.packets) ?? [], colour: PALETTE[useBytes ? 0 : 1]! }], tz);
  });
  protected readonly bytes = formatBytes;

  private chartOf(v: TopRows) {
    return barChart(
      v.rows.map((r) => String(r.key)),
      v.rows.map((r) => r.value),
      this.i18n.t('flows.metrics.' + this.metric()),
      PALETTE[0]!,
    );
  }

  /** The flows behind a row, in the search view, over the same time range. */
  protected open(by: string, key: string | number): void {
    const r = this.range();
    const q = fieldClause(by, key);
    void this.router.navigate(['/search'], {
      queryParams: r.preset === 'custom' ? { ds: 'flows', q, from: r.from, to: r.to } : { ds: 'flows', q, preset: r.preset },
    });
  }
}
