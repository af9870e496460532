import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { API } from '../../core/api/api';

export interface RuleSummary {
  id: string;
  title: string;
  level: string;
  enabled: boolean;
  tags?: string[];
  description?: string;
  description_zh?: string;
  path?: string;
}

export interface Job {
  status: 'running' | 'done' | 'failed';
  progress: number;
  processed?: number;
  total?: number;
  alerts?: Record<string, unknown>[];
  error?: string;
}

@Injectable({ providedIn: 'root' })
export class RulesApi {
  private readonly http = inject(HttpClient);
  private readonly id = (id: string) => encodeURIComponent(id);
  list() {
    return this.http.get<RuleSummary[]>(`${API}rules`);
  }
  get(id: string) {
    return this.http.get<RuleSummary & { yaml: string }>(`${API}rules/${this.id(id)}`);
  }
  setEnabled(id: string, enabled: boolean) {
    return this.http.post<unknown>(`${API}rules/${this.id(id)}/${enabled ? 'enable' : 'disable'}`, {});
  }
  validate(yaml: string) {
    return this.http.post<{ ok: boolean; errors: (string | { message?: string; path?: string })[] }>(`${API}rules/validate`, { yaml });
  }
  backtest(id: string, range: { from: string; to: string }) {
    return this.http.post<{ jobId: string }>(`${API}rules/${this.id(id)}/backtest`, range);
  }
  job(jobId: string) {
    return this.http.get<Job>(`${API}jobs/${encodeURIComponent(jobId)}`);
  }
}
