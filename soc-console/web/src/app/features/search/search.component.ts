import { ChangeDetectionStrategy, Component, OnInit, computed, inject, input, signal } from '@angular/core';
import { DecimalPipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { HttpErrorResponse } from '@angular/common/http';
import { Router } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { errorText } from '../../core/api/api';
import { AuthState } from '../../core/auth/auth-state.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { TranslationService } from '../../core/i18n/translation.service';
import { InstantPipe } from '../../core/format/instant.pipe';
import { TimeSettingsService } from '../../core/time/time-settings.service';
import { PRESETS, resolveRange, type Preset, type TimeRange } from '../../core/time/time-range';
import { ChartComponent, PALETTE } from '../../shared/chart/chart.component';
import { timeSeriesChart, type Bucket } from '../../shared/chart/series';
import { ExportButtonComponent } from '../../shared/export/export-button.component';
import { JsonTreeComponent } from '../../shared/json-tree/json-tree.component';
import { QueryErrorComponent } from '../../shared/query/query-error.component';
import { parseQueryError, type QueryErrorDetails } from '../../shared/query/query-error';
import { TimeRangePickerComponent } from '../../shared/time-range/time-range-picker.component';
import { getField, summarize } from './document';
import { andClause, fieldClause, notClause } from './query-builder';
import { DATASETS, DATASET_PERMISSION, SIDEBAR_FIELDS, SearchApi, savedList, type Dataset, type SavedSearch, type SearchPage, type SearchQuery } from './search.api';

type Row = SearchPage['events'][number];

/** "Discover": query bar, histogram, field sidebar, results with document view, saved searches, export. */
@Component({
  selector: 'soc-search',
  imports: [FormsModule, DecimalPipe, TranslatePipe, InstantPipe, ChartComponent, ExportButtonComponent, JsonTreeComponent, QueryErrorComponent, TimeRangePickerComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page search">
      <h1>{{ 'nav.search' | t }}</h1>
      <form class="querybar" (ngSubmit)="apply()" role="search">
        <label for="dataset">{{ 'search.dataset' | t }}</label>
        <select id="dataset" name="dataset" [ngModel]="dataset()" (ngModelChange)="dataset.set($event); apply()" data-testid="dataset">
          @for (d of datasets(); track d) { <option [value]="d">{{ 'dataset.' + d | t }}</option> }
        </select>
        <label for="q" class="sr-only">{{ 'search.query' | t }}</label>
        <input id="q" name="q" class="mono grow" [(ngModel)]="draft" [placeholder]="'search.placeholder' | t" autocomplete="off" spellcheck="false" data-testid="query" />
        <button type="submit" class="primary" data-testid="search-submit">{{ 'search.submit' | t }}</button>
      </form>
      @if (queryError(); as qe) {
        <soc-query-error [query]="applied().q" [details]="qe" [message]="errorMessage()" />
      } @else if (errorMessage()) {
        <p class="error" role="alert">{{ errorMessage() }}</p>
      }
      <div class="toolbar">
        <soc-time-range [range]="range()" (rangeChange)="range.set($event); apply()" />
        <soc-export-button [url]="exportUrl()" [filename]="'emsoc-' + applied().dataset" />
      </div>
      <details class="saved card">
        <summary>{{ 'search.saved' | t }} ({{ saved().length }})</summary>
        <ul class="plain">
          @for (s of saved(); track s.id) {
            <li>
              <button type="button" class="link" (click)="load(s)">{{ s.name }}</button>
              <span class="muted mono small">{{ s.dataset }} · {{ s.q }}</span>
              <button type="button" class="small" (click)="removeSaved(s)" [attr.aria-label]="('common.delete' | t) + ' ' + s.name">✕</button>
            </li>
          } @empty { <li class="muted">{{ 'common.none' | t }}</li> }
        </ul>
        <form class="inline-form" (ngSubmit)="saveCurrent()">
          <label for="saveName">{{ 'search.saveAs' | t }}</label>
          <input id="saveName" name="saveName" [(ngModel)]="saveName" required maxlength="128" />
          <button type="submit" [disabled]="!saveName().trim()">{{ 'common.save' | t }}</button>
        </form>
      </details>

      <div class="search__body">
        <aside class="fields card" [attr.aria-label]="'search.fields' | t">
          <h2>{{ 'search.fields' | t }}</h2>
          @for (f of fieldList(); track f.name) {
            <div class="field">
              <h3 class="mono small">{{ f.name }}</h3>
              <ul class="plain">
                @for (v of f.values; track $index) {
                  <li class="field__value">
                    <button type="button" class="link" (click)="addFilter(f.name, v.value, false)" [attr.aria-label]="('search.filterFor' | t) + ' ' + f.name + ' = ' + v.value">{{ v.value }}</button>
                    <span class="muted small">{{ v.count | number }}</span>
                    <button type="button" class="small" (click)="addFilter(f.name, v.value, true)" [attr.aria-label]="('search.filterOut' | t) + ' ' + f.name + ' = ' + v.value">−</button>
                  </li>
                }
              </ul>
            </div>
          } @empty { <p class="muted small">{{ 'common.none' | t }}</p> }
        </aside>

        <div class="results">
          <figure class="card">
            <figcaption>{{ 'search.hits' | t: { total: total() } }}</figcaption>
            @if (histogram(); as h) { <soc-chart [config]="h" [label]="'search.histogram' | t" /> }
          </figure>
          <table class="table" data-testid="results">
            <caption class="sr-only">{{ 'search.results' | t }}</caption>
            <thead><tr><th scope="col" class="narrow"><span class="sr-only">{{ 'common.expand' | t }}</span></th><th scope="col">{{ 'common.time' | t }}</th><th scope="col">{{ 'search.document' | t }}</th></tr></thead>
            <tbody>
              @for (r of rows(); track r._id) {
                <tr>
                  <td><button type="button" class="small" (click)="toggle(r._id)" [attr.aria-expanded]="expanded().has(r._id)" [attr.aria-label]="'common.expand' | t">{{ expanded().has(r._id) ? '▾' : '▸' }}</button></td>
                  <td class="nowrap">{{ timestampOf(r) | instant }}</td>
                  <td class="mono small">{{ summary(r) }}</td>
                </tr>
                @if (expanded().has(r._id)) {
                  <tr class="doc"><td></td><td colspan="2"><soc-json-tree [value]="r" /></td></tr>
                }
              } @empty {
                <tr><td colspan="3" class="muted">{{ loading() ? ('common.loading' | t) : ('search.noHits' | t) }}</td></tr>
              }
            </tbody>
          </table>
          @if (cursor()) { <button type="button" (click)="more()" [disabled]="loading()">{{ 'search.more' | t }}</button> }
        </div>
      </div>
    </section>
  `,
})
export class SearchComponent implements OnInit {
  private readonly api = inject(SearchApi);
  private readonly auth = inject(AuthState);
  private readonly router = inject(Router);
  private readonly i18n = inject(TranslationService);
  private readonly time = inject(TimeSettingsService);

  /** Deep-link inputs (query parameters): other screens open the search already filtered. */
  readonly q = input<string>();
  readonly ds = input<string>();
  readonly preset = input<string>();
  readonly from = input<string>();
  readonly to = input<string>();

  protected readonly datasets = computed(() => DATASETS.filter((d) => this.auth.permissions().has(DATASET_PERMISSION[d])));
  protected readonly dataset = signal<Dataset>('events');
  protected readonly draft = signal('');
  protected readonly range = signal<TimeRange>({ preset: '24h' });
  protected readonly applied = signal<SearchQuery>({ q: '', dataset: 'events', from: '', to: '' });
  protected readonly rows = signal<Row[]>([]);
  protected readonly total = signal(0);
  protected readonly cursor = signal<string | undefined>(undefined);
  protected readonly buckets = signal<Bucket[]>([]);
  protected readonly fieldValues = signal<Record<string, { value: unknown; count: number }[]>>({});
  protected readonly expanded = signal<ReadonlySet<string>>(new Set());
  protected readonly loading = signal(false);
  protected readonly queryError = signal<QueryErrorDetails | null>(null);
  protected readonly errorMessage = signal('');
  protected readonly saved = signal<SavedSearch[]>([]);
  protected readonly saveName = signal('');

  protected readonly exportUrl = computed(() => this.api.exportUrl(this.applied()));
  protected readonly histogram = computed(() =>
    this.buckets().length ? timeSeriesChart('bar', [{ label: this.i18n.t('search.histogram'), buckets: this.buckets(), colour: PALETTE[0]! }], this.time.timeZone()) : null,
  );
  protected readonly fieldList = computed(() =>
    Object.entries(this.fieldValues())
      .filter(([, values]) => values.length > 0)
      .map(([name, values]) => ({ name, values: values.map((v) => ({ value: typeof v.value === 'object' ? JSON.stringify(v.value) : String(v.value), count: v.count })) })),
  );
  protected readonly summary = (r: Row) => summarize(r);
  protected readonly timestampOf = (r: Row) => getField(r, '@timestamp') as string | undefined;

  ngOnInit(): void {
    const allowed = this.datasets();
    const ds = this.ds();
    if (ds && (allowed as readonly string[]).includes(ds)) this.dataset.set(ds as Dataset);
    else if (allowed.length && !allowed.includes(this.dataset())) this.dataset.set(allowed[0]!);
    this.draft.set(this.q() ?? '');
    const preset = this.preset();
    if (this.from() && this.to()) this.range.set({ preset: 'custom', from: this.from(), to: this.to() });
    else if (preset && (PRESETS as readonly string[]).includes(preset) && preset !== 'custom') this.range.set({ preset: preset as Preset });
    void this.apply();
    void this.loadSaved();
  }

  protected async apply(): Promise<void> {
    let r: { from: string; to: string };
    try {
      r = resolveRange(this.range());
    } catch (e) {
      this.errorMessage.set(this.i18n.t((e as Error).message));
      return;
    }
    const s: SearchQuery = { q: this.draft().trim(), dataset: this.dataset(), ...r };
    this.applied.set(s);
    this.expanded.set(new Set());
    this.queryError.set(null);
    this.errorMessage.set('');
    this.loading.set(true);
    const range = this.range();
    void this.router.navigate([], {
      queryParams: { q: s.q || null, ds: s.dataset, preset: range.preset === 'custom' ? null : range.preset, from: range.preset === 'custom' ? s.from : null, to: range.preset === 'custom' ? s.to : null },
      replaceUrl: true,
    });
    this.fieldValues.set({});
    try {
      // One streamed call renders histogram and first page; the field sidebar is asked for afterwards so
      // its top-value aggregations never delay the first render.
      await new Promise<void>((resolve, reject) => {
        this.api.firstScreen(s).subscribe({
          next: (part) => {
            if (this.applied() !== s) return; // a newer search started meanwhile
            this.total.set(part.total);
            if (part.type === 'histogram') this.buckets.set(part.buckets);
            else {
              this.rows.set(part.events);
              this.cursor.set(part.nextCursor);
              this.loading.set(false);
            }
          },
          error: reject,
          complete: resolve,
        });
      });
      if (this.applied() !== s) return;
      void this.loadFields(s);
    } catch (e) {
      if (this.applied() !== s) return;
      this.rows.set([]);
      this.total.set(0);
      this.cursor.set(undefined);
      this.buckets.set([]);
      this.fieldValues.set({});
      this.errorMessage.set(errorText(e));
      if (e instanceof HttpErrorResponse && e.status === 400) this.queryError.set(parseQueryError(e.error?.details));
    } finally {
      this.loading.set(false);
    }
  }

  private async loadFields(s: SearchQuery): Promise<void> {
    const fields = await firstValueFrom(this.api.fields(s, SIDEBAR_FIELDS[s.dataset])).catch(() => null);
    if (this.applied() === s) this.fieldValues.set(fields?.fields ?? {});
  }

  protected async more(): Promise<void> {
    const s = this.applied();
    this.loading.set(true);
    try {
      const page = await firstValueFrom(this.api.search(s, this.cursor()));
      this.rows.update((rows) => [...rows, ...page.events]);
      this.cursor.set(page.nextCursor);
    } catch (e) {
      this.errorMessage.set(errorText(e));
    } finally {
      this.loading.set(false);
    }
  }

  protected addFilter(field: string, value: string, exclude: boolean): void {
    const clause = fieldClause(field, value);
    this.draft.set(andClause(this.draft(), exclude ? notClause(clause) : clause));
    void this.apply();
  }

  protected toggle(id: string): void {
    this.expanded.update((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  }

  protected async loadSaved(): Promise<void> {
    try {
      this.saved.set(savedList(await firstValueFrom(this.api.saved())));
    } catch {
      this.saved.set([]);
    }
  }

  protected load(s: SavedSearch): void {
    this.draft.set(s.q);
    if ((this.datasets() as readonly string[]).includes(s.dataset)) this.dataset.set(s.dataset);
    void this.apply();
  }

  protected async saveCurrent(): Promise<void> {
    const name = this.saveName().trim();
    if (!name) return;
    try {
      await firstValueFrom(this.api.save(name, this.draft().trim(), this.dataset()));
      this.saveName.set('');
      await this.loadSaved();
    } catch (e) {
      this.errorMessage.set(errorText(e));
    }
  }

  protected async removeSaved(s: SavedSearch): Promise<void> {
    try {
      await firstValueFrom(this.api.remove(s.id));
      await this.loadSaved();
    } catch (e) {
      this.errorMessage.set(errorText(e));
    }
  }
}
