// End-to-end: the built Angular console served by the platform's console server, driven in headless
// Chromium. One account per role (analyst, two RA officers, auditor) signs in with password + TOTP, does
// that role's main job and signs out; every screen is photographed in zh-CN and en
// (test-results/screenshots/). The analyst enrols their authenticator on the enrolment screen first; the
// other accounts enrol through the same API calls.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { totp } from '@emsoc/common/auth';
import { repoRoot } from '@emsoc/common/paths';
import { eventually, startPlatform, type RunningPlatform } from '../lib/platform.js';
import { httpsRequest } from '../lib/https.js';
import { chromiumAvailable, launchBrowser } from './browser.js';
import { ensureWebBuild } from './web-build.js';
import { currentStep, enrolThroughApi, nextCode, type TotpHolder } from './totp.js';

/** The console's URL on the free port the platform was given. */
let CONSOLE = '';
const SHOTS = path.join(repoRoot, 'test-results', 'screenshots');
const PASSWORD = 'e2e-Passw0rd-long-enough';
const ATTACKER = '203.0.113.77';

interface Person extends TotpHolder {
  id: string;
  name: string;
  token: string;
}

let platform: RunningPlatform;
let browser: { context: BrowserContext; close(): Promise<void> } | undefined;
const people: Record<'analyst' | 'officer1' | 'officer2' | 'auditor', Person> = {} as never;

async function api<T = any>(method: string, p: string, token: string, json?: unknown) {
  return httpsRequest<T>(`${CONSOLE}/api/v1/${p}`, { ca: platform.ca, method, token, ...(json !== undefined ? { json } : {}) });
}

/**
 * Account with a password and an API token; its TOTP is enrolled through the API unless `enrol` is false
 * (then the test enrols it on the screen, and sets `totpSecret`).
 */
async function createPerson(name: string, role: string, enrol = true): Promise<Person> {
  const created = await api<{ id: string }>('POST', 'admin/accounts', platform.adminToken, { name, displayName: `${name} (e2e)`, roles: [role], orgUnit: 'prov-demo', password: PASSWORD });
  assert.equal(created.status, 201, `create ${name}: ${created.text}`);
  const tok = await api<{ token: string }>('POST', `admin/accounts/${created.body.id}/tokens`, platform.adminToken, { label: 'e2e' });
  assert.equal(tok.status, 201, tok.text);
  const key = enrol ? await enrolThroughApi(CONSOLE, platform.ca, name, PASSWORD) : { totpSecret: '', lastStep: 0 };
  return { id: created.body.id, name, token: tok.body.token, ...key };
}

function sendSyslog(lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(platform.ports.syslog, '127.0.0.1', () => {
      s.end(lines.map((l) => `${l}\n`).join(''), () => resolve());
    });
    s.on('error', reject);
  });
}

async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await setLanguage(page, 'zh-CN');
  await page.screenshot({ path: path.join(SHOTS, `${name}.zh-CN.png`), fullPage: true });
  await page.getByTestId('lang-toggle').click();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.screenshot({ path: path.join(SHOTS, `${name}.en.png`), fullPage: true });
  await page.getByTestId('lang-toggle').click();
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
}

/** Switches with the toggle button (the app re-renders asynchronously, so wait for <html lang>). */
async function setLanguage(page: Page, lang: 'zh-CN' | 'en'): Promise<void> {
  if ((await page.locator('html').getAttribute('lang')) !== lang) await page.getByTestId('lang-toggle').click();
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

async function signIn(page: Page, who: Person): Promise<void> {
  await page.goto(`${CONSOLE}/login`);
  await page.locator('#username').fill(who.name);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('#totp').fill(await nextCode(who));
  await page.locator('[data-testid=login-form] button[type=submit]').click();
  const outcome = await Promise.race([
    page.getByTestId('current-user').waitFor().then(() => 'in'),
    page.getByTestId('login-error').waitFor().then(async () => `refused: ${await page.getByTestId('login-error').textContent()}`),
  ]);
  assert.equal(outcome, 'in', `${who.name} signs in`);
}

/** On failure, what the page showed (the screenshot goes next to the others). */
async function evidence(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `FAILED-${name}.png`), fullPage: true }).catch(() => undefined);
  return `${page.url()}\n${((await page.locator('body').textContent().catch(() => '')) ?? '').slice(0, 1500)}`;
}

async function signOut(page: Page): Promise<void> {
  await page.getByTestId('logout').click();
  await page.waitForURL(/\/login/);
  // The cookie is gone server-side: the app cannot get back in without signing in.
  await page.goto(`${CONSOLE}/overview`);
  await page.waitForURL(/\/login/);
}

/** Console errors other than expected HTTP failures point at broken templates or CSP violations. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return problems;
}

describe('SOC console in a browser', { skip: !chromiumAvailable() && 'chromium not installed at /usr/bin/chromium' }, () => {
  before(async () => {
    ensureWebBuild();
    // sFlow is not part of this test and its port is not among the free ports the helper picks.
    platform = await startPlatform({ timeoutMs: 300_000 });
    CONSOLE = platform.consoleUrl;
    try {
      await setUp();
    } catch (e) {
      console.error(platform.output().slice(-4000));
      throw e;
    }
  });

  async function setUp(): Promise<void> {
    people.analyst = await createPerson('e2e-analyst', 'soc-analyst', false);
    people.officer1 = await createPerson('e2e-officer1', 'ra-officer');
    people.officer2 = await createPerson('e2e-officer2', 'ra-officer');
    people.auditor = await createPerson('e2e-auditor', 'auditor');
    // RFC 5424 with an explicit UTC timestamp, so no time-zone guessing on the collector side.
    // 30 failures then a success from the same address: rules/terminal/lnx_ssh_bruteforce_then_success.yml
    // raises a critical alert, which becomes an incident for the analyst to triage.
    const t0 = Date.now() - 5000;
    await sendSyslog([
      ...Array.from({ length: 30 }, (_, i) => `<38>1 ${new Date(t0 + i * 100).toISOString()} bastion sshd ${4000 + i} - - Failed password for root from ${ATTACKER} port ${40000 + i} ssh2`),
      `<38>1 ${new Date(t0 + 4000).toISOString()} bastion sshd 5000 - - Accepted password for root from ${ATTACKER} port 50000 ssh2`,
    ]);
    browser = await launchBrowser();
  }

  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('login page: zh-CN by default, English one click away, CSP-clean', async () => {
    const page = await browser!.context.newPage();
    const problems = watchConsole(page);
    const res = await page.goto(`${CONSOLE}/login`);
    const csp = res!.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    await page.locator('#username').waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN', 'Chinese by default');
    assert.equal(await page.locator('label[for=username]').textContent(), '用户名');
    await screenshot(page, '01-login');
    await setLanguage(page, 'en');
    assert.equal((await page.locator('label[for=username]').textContent())?.trim(), 'User name');
    await page.reload();
    await page.locator('#username').waitFor();
    assert.equal((await page.locator('label[for=username]').textContent())?.trim(), 'User name', 'the choice survives a reload');
    await setLanguage(page, 'zh-CN');
    // A wrong password is refused with a message, not a crash.
    await page.locator('#username').fill(people.analyst.name);
    await page.locator('#password').fill('wrong-password-123');
    await page.locator('#totp').fill('000000');
    await page.locator('[data-testid=login-form] button[type=submit]').click();
    await page.getByTestId('login-error').waitFor();
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('TOTP: a new account signs in with its password only to enrol, confirms a code, then signs in with codes', async () => {
    const who = people.analyst;
    const page = await browser!.context.newPage();
    const problems = watchConsole(page);
    await page.goto(`${CONSOLE}/login`);
    await page.locator('#username').fill(who.name);
    await page.locator('#password').fill(PASSWORD);
    await page.locator('[data-testid=login-form] button[type=submit]').click();
    await page.waitForURL(/\/account\/totp/).catch(async (e: Error) => assert.fail(`${e.message}\n${await evidence(page, 'totp-required')}`));
    await page.getByTestId('totp-required').waitFor();
    // The enrolment-only session opens nothing else.
    assert.equal(await page.locator('nav a').count(), 0);
    await screenshot(page, '01b-totp-required');

    await page.getByTestId('totp-start').click();
    await page.getByTestId('totp-secret').waitFor();
    who.totpSecret = (await page.getByTestId('totp-secret').getAttribute('data-secret'))!;
    assert.match(who.totpSecret, /^[A-Z2-7]{32}$/);
    const uri = (await page.getByTestId('totp-uri').textContent())?.trim() ?? '';
    assert.match(uri, new RegExp(`^otpauth://totp/.*${who.name}\\?secret=${who.totpSecret}&`));
    // The QR code on the screen, as a phone camera would see it, carries the same URI.
    if (fs.existsSync('/usr/bin/zbarimg')) {
      const shot = path.join(SHOTS, '..', 'totp-qr.png');
      await page.getByTestId('totp-qr').screenshot({ path: shot });
      const decoded = execFileSync('/usr/bin/zbarimg', ['--raw', '-q', shot], { stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8').trim();
      fs.rmSync(shot, { force: true });
      assert.equal(decoded, uri);
    } else console.log('# zbarimg not installed: QR code not decoded');
    await screenshot(page, '01c-totp-key');

    // A wrong code is refused on the screen; the right one activates the key.
    const wrong = String((Number(totp(who.totpSecret)) + 5) % 1_000_000).padStart(6, '0');
    await page.locator('#totp-code').fill(wrong);
    await page.locator('[data-testid=totp-confirm-form] button[type=submit]').click();
    await page.getByTestId('totp-error').waitFor();
    await page.locator('#totp-code').fill(await nextCode(who));
    await page.locator('[data-testid=totp-confirm-form] button[type=submit]').click();
    await page.getByTestId('totp-done').waitFor();
    await screenshot(page, '01d-totp-enrolled');
    await page.getByTestId('totp-continue').click();
    await page.waitForURL(/\/overview/);
    await signOut(page);

    // Enrolled: the password alone is refused now, a fresh code signs in.
    await page.goto(`${CONSOLE}/login`);
    await page.locator('#username').fill(who.name);
    await page.locator('#password').fill(PASSWORD);
    await page.locator('[data-testid=login-form] button[type=submit]').click();
    await page.getByTestId('login-error').waitFor();
    await signIn(page, who);
    await page.waitForURL(/\/overview/);
    await page.goto(`${CONSOLE}/account/totp`);
    await page.getByTestId('totp-enrolled').waitFor();
    await screenshot(page, '01e-totp-status');
    await signOut(page);
    assert.ok(who.lastStep >= currentStep(), 'codes used in order');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('analyst: overview, search with a syntax error marker, expand, export, flows, incident triage, rules, sign out', async () => {
    const page = await browser!.context.newPage();
    const problems = watchConsole(page);
    await signIn(page, people.analyst);
    await page.waitForURL(/\/overview/);
    await page.locator('canvas').first().waitFor();
    await screenshot(page, '02-overview');

    // Search: the brute-force lines are there.
    const found = await eventually(async () => {
      await page.goto(`${CONSOLE}/search?ds=events&preset=1h&q=${encodeURIComponent(`source.ip:"${ATTACKER}"`)}`);
      await page.getByTestId('results').waitFor({ timeout: 10_000 }).catch(async (e: Error) => assert.fail(`${e.message}\n${await evidence(page, 'search')}`));
      await page.waitForFunction(() => !document.querySelector('[data-testid=results] tbody')?.textContent?.includes('…'));
      return (await page.locator('[data-testid=results] tbody tr').first().locator('button').count()) > 0;
    }, 20_000, 1000);
    if (!found) assert.fail(`the ingested events do not show up in the search view: ${await evidence(page, 'search')}`);
    await page.locator('[data-testid=results] tbody tr button').first().click();
    await page.locator('.json-tree').first().waitFor();
    assert.ok((await page.locator('.json-tree').first().textContent())?.includes(ATTACKER));
    await screenshot(page, '03-search');

    // Export NDJSON: the progress bar completes and the file has one line per hit.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-ndjson').click()]);
    const file = await download.path();
    const lines = fs.readFileSync(file!, 'utf8').trim().split('\n');
    assert.ok(lines.length >= 30, `exported ${lines.length} rows`);
    assert.equal(JSON.parse(lines[0]!).source.ip, ATTACKER);
    assert.match((await page.getByTestId('export-progress').textContent()) ?? '', /✓/);

    // A syntax error is shown under its column.
    await page.getByTestId('query').fill('source.ip:"1.2.3.4" AND AND');
    await page.getByTestId('search-submit').click();
    await page.getByTestId('query-error').waitFor();
    const caret = await page.getByTestId('query-caret').textContent();
    assert.ok(caret && caret.endsWith('^') && caret.length > 20, `caret line ${JSON.stringify(caret)}`);
    await screenshot(page, '04-search-syntax-error');

    await page.goto(`${CONSOLE}/flows`);
    await page.locator('h2').first().waitFor();
    await screenshot(page, '05-flows');

    // Alerts & incidents: triage the first incident if detection raised one.
    await page.goto(`${CONSOLE}/incidents`);
    await page.getByTestId('incident-table').waitFor();
    const incidentLink = page.locator('[data-testid=incident-table] tbody a').first();
    const haveIncident = await eventually(async () => {
      await page.reload();
      await page.getByTestId('incident-table').waitFor();
      await page.waitForTimeout(300);
      return (await incidentLink.count()) > 0;
    }, 20_000, 2000);
    await screenshot(page, '06-incidents');
    if (haveIncident) {
      await incidentLink.click();
      await page.getByTestId('timeline').waitFor();
      await page.getByTestId('status-select').selectOption('triaged');
      await page.getByTestId('assignee-input').fill(people.analyst.name);
      await page.getByTestId('triage-save').click();
      await page.waitForFunction((n) => document.querySelector('[data-testid=incident-assignee]')?.textContent?.includes(n), people.analyst.name);
      await page.getByTestId('note-input').fill('封禁源地址 / blocked at the border');
      await page.getByTestId('note-add').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=timeline]')?.textContent?.includes('blocked at the border'));
      assert.ok(await page.getByTestId('matched-events').count(), 'link to the matched events');
      await screenshot(page, '07-incident-detail');
    } else {
      const since = new Date(Date.now() - 3_600_000).toISOString();
      const alerts = await api<{ total: number }>('GET', `alerts?from=${encodeURIComponent(since)}`, people.analyst.token);
      const incidents = await api<{ total: number }>('GET', 'incidents', people.analyst.token);
      console.log(`# no incident within 20 s (alerts in the last hour: ${alerts.body.total ?? alerts.status}, incidents: ${incidents.body.total ?? incidents.status}); triage step skipped`);
    }

    await page.goto(`${CONSOLE}/rules`);
    await page.locator('[data-testid=rule-table] tbody a').first().waitFor();
    await page.getByTestId('rule-yaml').fill('title: broken\ndetection: {}\n');
    await page.getByTestId('rule-validate').click();
    await page.getByTestId('validate-result').waitFor();
    await screenshot(page, '08-rules');
    await page.locator('[data-testid=rule-table] tbody a').first().click();
    await page.getByTestId('rule-yaml-view').waitFor();
    await page.getByTestId('backtest-run').click();
    await page.getByTestId('backtest-status').waitFor();
    await page.waitForFunction(() => /done|完成|failed|失败/.test(document.querySelector('[data-testid=backtest-status]')?.textContent ?? ''), null, { timeout: 60_000 });
    await screenshot(page, '09-rule-detail');

    await page.goto(`${CONSOLE}/reports`);
    await page.getByTestId('reports-table').waitFor();
    await screenshot(page, '10-reports');

    // Not an analyst's screens.
    await page.goto(`${CONSOLE}/audit`);
    await page.waitForURL(/\/forbidden/);
    await signOut(page);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('RA officer: dual control on pending requests, approve, reject with reason, certificate detail, sign out', async () => {
    // officer1 asks for two device certificates; officer2 decides (an officer never approves their own).
    const submit = (cn: string) =>
      api<{ id: string; status: string; approvalsRequired: number }>('POST', 'ra/requests', people.officer1.token, {
        type: 'keygen',
        profile: 'device',
        subject: { kind: 'device', orgUnit: 'city-demo-hq', commonName: cn, serialNumber: cn.toUpperCase() },
        keyAlgorithm: 'P-256',
        password: 'pkcs12-password-long',
      });
    const a = await submit('sensor-e2e-01');
    assert.equal(a.status, 201, a.text);
    const b = await submit('sensor-e2e-02');
    assert.equal(b.status, 201, b.text);

    const page = await browser!.context.newPage();
    const problems = watchConsole(page);
    await signIn(page, people.officer2);
    await page.waitForURL(/\/ra\/requests/, { timeout: 15_000 }).catch(async (e: Error) => assert.fail(`${e.message}\n${await evidence(page, 'ra-landing')}`));
    const rowA = page.locator(`tr[data-request-id="${a.body.id}"]`);
    const listed = await Promise.race([
      rowA.waitFor().then(() => ''),
      page.getByTestId('ra-load-error').waitFor().then(async () => (await page.getByTestId('ra-load-error').textContent()) ?? 'error'),
    ]);
    await screenshot(page, '11-ra-requests');
    assert.equal(listed, '', `the officer's session reaches the RA through the console: ${listed}`);
    assert.match((await rowA.getByTestId('dual-control').textContent()) ?? '', new RegExp(`0 / ${a.body.approvalsRequired}`));
    await rowA.getByTestId('approve').click();
    await page.getByTestId('ra-notice').waitFor();
    const rowB = page.locator(`tr[data-request-id="${b.body.id}"]`);
    await rowB.getByTestId('reject').click();
    await page.getByTestId('reject-reason').fill('序列号与资产台账不符 / serial not in the asset register');
    await page.getByTestId('reject-confirm').click();
    await eventually(async () => (await page.locator(`tr[data-request-id="${b.body.id}"]`).count()) === 0, 5000);
    const after = await api<{ status: string; reason: string }>('GET', `ra/requests/${b.body.id}`, people.officer1.token);
    assert.equal(after.body.status, 'rejected');
    const issued = await api<{ status: string; resultSerial: string | null; approvals: { officerName: string }[] }>('GET', `ra/requests/${a.body.id}`, people.officer1.token);
    assert.ok(['issued', 'completed', 'approved'].includes(issued.body.status), issued.text);
    assert.equal(issued.body.approvals[0]?.officerName, people.officer2.name);

    await page.goto(`${CONSOLE}/ra/certificates`);
    await page.locator('[data-testid=cert-table] tbody a').first().waitFor();
    await screenshot(page, '12-ra-certificates');
    if (issued.body.resultSerial) {
      await page.goto(`${CONSOLE}/ra/certificates/${issued.body.resultSerial}`);
      await page.getByTestId('cert-facts').waitFor();
      assert.match((await page.getByTestId('cert-facts').textContent()) ?? '', /sensor-e2e-01/);
      assert.ok((await page.locator('[data-testid=cert-extensions] tbody tr').count()) >= 3, 'extensions decoded');
      const href = await page.getByTestId('download-pem').getAttribute('href');
      assert.match(href ?? '', /download\?format=pem/);
      await screenshot(page, '13-ra-certificate');
    }
    await signOut(page);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('auditor: audit trail with both hash chains verified, RA audit, read-only, sign out', async () => {
    const page = await browser!.context.newPage();
    const problems = watchConsole(page);
    await signIn(page, people.auditor);
    await page.waitForURL(/\/audit/);
    await page.locator('[data-testid=chain-status] [data-chain=console]').waitFor({ timeout: 20_000 });
    await screenshot(page, '14-audit');
    const chains = (await page.getByTestId('chain-status').textContent()) ?? '';
    assert.equal(await page.locator('[data-chain=console]').getAttribute('data-ok'), 'true', chains);
    assert.equal(await page.locator('[data-chain=ra]').getAttribute('data-ok'), 'true', chains);
    await eventually(async () => {
      await page.getByRole('button', { name: /重新校验|Verify again/ }).click();
      return (await page.locator('[data-testid=audit-table] tbody tr td.nowrap').count()) > 0;
    }, 10_000, 1000);
    assert.match((await page.getByTestId('audit-table').textContent()) ?? '', /session\.login/);
    await page.getByTestId('ra-audit-tab').click();
    await page.locator('[data-testid=ra-audit-table] tbody tr td.num').first().waitFor();
    assert.match((await page.getByTestId('ra-audit-table').textContent()) ?? '', /request/);
    await screenshot(page, '15-audit-ra');
    // Read-only: no rules or RA decisions for an auditor.
    assert.equal(await page.locator('nav a[href="/rules"]').count(), 0);
    await page.goto(`${CONSOLE}/ra/requests`);
    await page.getByTestId('request-table').waitFor();
    assert.equal(await page.getByTestId('approve').count(), 0);
    await signOut(page);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
