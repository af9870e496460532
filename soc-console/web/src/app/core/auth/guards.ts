import { inject } from '@angular/core';
import { Router, type CanActivateFn, type CanMatchFn } from '@angular/router';
import { AuthState } from './auth-state.service';
import { SessionService } from './session.service';
import { ENROLMENT_ROUTE, landingRoute } from './landing';

// inject() only works synchronously inside a guard: every dependency is taken before the first await.

/** Signed in (restoring the session from the cookie after a reload), else to the login page. */
export const authGuard: CanActivateFn = async (_route, state) => {
  const session = inject(SessionService);
  const router = inject(Router);
  if (await session.restore()) return true;
  return router.createUrlTree(['/login'], { queryParams: { next: state.url } });
};

/**
 * The feature needs any one of `perms` (the server checks again; this only keeps the UI honest). canMatch
 * runs before the shell's canActivate, so on a fresh page load this guard restores the session itself.
 */
export function permissionGuard(...perms: string[]): CanMatchFn {
  return async () => {
    const auth = inject(AuthState);
    const session = inject(SessionService);
    const router = inject(Router);
    if (!(await session.restore())) return router.createUrlTree(['/login']);
    if (auth.totpEnrolmentRequired()) return router.createUrlTree([ENROLMENT_ROUTE]);
    return auth.hasAny(perms) ? true : router.createUrlTree(['/forbidden']);
  };
}

/** '' → the first screen this user may use. */
export const landingGuard: CanActivateFn = async () => {
  const router = inject(Router);
  const session = inject(SessionService);
  const auth = inject(AuthState);
  if (!(await session.restore())) return router.createUrlTree(['/login']);
  return router.createUrlTree([auth.totpEnrolmentRequired() ? ENROLMENT_ROUTE : landingRoute(auth.permissions())]);
};
