import { inject } from '@angular/core';
import { Router, type CanActivateFn, type CanMatchFn } from '@angular/router';
import { AuthState } from './auth-state.service';
import { SessionService } from './session.service';
import { landingRoute } from './landing';

/** Signed in (restoring the session from the cookie after a reload), else to the login page. */
export const authGuard: CanActivateFn = async (_route, state) => {
  if (await inject(SessionService).restore()) return true;
  return inject(Router).createUrlTree(['/login'], { queryParams: { next: state.url } });
};

/** The feature needs any one of `perms` (the server checks again; this only keeps the UI honest). */
export function permissionGuard(...perms: string[]): CanMatchFn {
  return () => {
    const auth = inject(AuthState);
    if (auth.hasAny(perms)) return true;
    return inject(Router).createUrlTree(['/forbidden']);
  };
}

/** '' → the first screen this user may use. */
export const landingGuard: CanActivateFn = async () => {
  const router = inject(Router);
  if (!(await inject(SessionService).restore())) return router.createUrlTree(['/login']);
  return router.createUrlTree([landingRoute(inject(AuthState).permissions())]);
};
