import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, input, signal } from '@angular/core';
import { DecimalPipe, PercentPipe } from '@angular/common';
import { httpResource } from '@angular/common/http';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { API, errorText } from '../../core/api/api';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { InstantPipe } from '../../core/format/instant.pipe';
import { resolveRange, type TimeRange } from '../../core/time/time-range';
import { TimeRangePickerComponent } from '../../shared/time-range/time-range-picker.component';
import { RulesApi, type Job, type RuleSummary } from './rules.api';

const POLL_MS = 1000;

/** A rule's YAML and a backtest over a past range, polled until the job finishes. */
@Component({
  selector: 'soc-rule-detail',
  imports: [RouterLink, TranslatePipe, InstantPipe, TimeRangePickerComponent, DecimalPipe, PercentPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <p><a routerLink="/rules">← {{ 'nav.rules' | t }}</a></p>
      @if (rule(); as r) {
        <h1>{{ r.title }}</h1>
        <p class="muted mono small">{{ r.id }} · {{ r.path }}</p>
        <h2>YAML</h2>
        <pre class="code" data-testid="rule-yaml-view">{{ r.yaml }}</pre>
        <section class="card">
          <h2>{{ 'rules.backtest' | t }}</h2>
          <div class="toolbar">
            <soc-time-range [(range)]="range" />
            <button type="button" class="primary" (click)="backtest()" [disabled]="running()" data-testid="backtest-run">{{ 'rules.runBacktest' | t }}</button>
          </div>
          @if (job(); as j) {
            <div role="status" data-testid="backtest-status">
              <progress [attr.value]="j.progress ?? 0" max="1" [attr.aria-label]="'rules.backtest' | t"></progress>
              {{ j.progress | percent }} · {{ j.processed ?? 0 | number }} / {{ j.total ?? 0 | number }} · {{ 'job.' + j.status | t }}
            </div>
            @if (j.status === 'done') {
              <p>{{ 'rules.alertsFound' | t: { n: j.alerts?.length ?? 0 } }}</p>
              <ul class="plain small">
                @for (a of (j.alerts ?? []).slice(0, 50); track $index) { <li>{{ $any(a['timestamp']) | instant }} · <span class="mono">{{ a['entity'] }}</span></li> }
              </ul>
            }
            @if (j.error) { <p class="error">{{ j.error }}</p> }
          }
          @if (error()) { <p class="error" role="alert">{{ error() }}</p> }
        </section>
      } @else if (res.error()) {
        <p class="error" role="alert">{{ 'common.loadFailed' | t }}</p>
      } @else {
        <p class="muted">{{ 'common.loading' | t }}</p>
      }
    </section>
  `,
})
export class RuleDetailComponent {
  private readonly api = inject(RulesApi);
  readonly id = input.required<string>();
  protected readonly res = httpResource<RuleSummary & { yaml: string }>(() => `${API}rules/${encodeURIComponent(this.id())}`);
  protected readonly rule = computed(() => (this.res.hasValue() ? this.res.value() : null));
  protected readonly range = signal<TimeRange>({ preset: '7d' });
  protected readonly job = signal<Job | null>(null);
  protected readonly running = computed(() => this.job()?.status === 'running');
  protected readonly error = signal('');
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    inject(DestroyRef).onDestroy(() => clearTimeout(this.timer));
  }

  protected async backtest(): Promise<void> {
    this.error.set('');
    clearTimeout(this.timer);
    try {
      const { jobId } = await firstValueFrom(this.api.backtest(this.id(), resolveRange(this.range())));
      this.job.set({ status: 'running', progress: 0 });
      await this.poll(jobId);
    } catch (e) {
      this.error.set(errorText(e));
    }
  }

  private async poll(jobId: string): Promise<void> {
    try {
      const j = await firstValueFrom(this.api.job(jobId));
      this.job.set(j);
      if (j.status === 'running') this.timer = setTimeout(() => void this.poll(jobId), POLL_MS);
    } catch (e) {
      this.error.set(errorText(e));
      this.job.update((j) => (j ? { ...j, status: 'failed' } : j));
    }
  }
}
