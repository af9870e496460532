import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { httpResource } from '@angular/common/http';
import { RouterLink } from '@angular/router';
import { API, queryString } from '../../core/api/api';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { InstantPipe } from '../../core/format/instant.pipe';
import { AuthState } from '../../core/auth/auth-state.service';
import { resolveRange, type TimeRange } from '../../core/time/time-range';
import { TimeRangePickerComponent } from '../../shared/time-range/time-range-picker.component';
import type { SearchPage } from '../search/search.api';
import { getField } from '../search/document';
import { anyOfClause } from '../search/query-builder';
import { INCIDENT_STATUSES, SEVERITIES, type IncidentSummary } from './incident.model';

/** The triage queue: incidents filtered by status, severity and assignee, and the latest alerts. */
@Component({
  selector: 'soc-incident-queue',
  imports: [FormsModule, RouterLink, TranslatePipe, InstantPipe, TimeRangePickerComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <h1>{{ 'nav.incidents' | t }}</h1>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" [attr.aria-selected]="tab() === 'incidents'" (click)="tab.set('incidents')">{{ 'incidents.title' | t }}</button>
        <button type="button" role="tab" [attr.aria-selected]="tab() === 'alerts'" (click)="tab.set('alerts')" data-testid="alerts-tab">{{ 'incidents.alerts' | t }}</button>
      </div>
      @if (tab() === 'incidents') {
        <form class="toolbar" (submit)="$event.preventDefault()">
          <label for="f-status">{{ 'incidents.status' | t }}</label>
          <select id="f-status" name="status" [(ngModel)]="status" data-testid="filter-status">
            <option value="">{{ 'common.all' | t }}</option>
            @for (s of statuses; track s) { <option [value]="s">{{ 'status.' + s | t }}</option> }
          </select>
          <label for="f-sev">{{ 'incidents.severity' | t }}</label>
          <select id="f-sev" name="severity" [(ngModel)]="severity">
            <option value="">{{ 'common.all' | t }}</option>
            @for (s of severities; track s) { <option [value]="s">{{ 'severity.' + s | t }}</option> }
          </select>
          <label for="f-assignee">{{ 'incidents.assignee' | t }}</label>
          <input id="f-assignee" name="assignee" [(ngModel)]="assignee" [placeholder]="'incidents.anyone' | t" />
          <button type="button" (click)="assignee.set(me())">{{ 'incidents.mine' | t }}</button>
        </form>
        @if (incidents.error()) { <p class="error" role="alert">{{ 'common.loadFailed' | t }}</p> }
        <table class="table" data-testid="incident-table">
          <caption class="sr-only">{{ 'incidents.title' | t }}</caption>
          <thead><tr>
            <th scope="col">{{ 'incidents.severity' | t }}</th><th scope="col">{{ 'incidents.titleCol' | t }}</th><th scope="col">{{ 'incidents.entity' | t }}</th>
            <th scope="col">{{ 'incidents.status' | t }}</th><th scope="col">{{ 'incidents.assignee' | t }}</th><th scope="col">{{ 'incidents.last' | t }}</th>
          </tr></thead>
          <tbody>
            @for (i of list(); track i.id) {
              <tr>
                <td><span [class]="'badge sev-' + i.severity">{{ 'severity.' + i.severity | t }}</span></td>
                <td><a [routerLink]="[i.id]">{{ i.title || i.ruleId || i.id }}</a></td>
                <td class="mono small">{{ i.entity }}</td>
                <td>{{ 'status.' + i.status | t }}</td>
                <td>{{ i.assignee || '—' }}</td>
                <td class="nowrap">{{ i.lastSeen ?? i.lastTimestamp | instant }}</td>
              </tr>
            } @empty { <tr><td colspan="6" class="muted">{{ incidents.isLoading() ? ('common.loading' | t) : ('common.none' | t) }}</td></tr> }
          </tbody>
        </table>
        <p class="muted small">{{ 'common.total' | t: { n: total() } }}</p>
      } @else {
        <div class="toolbar"><soc-time-range [(range)]="alertRange" /></div>
        <table class="table" data-testid="alert-table">
          <caption class="sr-only">{{ 'incidents.alerts' | t }}</caption>
          <thead><tr><th scope="col">{{ 'common.time' | t }}</th><th scope="col">{{ 'incidents.severity' | t }}</th><th scope="col">{{ 'incidents.rule' | t }}</th><th scope="col">{{ 'incidents.entity' | t }}</th><th scope="col">{{ 'incidents.events' | t }}</th></tr></thead>
          <tbody>
            @for (a of alertRows(); track a.id) {
              <tr>
                <td class="nowrap">{{ a.time | instant }}</td>
                <td><span [class]="'badge sev-' + a.severity">{{ 'severity.' + a.severity | t }}</span></td>
                <td>{{ a.rule }}</td>
                <td class="mono small">{{ a.entity }}</td>
                <td>@if (a.eventsQuery) { <a routerLink="/search" [queryParams]="{ ds: 'events', q: a.eventsQuery, preset: '7d' }">{{ 'incidents.showEvents' | t }}</a> }</td>
              </tr>
            } @empty { <tr><td colspan="5" class="muted">{{ 'common.none' | t }}</td></tr> }
          </tbody>
        </table>
      }
    </section>
  `,
})
export class IncidentQueueComponent {
  private readonly auth = inject(AuthState);
  protected readonly statuses = INCIDENT_STATUSES;
  protected readonly severities = SEVERITIES;
  protected readonly tab = signal<'incidents' | 'alerts'>('incidents');
  protected readonly status = signal('new');
  protected readonly severity = signal('');
  protected readonly assignee = signal('');
  protected readonly alertRange = signal<TimeRange>({ preset: '24h' });
  protected readonly me = computed(() => this.auth.user()?.name ?? '');

  protected readonly incidents = httpResource<{ total: number; incidents: IncidentSummary[] }>(
    () => `${API}incidents?${queryString({ status: this.status(), severity: this.severity(), assignee: this.assignee().trim(), size: 200 })}`,
  );
  protected readonly list = computed(() => (this.incidents.hasValue() ? this.incidents.value().incidents : []));
  protected readonly total = computed(() => (this.incidents.hasValue() ? this.incidents.value().total : 0));

  private readonly alerts = httpResource<SearchPage>(() =>
    this.tab() === 'alerts' ? `${API}alerts?${queryString({ ...resolveRange(this.alertRange()), size: 100 })}` : undefined,
  );
  protected readonly alertRows = computed(() =>
    (this.alerts.hasValue() ? this.alerts.value().events : []).map((a) => {
      const ids = (getField(a, 'eventIds') ?? getField(a, 'alert.event_ids') ?? []) as string[];
      const rule = getField(a, 'rule.title') ?? getField(a, 'rule.name') ?? getField(a, 'rule.id');
      return {
        id: a._id,
        time: (getField(a, '@timestamp') ?? getField(a, 'timestamp')) as string | undefined,
        severity: String(getField(a, 'severity') ?? getField(a, 'event.severity') ?? 'informational'),
        rule: String(rule ?? ''),
        entity: String(getField(a, 'entity') ?? ''),
        eventsQuery: Array.isArray(ids) && ids.length ? anyOfClause('event.id', ids.slice(0, 100)) : '',
      };
    }),
  );
}
