import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, from, switchMap, throwError } from 'rxjs';
import { AuthState } from '../auth/auth-state.service';
import { API } from './api';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Is the console session itself still valid? (A 401 may come from a proxied service, e.g. the RA.) */
async function sessionAlive(): Promise<boolean> {
  try {
    return (await fetch(`${API}session`, { credentials: 'same-origin', headers: { Accept: 'application/json' } })).ok;
  } catch {
    return true; // network trouble is not a reason to sign the user out
  }
}

/**
 * Adds the in-memory CSRF token to state-changing API calls, and sends the user back to the login page
 * when the session is gone. A 401 only means that once the session endpoint confirms it: errors relayed
 * from the RA proxy must not throw an officer out of the console.
 */
export const apiInterceptor: HttpInterceptorFn = (req, next) => {
  if (!req.url.startsWith(API)) return next(req);
  const auth = inject(AuthState);
  const router = inject(Router);
  const token = auth.csrfToken();
  const outgoing = !SAFE.has(req.method) && token ? req.clone({ setHeaders: { 'X-CSRF-Token': token } }) : req;
  return next(outgoing).pipe(
    catchError((e: unknown) => {
      if (!(e instanceof HttpErrorResponse) || e.status !== 401 || req.url.startsWith(`${API}session`)) return throwError(() => e);
      return from(sessionAlive()).pipe(
        switchMap((alive) => {
          if (!alive) {
            auth.clear();
            void router.navigate(['/login'], { queryParams: { next: router.url } });
          }
          return throwError(() => e);
        }),
      );
    }),
  );
};
