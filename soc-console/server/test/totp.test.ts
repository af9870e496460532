import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { base32Encode, totp } from '@emsoc/common/auth';
import { matchTotpStep, otpauthUri } from '../src/session/totp.js';
import { startHarness, type Harness } from './harness.js';

// RFC 6238 Appendix B, SHA-1 rows: seed "12345678901234567890", 30 s steps, 8-digit values. A 6-digit code
// is the same truncated value mod 10^6, i.e. the last six digits.
const RFC_SEED = base32Encode(Buffer.from('12345678901234567890', 'ascii'));
const RFC_VECTORS: [seconds: number, eightDigits: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

test('RFC 6238 test vectors (SHA-1, 30 s, 6 digits)', () => {
  assert.equal(RFC_SEED, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  for (const [t, code8] of RFC_VECTORS) {
    assert.equal(totp(RFC_SEED, t * 1000), code8.slice(2), `T=${t}`);
    assert.equal(matchTotpStep(RFC_SEED, code8.slice(2), t * 1000), Math.floor(t / 30), `T=${t}`);
  }
});

test('codes of the neighbouring steps are accepted (clock drift), others and malformed input are not', () => {
  const t = 1111111111 * 1000;
  const step = Math.floor(t / 30_000);
  assert.equal(matchTotpStep(RFC_SEED, totp(RFC_SEED, t - 30_000), t), step - 1);
  assert.equal(matchTotpStep(RFC_SEED, totp(RFC_SEED, t + 30_000), t), step + 1);
  assert.equal(matchTotpStep(RFC_SEED, totp(RFC_SEED, t - 60_000), t), undefined);
  for (const bad of ['', '12345', '1234567', 'abcdef', '12 456', '０１２３４５']) assert.equal(matchTotpStep(RFC_SEED, bad, t), undefined);
});

test('otpauth URI names issuer and account, escaped', () => {
  assert.equal(
    otpauthUri('EMSOC unit-1', 'ops@shift', 'JBSWY3DPEHPK3PXP'),
    'otpauth://totp/EMSOC%20unit-1:ops%40shift?secret=JBSWY3DPEHPK3PXP&issuer=EMSOC%20unit-1&algorithm=SHA1&digits=6&period=30',
  );
});

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const cookieOf = (a: { headers: Record<string, unknown> }) =>
  ([] as string[]).concat((a.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('emsoc_session='))!;
const trail = () => h.console.audit.trail.list({ order: 'desc', limit: 500 });

/** Creates a local account through the API (system + security admin), which opens its enrolment window. */
async function newLocalAccount(name: string) {
  const password = `a long password for ${name}`;
  const r = await h.call('POST', '/api/v1/admin/accounts', { token: h.tokens['system-admin'], body: { name, password } });
  assert.equal(r.status, 201, r.text);
  const roles = await h.call('PUT', `/api/v1/admin/accounts/${r.json.id}/roles`, { token: h.tokens['security-admin'], body: { roles: ['soc-analyst'] } });
  assert.equal(roles.status, 200, roles.text);
  return { id: r.json.id as string, name, password };
}

test('new local account: password-only sign-in gives an enrolment-only session; enrol, confirm, then sign in with codes', async () => {
  const u = await newLocalAccount('breakglass1');
  const first = await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password } });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.totpEnrolmentRequired, true);
  assert.deepEqual(first.json.user.permissions, []);
  const cookie = cookieOf(first);
  const csrf = first.json.csrfToken as string;

  // Nothing but enrolment (and the session itself) is reachable.
  assert.equal((await h.call('GET', '/api/v1/events', { cookie })).status, 403);
  assert.equal((await h.call('GET', '/api/v1/whoami', { cookie })).status, 403);
  assert.equal((await h.call('GET', '/api/v1/session', { cookie })).json.totpEnrolmentRequired, true);
  const status = await h.call('GET', '/api/v1/account/totp', { cookie });
  assert.deepEqual(status.json, { localAccount: true, enrolled: false, pendingUntil: null, enrolmentRequired: true });

  // CSRF applies to enrolment like to everything else.
  assert.equal((await h.call('POST', '/api/v1/account/totp/enrolment', { cookie, body: {} })).status, 403);
  const started = await h.call('POST', '/api/v1/account/totp/enrolment', { cookie, csrf, body: {} });
  assert.equal(started.status, 201, started.text);
  assert.equal(started.headers['cache-control'], 'no-store');
  assert.match(started.json.secret, /^[A-Z2-7]{32}$/);
  assert.equal(started.json.uri, otpauthUri(`EMSOC ${h.config.unit.id}`, u.name, started.json.secret));
  const secret = started.json.secret as string;

  // Not active until confirmed: signing in still gives only an enrolment session.
  assert.equal(h.identity.getAccount(u.id)!.hasTotp, false);
  const wrong = String((Number(totp(secret, h.clock.now)) + 1) % 1_000_000).padStart(6, '0');
  const bad = await h.call('POST', '/api/v1/account/totp/enrolment/confirm', { cookie, csrf, body: { code: wrong } });
  assert.equal(bad.status, 400);

  const ok = await h.call('POST', '/api/v1/account/totp/enrolment/confirm', { cookie, csrf, body: { code: totp(secret, h.clock.now) } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.enrolled, true);
  assert.equal(ok.json.totpEnrolmentRequired, false);
  assert.ok(ok.json.user.permissions.includes('events:read'));
  const full = cookieOf(ok);
  assert.ok(full && full !== cookie, 'a new session id after enrolment');
  assert.equal((await h.call('GET', '/api/v1/session', { cookie })).status, 401, 'the enrolment session is gone');
  assert.equal((await h.call('GET', '/api/v1/events', { cookie: full })).status, 200);
  assert.equal(h.identity.getAccount(u.id)!.hasTotp, true);

  // Once enrolled: the password alone no longer works, the confirming code cannot be replayed, the next one can.
  const noCode = await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password } });
  assert.equal(noCode.status, 401);
  const replay = await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password, totp: totp(secret, h.clock.now) } });
  assert.equal(replay.status, 401);
  h.clock.advance(30_000);
  const next = await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password, totp: totp(secret, h.clock.now) } });
  assert.equal(next.status, 200, next.text);
  assert.equal(next.json.totpEnrolmentRequired, false);
  // An older (still in-window) code after a newer one was used is a replay too.
  const older = await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password, totp: totp(secret, h.clock.now - 30_000) } });
  assert.equal(older.status, 401);
  // Enrolling again is refused while one is active.
  assert.equal((await h.call('POST', '/api/v1/account/totp/enrolment', { cookie: cookieOf(next), csrf: next.json.csrfToken, body: {} })).status, 409);

  const mine = trail().filter((r) => r.objectId === u.id || r.objectId === u.name);
  const kinds = mine.map((r) => `${r.eventType}:${r.outcome}`);
  for (const k of ['account.created:success', 'session.enrolment_login:success', 'totp.enrolment_started:success', 'totp.enrolled:failure', 'totp.enrolled:success', 'session.login:success', 'session.login:failure', 'totp.enrolment_started:failure']) {
    assert.ok(kinds.includes(k), `audited ${k}: ${kinds.join(', ')}`);
  }
  assert.ok(!JSON.stringify(mine).includes(secret), 'the secret never reaches the audit trail');
});

test('wrong confirmation codes are rate-limited like sign-ins; a pending enrolment expires', async () => {
  h.clock.advance(60_000);
  const u = await newLocalAccount('breakglass2');
  const first = await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password } });
  const cookie = cookieOf(first);
  const csrf = first.json.csrfToken as string;
  assert.equal((await h.call('POST', '/api/v1/account/totp/enrolment/confirm', { cookie, csrf, body: { code: '123456' } })).status, 409, 'nothing pending');
  const secret = (await h.call('POST', '/api/v1/account/totp/enrolment', { cookie, csrf, body: {} })).json.secret as string;
  const wrong = String((Number(totp(secret, h.clock.now)) + 7) % 1_000_000).padStart(6, '0');
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await h.call('POST', '/api/v1/account/totp/enrolment/confirm', { cookie, csrf, body: { code: wrong } })).status);
  assert.deepEqual(statuses, [400, 400, 400, 400, 400, 429]);
  const locked = await h.call('POST', '/api/v1/account/totp/enrolment/confirm', { cookie, csrf, body: { code: totp(secret, h.clock.now) } });
  assert.equal(locked.status, 429);
  assert.ok(Number(locked.headers['retry-after']) > 0);
  h.clock.advance(11 * 60_000);
  assert.equal((await h.call('POST', '/api/v1/account/totp/enrolment/confirm', { cookie, csrf, body: { code: totp(secret, h.clock.now) } })).status, 409, 'expired after 10 min');
  assert.equal((await h.call('POST', '/api/v1/account/totp/enrolment/confirm', { cookie, csrf, body: { code: 'abc' } })).status, 400);
});

test('security administrator resets a lost TOTP: audited, sessions ended, enrolment window reopened; not for oneself', async () => {
  h.clock.advance(16 * 60_000);
  const u = h.localUser('lostphone', ['soc-analyst']);
  const s = await h.login(u);
  assert.equal((await h.call('GET', '/api/v1/session', { cookie: s.cookie })).status, 200);
  assert.equal((await h.call('DELETE', `/api/v1/admin/accounts/${u.accountId}/totp`, { token: h.tokens['system-admin'] })).status, 403);
  const r = await h.call('DELETE', `/api/v1/admin/accounts/${u.accountId}/totp`, { token: h.tokens['security-admin'] });
  assert.equal(r.status, 200, r.text);
  assert.equal(h.identity.getAccount(u.accountId)!.hasTotp, false);
  assert.equal((await h.call('GET', '/api/v1/session', { cookie: s.cookie })).status, 401, 'sessions ended');
  const rec = trail().find((x) => x.eventType === 'account.totp_reset' && x.objectId === u.accountId)!;
  assert.equal(rec.actorName, 'u-security-admin');
  assert.equal(JSON.parse(rec.details).hadTotp, true);
  const again = await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password } });
  assert.equal(again.status, 200);
  assert.equal(again.json.totpEnrolmentRequired, true);
  // The window closes after 72 h.
  h.clock.advance(73 * 3_600_000);
  assert.equal((await h.call('POST', '/api/v1/session/login', { body: { username: u.name, password: u.password } })).status, 401);

  const admin = h.identity.findAccountByName('u-security-admin')!;
  const self = await h.call('DELETE', `/api/v1/admin/accounts/${admin.id}/totp`, { token: h.tokens['security-admin'] });
  assert.equal(self.status, 403);
  assert.ok(trail().some((x) => x.eventType === 'account.totp_reset' && x.outcome === 'failure' && x.objectId === admin.id));
});

test('enrolment is for local accounts only: certificate or token accounts without a password get 400', async () => {
  const r = await h.call('POST', '/api/v1/account/totp/enrolment', { token: h.tokens['soc-analyst'], body: {} });
  assert.equal(r.status, 400);
  assert.match(r.json.error, /no local password/);
});
