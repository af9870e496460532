import { z } from 'zod';
import type { RouteSpec } from './spec.js';

function schemaOf(s: z.ZodType): Record<string, unknown> {
  try {
    return z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return { type: 'object' };
  }
}

/** `/api/v1/incidents/:id` → `/api/v1/incidents/{id}`; `*path` wildcards likewise. */
export const openApiPath = (p: string) => p.replace(/[:*]([A-Za-z]+)/g, '{$1}');

/** OpenAPI 3.1 built from the route table, so the description cannot drift from what is mounted. */
export function openApiDocument(specs: RouteSpec[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const s of specs) {
    const parameters: unknown[] = [...s.path.matchAll(/[:*]([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (s.query) {
      const q = schemaOf(s.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
    }
    const access = s.access === 'public' ? 'none (public)' : s.access === 'authenticated' ? 'any signed-in caller' : s.access.join(' and ');
    const ok = String(s.status ?? 200);
    (paths[openApiPath(s.path)] ??= {})[s.method] = {
      tags: [s.tag],
      summary: s.summary,
      description: `Permission: ${access}.${s.note ? ` ${s.note}` : ''}`,
      'x-permissions': s.access,
      security: s.access === 'public' ? [] : [{ session: [], csrf: [] }, { bearer: [] }, { clientCertificate: [] }],
      parameters,
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(s.body) } } } } : {}),
      responses: {
        [ok]: {
          description: ok === '204' ? 'done, no content' : 'success',
          ...(ok === '204' ? {} : { content: Object.fromEntries((s.produces ?? ['application/json']).map((t) => [t, {}])) }),
        },
        '400': { description: 'invalid request; query syntax errors carry details {column, expected}' },
        ...(s.access === 'public' ? {} : { '401': { description: 'no valid session, token or certificate' }, '403': { description: 'missing permission, CSRF token or cross-site request' } }),
        '404': { description: 'not found' },
        '409': { description: 'conflict with the current state' },
        ...(s.path.endsWith('/login') || s.path.endsWith('/certificate') ? { '429': { description: 'too many failed sign-ins (Retry-After)' } } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'EMSOC SOC console API', version, description: 'Search, alerts, incidents, rules, audit and the RA proxy. See docs/console-api.md.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'emsoc_session', description: 'Set by session/login or session/certificate' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'Required with the session cookie on POST/PUT/PATCH/DELETE' },
        bearer: { type: 'http', scheme: 'bearer', description: 'API token (emsoc_…), for automation' },
        clientCertificate: { type: 'mutualTLS', description: 'Client certificate issued by the platform CA and bound to an account' },
      },
    },
    paths,
  };
}
