import { z } from 'zod';
import type { RouteSpec } from './routes.js';

function jsonSchema(s: z.ZodType): unknown {
  try {
    return z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  } catch {
    return { type: 'object' };
  }
}

/** OpenAPI 3.1 generated from the route table, so the description cannot drift from the code. */
export function openApiDocument(specs: RouteSpec[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const s of specs) {
    const p = s.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const params = [...s.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = s.query ? (jsonSchema(s.query) as { properties?: Record<string, unknown> }) : undefined;
    for (const [name, schema] of Object.entries(query?.properties ?? {})) params.push({ name, in: 'query', required: false, schema } as never);
    const perms = s.permissions === 'public' ? 'none (public)' : s.permissions.join(' or ');
    (paths[p] ??= {})[s.method] = {
      summary: s.summary,
      description: `Permission: ${perms}.${s.note ? ` ${s.note}` : ''}`,
      'x-permissions': s.permissions,
      security: s.permissions === 'public' ? [] : [{ bearer: [] }, { clientCertificate: [] }],
      parameters: params,
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(s.body) } } } } : {}),
      responses: {
        [String(s.status ?? 200)]: { description: 'success', content: { [s.produces ?? 'application/json']: {} } },
        '400': { description: 'malformed input (unknown fields are rejected)' },
        '401': { description: 'no or invalid credentials' },
        '403': { description: 'missing permission' },
        '404': { description: 'not found (or not yours)' },
        '409': { description: 'state conflict' },
        '413': { description: 'body too large' },
        '422': { description: 'outside the certificate profile; details list each broken rule' },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'EMSOC Registration Authority API', version, description: 'Certificate lifecycle for people, devices and services.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token (emsoc_…)' },
        clientCertificate: { type: 'mutualTLS', description: 'Client certificate issued by this RA and bound to an account' },
      },
    },
    paths,
  };
}
