import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { httpResource } from '@angular/common/http';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { API, errorText } from '../../core/api/api';
import { AuthState } from '../../core/auth/auth-state.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { InstantPipe } from '../../core/format/instant.pipe';
import { anyOfClause } from '../search/query-builder';
import { IncidentsApi } from './incidents.api';
import { INCIDENT_STATUSES, type IncidentDetail } from './incident.model';
import { incidentEventIds, incidentTimeline } from './timeline';

/** One incident: triage (status, assignee), notes, the matched events and the timeline. */
@Component({
  selector: 'soc-incident-detail',
  imports: [FormsModule, RouterLink, TranslatePipe, InstantPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <p><a routerLink="/incidents">← {{ 'incidents.back' | t }}</a></p>
      @if (incident(); as inc) {
        <h1>{{ inc.title || inc.ruleId || inc.id }}</h1>
        <dl class="facts">
          <dt>{{ 'incidents.severity' | t }}</dt><dd><span [class]="'badge sev-' + inc.severity">{{ 'severity.' + inc.severity | t }}</span></dd>
          <dt>{{ 'incidents.status' | t }}</dt><dd data-testid="incident-status">{{ 'status.' + inc.status | t }}</dd>
          <dt>{{ 'incidents.assignee' | t }}</dt><dd data-testid="incident-assignee">{{ inc.assignee || '—' }}</dd>
          <dt>{{ 'incidents.entity' | t }}</dt><dd class="mono">{{ inc.entity }}</dd>
          <dt>{{ 'incidents.first' | t }}</dt><dd>{{ inc.firstSeen ?? inc.firstTimestamp | instant }}</dd>
          <dt>{{ 'incidents.last' | t }}</dt><dd>{{ inc.lastSeen ?? inc.lastTimestamp | instant }}</dd>
        </dl>
        @if (eventsQuery()) {
          <p><a routerLink="/search" [queryParams]="{ ds: 'events', q: eventsQuery(), preset: '7d' }" data-testid="matched-events">{{ 'incidents.showEvents' | t }} ({{ eventCount() }})</a></p>
        }
        @if (canWrite()) {
          <form class="card inline-form" (ngSubmit)="save()">
            <h2>{{ 'incidents.triage' | t }}</h2>
            <label for="st">{{ 'incidents.status' | t }}</label>
            <select id="st" name="st" [(ngModel)]="newStatus" data-testid="status-select">
              @for (s of statuses; track s) { <option [value]="s">{{ 'status.' + s | t }}</option> }
            </select>
            <label for="as">{{ 'incidents.assignee' | t }}</label>
            <input id="as" name="as" [(ngModel)]="newAssignee" data-testid="assignee-input" />
            <button type="button" (click)="newAssignee.set(me())">{{ 'incidents.assignMe' | t }}</button>
            <button type="submit" class="primary" [disabled]="busy()" data-testid="triage-save">{{ 'common.save' | t }}</button>
          </form>
          <form class="card" (ngSubmit)="comment()">
            <label for="note">{{ 'incidents.comment' | t }}</label>
            <textarea id="note" name="note" rows="3" maxlength="4000" [(ngModel)]="note" data-testid="note-input"></textarea>
            <button type="submit" [disabled]="busy() || !note().trim()" data-testid="note-add">{{ 'incidents.addComment' | t }}</button>
          </form>
        }
        @if (error()) { <p class="error" role="alert">{{ error() }}</p> }
        <h2>{{ 'incidents.timeline' | t }}</h2>
        <ol class="timeline" data-testid="timeline">
          @for (e of timeline(); track $index) {
            <li [class]="'timeline__' + e.kind">
              <span class="nowrap muted">{{ e.at | instant }}</span>
              <span class="badge">{{ 'incidents.kind.' + e.kind | t }}</span>
              @if (e.who) { <strong>{{ e.who }}</strong> }
              <span>{{ e.text }}</span>
            </li>
          } @empty { <li class="muted">{{ 'common.none' | t }}</li> }
        </ol>
      } @else if (res.error()) {
        <p class="error" role="alert">{{ 'common.loadFailed' | t }}</p>
      } @else {
        <p class="muted">{{ 'common.loading' | t }}</p>
      }
    </section>
  `,
})
export class IncidentDetailComponent {
  private readonly api = inject(IncidentsApi);
  private readonly auth = inject(AuthState);
  readonly id = input.required<string>();
  protected readonly statuses = INCIDENT_STATUSES;
  protected readonly res = httpResource<IncidentDetail>(() => `${API}incidents/${encodeURIComponent(this.id())}`);
  protected readonly incident = computed(() => (this.res.hasValue() ? this.res.value() : null));
  protected readonly timeline = computed(() => (this.incident() ? incidentTimeline(this.incident()!) : []));
  private readonly eventIds = computed(() => (this.incident() ? incidentEventIds(this.incident()!) : []));
  protected readonly eventCount = computed(() => this.eventIds().length);
  protected readonly eventsQuery = computed(() => (this.eventIds().length ? anyOfClause('event.id', this.eventIds()) : ''));
  protected readonly canWrite = computed(() => this.auth.permissions().has('incidents:write'));
  protected readonly me = computed(() => this.auth.user()?.name ?? '');
  protected readonly newStatus = signal('triaged');
  protected readonly newAssignee = signal('');
  protected readonly note = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal('');

  protected save(): Promise<void> {
    const patch: { status?: string; assignee?: string } = { status: this.newStatus() };
    if (this.newAssignee().trim()) patch.assignee = this.newAssignee().trim();
    return this.run(() => firstValueFrom(this.api.update(this.id(), patch)));
  }

  protected comment(): Promise<void> {
    return this.run(async () => {
      await firstValueFrom(this.api.addNote(this.id(), this.note().trim()));
      this.note.set('');
    });
  }

  private async run(fn: () => Promise<unknown>): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    try {
      await fn();
      this.res.reload();
    } catch (e) {
      this.error.set(errorText(e));
    } finally {
      this.busy.set(false);
    }
  }
}
