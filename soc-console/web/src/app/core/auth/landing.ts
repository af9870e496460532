/** Navigation entries with the permissions that unlock them, in menu order (pure: used by guards and tests). */
export interface NavEntry {
  path: string;
  label: string;
  anyOf: string[];
}

export const NAV: NavEntry[] = [
  { path: '/overview', label: 'nav.overview', anyOf: ['events:read', 'health:read'] },
  { path: '/search', label: 'nav.search', anyOf: ['events:read'] },
  { path: '/flows', label: 'nav.flows', anyOf: ['flows:read'] },
  { path: '/incidents', label: 'nav.incidents', anyOf: ['incidents:read', 'alerts:read'] },
  { path: '/rules', label: 'nav.rules', anyOf: ['rules:read'] },
  { path: '/ra', label: 'nav.ra', anyOf: ['ra.requests:decide', 'ra.certificates:read'] },
  { path: '/audit', label: 'nav.audit', anyOf: ['audit:read'] },
  { path: '/reports', label: 'nav.reports', anyOf: ['reports:read'] },
];

/** Where an account that must enrol TOTP first is sent (its session allows nothing else). */
export const ENROLMENT_ROUTE = '/account/totp';

export function visibleNav(perms: ReadonlySet<string>): NavEntry[] {
  return NAV.filter((n) => n.anyOf.some((p) => perms.has(p)));
}

/**
 * Where a user lands: their role's main job first (an auditor audits, an RA officer decides requests),
 * otherwise the first menu entry they may open.
 */
export function landingRoute(perms: ReadonlySet<string>): string {
  if (perms.has('audit:read')) return '/audit';
  if (perms.has('ra.requests:decide')) return '/ra';
  return visibleNav(perms)[0]?.path ?? '/forbidden';
}
