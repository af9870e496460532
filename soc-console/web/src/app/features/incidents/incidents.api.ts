import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { API, params } from '../../core/api/api';
import type { SearchPage } from '../search/search.api';
import type { IncidentDetail, IncidentSummary } from './incident.model';

@Injectable({ providedIn: 'root' })
export class IncidentsApi {
  private readonly http = inject(HttpClient);

  list(filter: { status?: string; severity?: string; assignee?: string; size?: number }) {
    return this.http.get<{ total: number; incidents: IncidentSummary[] }>(`${API}incidents`, { params: params({ size: 100, ...filter }) });
  }

  get(id: string) {
    return this.http.get<IncidentDetail>(`${API}incidents/${encodeURIComponent(id)}`);
  }

  update(id: string, patch: { status?: string; assignee?: string }) {
    return this.http.patch<IncidentDetail>(`${API}incidents/${encodeURIComponent(id)}`, patch);
  }

  addNote(id: string, text: string) {
    return this.http.post<unknown>(`${API}incidents/${encodeURIComponent(id)}/notes`, { text });
  }

  alerts(range: { from: string; to: string }, q?: string, size = 50) {
    return this.http.get<SearchPage>(`${API}alerts`, { params: params({ ...range, q, size }) });
  }
}
