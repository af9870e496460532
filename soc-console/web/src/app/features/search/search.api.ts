import { HttpClient, HttpErrorResponse, HttpEventType } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import { API, params } from '../../core/api/api';
import type { Bucket } from '../../shared/chart/series';

export const DATASETS = ['events', 'flows', 'alerts', 'incidents', 'audit', 'reports', 'deadletter'] as const;
export type Dataset = (typeof DATASETS)[number];

/** Which permission reads which dataset (mirrors the server; it decides anyway). */
export const DATASET_PERMISSION: Record<Dataset, string> = {
  events: 'events:read',
  flows: 'flows:read',
  alerts: 'alerts:read',
  incidents: 'incidents:read',
  audit: 'audit:read',
  reports: 'reports:read',
  deadletter: 'events:read',
};

/** Sidebar fields per dataset (ECS names). */
export const SIDEBAR_FIELDS: Record<Dataset, string[]> = {
  events: ['event.dataset', 'event.category', 'event.action', 'event.outcome', 'host.name', 'source.ip', 'destination.ip', 'user.name', 'log.level'],
  flows: ['source.ip', 'destination.ip', 'destination.port', 'network.transport', 'source.asset.org_unit', 'destination.asset.org_unit', 'observer.ip'],
  alerts: ['rule.name', 'event.severity', 'rule.id', 'host.name', 'source.ip', 'user.name'],
  incidents: ['event.severity', 'rule.id', 'incident.status'],
  audit: ['event.action', 'event.outcome', 'user.name', 'source.ip'],
  reports: ['event.action', 'event.outcome'],
  deadletter: ['event.dataset', 'error.type', 'error.message'],
};

export interface SearchQuery {
  q: string;
  dataset: Dataset;
  from: string;
  to: string;
}

export interface SearchPage {
  total: number;
  events: ({ _id: string } & Record<string, unknown>)[];
  nextCursor?: string;
}

/** The two lines of GET events/first-screen: the histogram (with the total) first, then the first page. */
export type FirstScreenPart =
  | { type: 'histogram'; total: number; intervalMs: number; buckets: Bucket[] }
  | ({ type: 'page' } & SearchPage);

/** Complete lines of a growing NDJSON text, each returned once; `final` also takes an unterminated last line. */
export class NdjsonLines {
  private consumed = 0;

  take(text: string, final = false): unknown[] {
    const end = final ? text.length : text.lastIndexOf('\n') + 1;
    if (end <= this.consumed) return [];
    const chunk = text.slice(this.consumed, end);
    this.consumed = end;
    return chunk
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as unknown);
  }
}

/** An error answer read as text (streamed request) back into its JSON body, so callers see `{error, details}`. */
function withJsonBody(e: unknown): unknown {
  if (!(e instanceof HttpErrorResponse) || typeof e.error !== 'string') return e;
  try {
    return new HttpErrorResponse({ error: JSON.parse(e.error), headers: e.headers, status: e.status, statusText: e.statusText, url: e.url ?? undefined });
  } catch {
    return e;
  }
}

export interface SavedSearch {
  id: string;
  name: string;
  q: string;
  dataset: Dataset;
}

@Injectable({ providedIn: 'root' })
export class SearchApi {
  private readonly http = inject(HttpClient);

  search(s: SearchQuery, cursor?: string, size = 50) {
    return this.http.get<SearchPage>(`${API}events`, { params: params({ ...s, size, sort: 'desc', cursor }) });
  }

  /**
   * What the screen needs first, in one streamed call: emits the histogram part as soon as it arrives, then
   * the page part, then completes. Field top values are a separate, later call (`fields`).
   */
  firstScreen(s: SearchQuery, size = 50, buckets = 60): Observable<FirstScreenPart> {
    return new Observable<FirstScreenPart>((sub) => {
      const lines = new NdjsonLines();
      const emit = (text: string, final: boolean) => {
        for (const part of lines.take(text, final)) sub.next(part as FirstScreenPart);
      };
      const inner = this.http
        .get(`${API}events/first-screen`, { params: params({ ...s, size, sort: 'desc', buckets }), observe: 'events', reportProgress: true, responseType: 'text' })
        .subscribe({
          next: (ev) => {
            if (ev.type === HttpEventType.DownloadProgress && ev.partialText !== undefined) emit(ev.partialText, false);
            else if (ev.type === HttpEventType.Response) {
              emit(ev.body ?? '', true);
              sub.complete();
            }
          },
          error: (e: unknown) => sub.error(withJsonBody(e)),
        });
      return () => inner.unsubscribe();
    });
  }

  histogram(s: SearchQuery, buckets = 60) {
    return this.http.get<{ intervalMs: number; buckets: Bucket[] }>(`${API}events/histogram`, { params: params({ ...s, buckets }) });
  }

  fields(s: SearchQuery, fields: string[], size = 5) {
    return this.http.get<{ fields: Record<string, { value: unknown; count: number }[]> }>(`${API}events/fields`, {
      params: params({ ...s, fields: fields.join(','), size }),
    });
  }

  exportUrl(s: SearchQuery): string {
    return `${API}events/export?${params({ ...s }).toString()}`;
  }

  saved() {
    return this.http.get<SavedSearch[] | { items?: SavedSearch[]; searches?: SavedSearch[] }>(`${API}saved-searches`);
  }

  save(name: string, q: string, dataset: Dataset) {
    return this.http.post<SavedSearch>(`${API}saved-searches`, { name, q, dataset });
  }

  remove(id: string) {
    return this.http.delete<void>(`${API}saved-searches/${encodeURIComponent(id)}`);
  }
}

/** The list answer may be a bare array or wrapped; accept both. */
export function savedList(v: SavedSearch[] | { items?: SavedSearch[]; searches?: SavedSearch[] } | undefined): SavedSearch[] {
  if (!v) return [];
  return Array.isArray(v) ? v : (v.items ?? v.searches ?? []);
}
