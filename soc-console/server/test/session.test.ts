import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
const revoked = new Set<string>();
before(async () => {
  h = await startHarness({
    certificateStatus: async (der) => (revoked.has(createHash('sha256').update(der).digest('hex')) ? 'revoked' : 'good'),
  });
});
after(() => h.close());

const cookiesOf = (a: { headers: Record<string, unknown> }) => ([] as string[]).concat((a.headers['set-cookie'] as string[] | undefined) ?? []);
const auditTypes = () => h.console.audit.trail.list({ order: 'desc', limit: 200 });

test('password + TOTP sign-in sets a Secure HttpOnly SameSite=Strict cookie and returns user, permissions and a CSRF token', async () => {
  const u = h.localUser('analyst1', ['soc-analyst']);
  const { cookie, csrf, answer } = await h.login(u);
  const set = cookiesOf(answer).find((c) => c.startsWith('emsoc_session='))!;
  assert.match(set, /; Secure/);
  assert.match(set, /; HttpOnly/);
  assert.match(set, /; SameSite=Strict/);
  assert.match(set, /; Path=\//);
  assert.equal(answer.json.user.name, 'analyst1');
  assert.ok(answer.json.user.permissions.includes('events:read'));
  assert.equal(typeof csrf, 'string');
  const s = await h.call('GET', '/api/v1/session', { cookie });
  assert.equal(s.status, 200);
  assert.equal(s.json.csrfToken, csrf);
  const rec = auditTypes().find((r) => r.eventType === 'session.login' && r.outcome === 'success');
  assert.equal(rec?.actorName, 'analyst1');
  assert.ok(rec.sourceIp);
});

test('wrong password, wrong or missing TOTP, replayed TOTP: 401 and audited', async () => {
  h.clock.advance(16 * 60_000);
  const u = h.localUser('analyst2', ['soc-analyst']);
  assert.equal((await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: 'nope-nope-nope', totp: u.code() } })).status, 401);
  assert.equal((await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password } })).status, 401);
  const bad = String((Number(u.code()) + 1) % 1_000_000).padStart(6, '0');
  assert.equal((await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password, totp: bad } })).status, 401);
  await h.login(u);
  const replay = await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password, totp: u.code() } });
  assert.equal(replay.status, 401);
  const failures = auditTypes().filter((r) => r.eventType === 'session.login' && r.outcome === 'failure' && r.objectId === 'analyst2');
  assert.equal(failures.length, 4);
  assert.deepEqual(failures.map((f) => JSON.parse(f.details).reason).sort(), ['TOTP code missing', 'TOTP code replayed', 'bad TOTP code', 'bad username or password']);
});

test('an account without a TOTP factor cannot sign in locally', async () => {
  h.identity.createAccount({ name: 'nototp', roles: ['soc-analyst'], password: 'long enough password 1' });
  const a = await h.call('POST', '/api/v1/session/login', { body: { username: 'nototp', password: 'long enough password 1' } });
  assert.equal(a.status, 401);
  assert.match(a.json.error, /TOTP/);
});

test('session fixation: a cookie value the browser brings is never adopted, and an existing session is replaced', async () => {
  const u = h.localUser('fixme', ['soc-analyst']);
  const planted = 'A'.repeat(43);
  const a = await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password, totp: u.code() }, cookie: `emsoc_session=${planted}` });
  assert.equal(a.status, 200);
  const issued = cookiesOf(a).find((c) => c.startsWith('emsoc_session='))!.split(';')[0]!.split('=')[1];
  assert.notEqual(issued, planted);
  assert.equal((await h.call('GET', '/api/v1/session', { cookie: `emsoc_session=${planted}` })).status, 401);
  // An attacker's own valid session planted in the victim's browser is ended by the victim's sign-in.
  const attacker = h.localUser('attacker', ['soc-analyst']);
  const att = await h.login(attacker);
  h.clock.advance(31_000);
  const victim = h.localUser('victim', ['soc-analyst']);
  const v = await h.call('POST', '/api/v1/session/login', { body: { username: victim.name, password: victim.password, totp: victim.code() }, cookie: att.cookie });
  assert.equal(v.status, 200);
  assert.equal((await h.call('GET', '/api/v1/session', { cookie: att.cookie })).status, 401);
});

test('CSRF: state-changing cookie requests need the session token; cross-site requests are refused; Bearer needs none', async () => {
  const u = h.localUser('csrf1', ['soc-analyst']);
  const { cookie, csrf } = await h.login(u);
  const body = { name: 'x', q: 'event.action:login', dataset: 'events' };
  assert.equal((await h.call('POST', '/api/v1/saved-searches', { cookie, body })).status, 403);
  assert.equal((await h.call('POST', '/api/v1/saved-searches', { cookie, csrf: 'forged-' + csrf.slice(7), body })).status, 403);
  assert.equal((await h.call('POST', '/api/v1/saved-searches', { cookie, csrf, body, headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
  assert.equal((await h.call('POST', '/api/v1/saved-searches', { cookie, csrf, body, headers: { origin: 'https://evil.example.com' } })).status, 403);
  const ok = await h.call('POST', '/api/v1/saved-searches', { cookie, csrf, body, headers: { 'sec-fetch-site': 'same-origin', origin: `https://127.0.0.1:${h.console.port}` } });
  assert.equal(ok.status, 201);
  // Another session's token does not work either.
  const other = await h.login(h.localUser('csrf2', ['soc-analyst']));
  assert.equal((await h.call('POST', '/api/v1/saved-searches', { cookie, csrf: other.csrf, body })).status, 403);
  assert.equal((await h.call('POST', '/api/v1/saved-searches', { token: h.tokens['soc-analyst'], body })).status, 201);
  // Logout is state-changing too.
  assert.equal((await h.call('POST', '/api/v1/session/logout', { cookie })).status, 403);
});

test('login rate limit per account: lockout with backoff (429 + Retry-After), released by time', async () => {
  h.clock.advance(16 * 60_000);
  const u = h.localUser('slowdown', ['soc-analyst']);
  for (let i = 0; i < 5; i++) assert.equal((await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: 'wrong-wrong-wrong' } })).status, 401);
  const locked = await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password, totp: u.code() } });
  assert.equal(locked.status, 429);
  assert.equal(locked.headers['retry-after'], '30');
  h.clock.advance(31_000);
  // One more failure doubles the lock.
  assert.equal((await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: 'wrong-wrong-wrong' } })).status, 401);
  assert.equal((await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password, totp: u.code() } })).headers['retry-after'], '60');
  h.clock.advance(61_000);
  assert.equal((await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password, totp: u.code() } })).status, 200);
  assert.ok(auditTypes().some((r) => r.objectId === 'slowdown' && JSON.parse(r.details).reason === 'rate-limited'));
});

test('login rate limit per source address across account names (4× the per-account allowance)', async () => {
  h.clock.advance(16 * 60_000);
  for (let i = 0; i < 20; i++) await h.call('POST', '/api/v1/session/login', { body: { username: `spray${i}`, password: 'guess-guess-guess' } });
  const u = h.localUser('innocent', ['soc-analyst']);
  assert.equal((await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password, totp: u.code() } })).status, 429);
  h.clock.advance(31_000);
  assert.equal((await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password, totp: u.code() } })).status, 200);
});

test('idle timeout and absolute timeout (injected clock)', async () => {
  h.clock.advance(16 * 60_000);
  const idleMs = h.config.console.sessionIdleMinutes * 60_000;
  const u = h.localUser('sleepy', ['soc-analyst']);
  const { cookie } = await h.login(u);
  h.clock.advance(idleMs - 1000);
  assert.equal((await h.call('GET', '/api/v1/session', { cookie })).status, 200);
  h.clock.advance(idleMs + 1000);
  const gone = await h.call('GET', '/api/v1/session', { cookie });
  assert.equal(gone.status, 401);
  assert.equal(gone.json.error, 'session expired');

  h.clock.advance(31_000);
  const busy = await h.login(h.localUser('busy', ['soc-analyst']));
  const absoluteMs = h.config.console.sessionAbsoluteHours * 3_600_000;
  let elapsed = 0;
  while (elapsed + idleMs / 2 < absoluteMs) {
    h.clock.advance(idleMs / 2);
    elapsed += idleMs / 2;
    assert.equal((await h.call('GET', '/api/v1/session', { cookie: busy.cookie })).status, 200, `still active after ${elapsed} ms`);
  }
  h.clock.advance(idleMs / 2 + 1000);
  assert.equal((await h.call('GET', '/api/v1/session', { cookie: busy.cookie })).status, 401);
});

test('logout ends the session, clears the cookie and is audited', async () => {
  const { cookie, csrf } = await h.login(h.localUser('leaver', ['soc-analyst']));
  const out = await h.call('POST', '/api/v1/session/logout', { cookie, csrf });
  assert.equal(out.status, 204);
  assert.ok(cookiesOf(out).some((c) => /^emsoc_session=;.*Max-Age=0/.test(c)));
  assert.equal((await h.call('GET', '/api/v1/session', { cookie })).status, 401);
  assert.ok(auditTypes().some((r) => r.eventType === 'session.logout' && r.actorName === 'leaver'));
});

test('certificate sign-in: bound certificate of our CA → session; unbound, revoked or foreign → 401, audited', async () => {
  const acc = h.identity.createAccount({ name: 'certuser', roles: ['auditor'] });
  const good = h.clientCert('certuser');
  h.identity.bindCertificate(acc.id, good.fingerprint, '01');
  const a = await h.call('POST', '/api/v1/session/certificate', { cert: good, body: {} });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.user.name, 'certuser');
  assert.equal(a.json.via, 'certificate');
  const cookie = cookiesOf(a).find((c) => c.startsWith('emsoc_session='))!.split(';')[0]!;
  assert.equal((await h.call('GET', '/api/v1/session', { cookie })).json.user.name, 'certuser');

  const unbound = h.clientCert('stranger');
  assert.equal((await h.call('POST', '/api/v1/session/certificate', { cert: unbound, body: {} })).status, 401);
  revoked.add(good.fingerprint);
  const r = await h.call('POST', '/api/v1/session/certificate', { cert: good, body: {} });
  assert.equal(r.status, 401);
  assert.match(r.json.error, /revoked/);
  assert.equal((await h.call('POST', '/api/v1/session/certificate', { body: {} })).status, 401);
  const reasons = auditTypes().filter((x) => x.eventType === 'session.certificate_login' && x.outcome === 'failure').map((x) => JSON.parse(x.details).reason);
  assert.ok(reasons.includes('certificate status revoked'));
  assert.ok(reasons.includes('certificate not bound to an active account'));
  assert.ok(reasons.includes('no client certificate presented'));
});

test('Bearer tokens keep working for automation; invalid ones are 401', async () => {
  assert.equal((await h.call('GET', '/api/v1/session', { token: h.tokens.auditor })).json.user.name, 'u-auditor');
  assert.equal((await h.call('GET', '/api/v1/session', { token: 'emsoc_forged' })).status, 401);
});
