import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApiPath } from '../src/routes/openapi.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

/** A concrete URL for a route pattern (`:id` → a made-up id, `*path` → an RA path). */
const concrete = (p: string) => p.replace(/:([A-Za-z]+)/g, 'no-such-$1').replace(/\*([A-Za-z]+)/g, 'requests');

test('every mounted route is in the OpenAPI document, and nothing else is', async () => {
  const doc = (await h.call('GET', '/api/v1/openapi.json')).json;
  const documented = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) for (const m of Object.keys(ops)) documented.add(`${m} ${p}`);
  const mounted = new Set(h.console.routes.map((r) => `${r.method} ${openApiPath(r.path)}`));
  assert.deepEqual([...mounted].sort(), [...documented].sort());
  for (const r of h.console.routes) {
    const op = doc.paths[openApiPath(r.path)][r.method];
    assert.deepEqual(op['x-permissions'], r.access, `${r.method} ${r.path}`);
  }
});

test('endpoint × role matrix: 401 without credentials, 403 without the permission, allowed otherwise', async () => {
  const roles = Object.keys(h.roles.roles);
  let checked = 0;
  for (const r of h.console.routes) {
    if (r.access === 'public') continue;
    const url = concrete(r.path);
    const method = r.method.toUpperCase();
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    const anon = await h.call(method, url, { body });
    assert.equal(anon.status, 401, `${method} ${r.path} without credentials: ${anon.text}`);
    for (const role of roles) {
      const perms = h.roles.roles[role]!.permissions;
      const allowed = r.access === 'authenticated' || r.access.every((p) => perms.includes(p));
      const a = await h.call(method, url, { token: h.tokens[role], body });
      if (allowed) assert.ok(a.status !== 401 && a.status !== 403 && (a.status < 500 || r.tag === 'ra'), `${method} ${r.path} as ${role} should pass the guard, got ${a.status} ${a.text}`);
      else assert.equal(a.status, 403, `${method} ${r.path} as ${role}: ${a.text}`);
      assert.match(String(a.headers['content-type'] ?? 'application/json'), /json|csv|ndjson/);
      checked++;
    }
  }
  assert.ok(checked > 200, `matrix covered ${checked} cases`);
});

test('403s are audited with the endpoint', async () => {
  await h.call('GET', '/api/v1/audit', { token: h.tokens['soc-analyst'] });
  const rec = h.console.audit.trail.list({ order: 'desc', limit: 50 }).find((r) => r.eventType === 'access.denied' && r.objectId === 'GET /api/v1/audit');
  assert.ok(rec);
  assert.equal(rec.actorName, 'u-soc-analyst');
  assert.equal(rec.outcome, 'failure');
});
