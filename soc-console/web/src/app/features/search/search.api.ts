import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
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
