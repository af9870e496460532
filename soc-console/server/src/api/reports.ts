import type { RouteSpec } from '../routes/spec.js';

/** Placeholders until the uplink (reports to the ministry) exists: the app can already show the pages. */
export function reportRoutes(): RouteSpec[] {
  const note = 'The uplink to the ministry is not implemented yet; this list fills in once it is.';
  return (['outbox', 'received'] as const).map((which) => ({
    method: 'get' as const,
    path: `/api/v1/reports/${which}`,
    access: ['reports:read'],
    tag: 'reports',
    summary: which === 'outbox' ? 'Reports queued or sent to the superior unit' : 'Reports received from subordinate units',
    handler: () => ({ items: [], note }),
  }));
}
