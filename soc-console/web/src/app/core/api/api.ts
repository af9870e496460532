import { HttpParams } from '@angular/common/http';

export const API = '/api/v1/';

/** Query parameters without the empty ones (the server rejects unknown/empty values strictly). */
export function params(values: Record<string, string | number | boolean | null | undefined>): HttpParams {
  let p = new HttpParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null && v !== '') p = p.set(k, String(v));
  return p;
}

export function queryString(values: Record<string, string | number | boolean | null | undefined>): string {
  return params(values).toString();
}

export interface ApiErrorBody {
  error?: string;
  details?: unknown;
}

/** The server's error text from an HttpErrorResponse-like value, else a generic one. */
export function errorText(e: unknown): string {
  const err = e as { error?: ApiErrorBody | string; status?: number; message?: string };
  if (err?.error && typeof err.error === 'object' && typeof err.error.error === 'string') return err.error.error;
  if (typeof err?.error === 'string' && err.error) return err.error;
  if (err?.status) return `HTTP ${err.status}`;
  return err?.message ?? String(e);
}
