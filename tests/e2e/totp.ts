// TOTP helpers for the browser suite: codes that are never replays, and enrolment through the console API
// (the same calls the enrolment screen makes) for accounts whose enrolment is not itself under test.
import https from 'node:https';
import { totp } from '@emsoc/common/auth';

const STEP_MS = 30_000;

export interface TotpHolder {
  totpSecret: string;
  /** Last time step used by this account: the server accepts each step once, and never an older one. */
  lastStep: number;
}

/** A code the server has not seen: the current step, or the next one (inside the ±1 drift) if the current one is used. */
export async function nextCode(who: TotpHolder): Promise<string> {
  let step = Math.max(Math.floor(Date.now() / STEP_MS), who.lastStep + 1);
  while (step > Math.floor(Date.now() / STEP_MS) + 1) await new Promise((r) => setTimeout(r, 1000));
  step = Math.max(step, Math.floor(Date.now() / STEP_MS));
  who.lastStep = step;
  return totp(who.totpSecret, step * STEP_MS);
}

/** Step of a code just used elsewhere (e.g. typed into the enrolment screen). */
export const currentStep = () => Math.floor(Date.now() / STEP_MS);

function call(base: string, ca: string, method: string, p: string, body?: unknown, cookie?: string, csrf?: string) {
  return new Promise<{ status: number; json: any; cookie?: string }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (data !== undefined) headers['content-type'] = 'application/json';
    if (cookie) headers.cookie = cookie;
    if (csrf) headers['x-csrf-token'] = csrf;
    const req = https.request(`${base}/api/v1/${p}`, { method, ca, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('emsoc_session='));
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined, ...(set ? { cookie: set } : {}) });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * First sign-in of a new local account with its password alone (an enrolment-only session), then the two
 * enrolment calls. Returns the activated key.
 */
export async function enrolThroughApi(base: string, ca: string, name: string, password: string): Promise<TotpHolder> {
  const login = await call(base, ca, 'POST', 'session/login', { username: name, password });
  if (login.status !== 200 || !login.json.totpEnrolmentRequired || !login.cookie) throw new Error(`enrolment sign-in for ${name}: ${login.status} ${JSON.stringify(login.json)}`);
  const started = await call(base, ca, 'POST', 'account/totp/enrolment', {}, login.cookie, login.json.csrfToken);
  if (started.status !== 201) throw new Error(`enrolment start for ${name}: ${started.status} ${JSON.stringify(started.json)}`);
  const holder: TotpHolder = { totpSecret: started.json.secret, lastStep: 0 };
  const confirmed = await call(base, ca, 'POST', 'account/totp/enrolment/confirm', { code: await nextCode(holder) }, login.cookie, login.json.csrfToken);
  if (confirmed.status !== 200 || !confirmed.json.enrolled) throw new Error(`enrolment confirm for ${name}: ${confirmed.status} ${JSON.stringify(confirmed.json)}`);
  await call(base, ca, 'POST', 'session/logout', {}, confirmed.cookie, confirmed.json.csrfToken);
  return holder;
}
