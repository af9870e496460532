import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';
import { AuthState } from '../auth/auth-state.service';
import { API } from './api';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Adds the in-memory CSRF token to state-changing API calls, and sends the user back to the login page
 * when the server says the session is gone (401), except for the session calls themselves.
 */
export const apiInterceptor: HttpInterceptorFn = (req, next) => {
  if (!req.url.startsWith(API)) return next(req);
  const auth = inject(AuthState);
  const router = inject(Router);
  const token = auth.csrfToken();
  const outgoing = !SAFE.has(req.method) && token ? req.clone({ setHeaders: { 'X-CSRF-Token': token } }) : req;
  return next(outgoing).pipe(
    catchError((e: unknown) => {
      if (e instanceof HttpErrorResponse && e.status === 401 && !req.url.startsWith(`${API}session`)) {
        auth.clear();
        void router.navigate(['/login'], { queryParams: { next: router.url } });
      }
      return throwError(() => e);
    }),
  );
};
