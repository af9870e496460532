// First load of the SOC console: (1) gzip transfer size of everything the login route fetches, computed
// from the built files (what a gzip-serving proxy would send), and (2) time until the login form is
// usable in headless Chromium, cold cache, against a running platform (started here unless
// EMSOC_CONSOLE_URL points at one). Prints JSON lines and exits.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import zlib from 'node:zlib';
import { launchBrowser } from '../../../tests/e2e/browser.js';
import { ensureWebBuild, WEB_DIST } from '../../../tests/e2e/web-build.js';
import { startPlatform, type RunningPlatform } from '../../../tests/lib/platform.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function emit(name: string, value: number, unit: string): void {
  console.log(JSON.stringify({ name, value, unit, peer: null, peer_value: null }));
}

const gzipSize = (file: string) => zlib.gzipSync(fs.readFileSync(file), { level: 6 }).length;

function reachable(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

ensureWebBuild();
let base = process.env.EMSOC_CONSOLE_URL ?? '';
let platform: RunningPlatform | undefined;
if (!base || !(await reachable(base))) {
  platform = await startPlatform({ timeoutMs: 300_000 });
  base = platform.consoleUrl;
}

const browser = await launchBrowser();
try {
  const times: number[] = [];
  const fetched = new Set<string>();
  for (let run = 0; run < RUNS; run++) {
    // A new page in a context whose cache is cleared: each run is a cold first visit.
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.clearBrowserCache');
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.origin === new URL(base).origin && !u.pathname.startsWith('/api/')) fetched.add(u.pathname === '/login' ? '/index.html' : u.pathname);
    });
    await page.goto(`${base}/login`, { waitUntil: 'commit' });
    // performance.now() counts from the navigation start; the login form rendered and enabled = usable.
    // Passed as source text: tsx would otherwise wrap named inner functions in a helper the page lacks.
    const ms = (await page.evaluate(`new Promise((resolve) => {
      const check = () => {
        const user = document.querySelector('#username');
        if (user && !user.disabled && document.querySelector('[data-testid=login-form] button[type=submit]')) resolve(performance.now());
        else requestAnimationFrame(check);
      };
      check();
    })`)) as number;
    await page.waitForLoadState('networkidle');
    times.push(ms);
    await page.close();
  }
  const files = [...fetched].map((p) => path.join(WEB_DIST, decodeURIComponent(p))).filter((f) => fs.existsSync(f) && fs.statSync(f).isFile());
  const gz = files.reduce((n, f) => n + gzipSize(f), 0);
  const raw = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  emit('console.first_load.login_route_transfer_gzip', gz, 'bytes');
  emit('console.first_load.login_route_raw', raw, 'bytes');
  emit('console.first_load.login_route_files', files.length, 'files');
  emit('console.first_load.login_interactive_median', Math.round(median(times)), 'ms');
  emit('console.first_load.login_interactive_min', Math.round(Math.min(...times)), 'ms');
  emit('console.first_load.login_interactive_max', Math.round(Math.max(...times)), 'ms');
  // Chart.js must stay out of the first load: it is only in the chart features' chunks.
  const chartInInitial = files.some((f) => f.endsWith('.js') && fs.readFileSync(f, 'utf8').includes('Canvas is already in use'));
  emit('console.first_load.chartjs_in_login_route', chartInInitial ? 1 : 0, 'bool');
} finally {
  await browser.close();
  await platform?.stop();
}
