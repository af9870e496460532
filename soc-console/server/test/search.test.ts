import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { after, before, test } from 'node:test';
import { APP_CSP } from '../src/static-app.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
let webDir: string;
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const XSS = '<script>alert(document.cookie)</script><img src=x onerror=alert(1)>';
const base = Date.parse('2026-11-28T00:00:00Z');

before(async () => {
  webDir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'emsoc-web-'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><html><head><script src="main-ABCDEFGH.js"></script></head><body><app-root></app-root></body></html>');
  fs.writeFileSync(path.join(webDir, 'main-ABCDEFGH.js'), 'console.log(1)');
  h = await startHarness({ webDir });
  const docs = [];
  for (let i = 0; i < 300; i++) {
    docs.push({
      id: `ev-${i}`,
      doc: {
        '@timestamp': new Date(base + i * 60_000).toISOString(),
        message: i === 7 ? XSS : `login attempt ${i}`,
        event: { dataset: 'linux.auth', action: i % 3 === 0 ? 'login' : 'logout', outcome: i % 2 ? 'success' : 'failure' },
        user: { name: i === 8 ? '=cmd|\' /C calc\'!A0' : `user${i % 5}` },
        source: { ip: `10.0.0.${i % 7}` },
      },
    });
  }
  await h.store.bulk('events', docs);
});
after(async () => {
  await h.close();
  fs.rmSync(webDir, { recursive: true, force: true });
});

const range = `from=${new Date(base).toISOString()}&to=${new Date(base + 300 * 60_000).toISOString()}`;
const analyst = () => h.tokens['soc-analyst']!;

test('search pages with a cursor; every hit once', async () => {
  const seen = new Set<string>();
  let cursor: string | undefined;
  let total = 0;
  do {
    const a = await h.call('GET', `/api/v1/events?${range}&size=70${cursor ? `&cursor=${cursor}` : ''}`, { token: analyst() });
    assert.equal(a.status, 200);
    total = a.json.total;
    for (const e of a.json.events) seen.add(e._id);
    cursor = a.json.nextCursor;
  } while (cursor);
  assert.equal(total, 300);
  assert.equal(seen.size, 300);
});

test('query syntax errors are 400 with the column', async () => {
  const a = await h.call('GET', `/api/v1/events?${range}&q=${encodeURIComponent('user.name:(a OR')}`, { token: analyst() });
  assert.equal(a.status, 400);
  assert.equal(typeof a.json.details.column, 'number');
  assert.ok(Array.isArray(a.json.details.expected));
});

test('XSS payloads in event fields come back JSON-escaped as application/json with the API CSP', async () => {
  const a = await h.call('GET', `/api/v1/events?${range}&q=${encodeURIComponent('_id:ev-7')}`, { token: analyst() });
  assert.equal(a.status, 200);
  assert.match(String(a.headers['content-type']), /^application\/json/);
  assert.ok(!a.text.includes('<script>'), 'raw markup must not appear in the body');
  assert.ok(a.text.includes('\\u003cscript\\u003e'));
  assert.equal(a.json.events[0].message, XSS);
  assert.equal(a.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
  assert.equal(a.headers['x-content-type-options'], 'nosniff');
  assert.match(String(a.headers['strict-transport-security']), /max-age=\d+/);
  assert.equal(a.headers['x-frame-options'], 'DENY');
});

test('histogram fills empty buckets; fields gives top values', async () => {
  const hist = await h.call('GET', `/api/v1/events/histogram?${range}&buckets=10`, { token: analyst() });
  assert.equal(hist.status, 200);
  assert.equal(hist.json.intervalMs, 30 * 60_000);
  assert.equal(hist.json.buckets.reduce((s: number, b: { count: number }) => s + b.count, 0), 300);
  const wide = await h.call('GET', `/api/v1/events/histogram?from=${new Date(base - 3600_000).toISOString()}&to=${new Date(base + 300 * 60_000).toISOString()}&buckets=12`, { token: analyst() });
  assert.ok(wide.json.buckets.length >= 11 && wide.json.buckets[0].count === 0);
  // With a query the store's aggregation answers; both paths agree on the shape.
  const filtered = await h.call('GET', `/api/v1/events/histogram?${range}&buckets=10&q=event.action:login`, { token: analyst() });
  assert.equal(filtered.json.buckets.length, hist.json.buckets.length);
  assert.equal(filtered.json.buckets.reduce((s: number, b: { count: number }) => s + b.count, 0), 100);
  assert.deepEqual(filtered.json.buckets.map((b: { key: number }) => b.key), hist.json.buckets.map((b: { key: number }) => b.key));
  const f = await h.call('GET', `/api/v1/events/fields?${range}&fields=event.action,source.ip&size=3`, { token: analyst() });
  assert.equal(f.status, 200);
  assert.deepEqual(f.json.fields['event.action'], [{ value: 'logout', count: 200 }, { value: 'login', count: 100 }]);
  assert.equal(f.json.fields['source.ip'].length, 3);
  assert.equal((await h.call('GET', `/api/v1/events/fields?${range}&fields=message`, { token: analyst() })).status, 400);
});

test('dataset permissions: analysts cannot search the audit dataset, auditors can', async () => {
  assert.equal((await h.call('GET', `/api/v1/events?dataset=audit`, { token: analyst() })).status, 403);
  assert.equal((await h.call('GET', `/api/v1/events?dataset=audit`, { token: h.tokens.auditor })).status, 200);
});

test('searches are audited with their query and copied into the audit dataset', async () => {
  await h.call('GET', `/api/v1/events?${range}&q=${encodeURIComponent('user.name:user3')}`, { token: analyst() });
  const rec = h.console.audit.trail.list({ order: 'desc', limit: 20 }).find((r) => r.eventType === 'search.executed');
  assert.equal(JSON.parse(rec!.details).query, 'user.name:user3');
  const a = await h.call('GET', `/api/v1/audit?q=${encodeURIComponent('event.action:search.executed')}`, { token: h.tokens.auditor });
  assert.equal(a.status, 200);
  assert.ok(a.json.events.some((e: { audit: { details: { query: string } } }) => e.audit.details.query === 'user.name:user3'));
});

test('CSV export: header, CSV-injection-safe cells, X-Total-Count', async () => {
  const a = await h.call('GET', `/api/v1/events/export?format=csv&${range}&fields=user.name,message`, { token: analyst() });
  assert.equal(a.status, 200);
  assert.match(String(a.headers['content-type']), /^text\/csv/);
  assert.equal(a.headers['x-total-count'], '300');
  const lines = a.text.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
  assert.equal(lines.length, 301);
  assert.equal(lines[0], '"_id","user.name","message"');
  const evil = lines.find((l) => l.startsWith('"ev-8"'))!;
  assert.ok(evil.includes(`"'=cmd|' /C calc'!A0"`), evil);
  assert.ok(h.console.audit.trail.list({ order: 'desc', limit: 5 }).some((r) => r.eventType === 'search.exported'));
});

test('export streams 12,000 rows as NDJSON and CSV with bounded memory', async () => {
  const big = [];
  const pad = 'x'.repeat(1500);
  for (let i = 0; i < 12_000; i++) big.push({ id: `big-${i}`, doc: { '@timestamp': new Date(base + i * 1000).toISOString(), message: `${pad} ${i}`, event: { dataset: 'bulk.test' } } });
  for (let i = 0; i < big.length; i += 2000) await h.store.bulk('events', big.slice(i, i + 2000));
  for (const format of ['ndjson', 'csv'] as const) {
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let nextSample = 0;
    let bytes = 0;
    let rows = 0;
    let total = -1;
    let partial = '';
    await new Promise<void>((resolve, reject) => {
      https
        .get(
          { host: '127.0.0.1', port: h.console.port, path: `/api/v1/events/export?format=${format}&${range}&q=${encodeURIComponent('event.dataset:bulk.test')}`, ca: h.caPem, headers: { authorization: `Bearer ${analyst()}` } },
          (res) => {
            total = Number(res.headers['x-total-count']);
            res.on('data', (c: Buffer) => {
              bytes += c.length;
              const text = partial + c.toString('utf8');
              const parts = text.split('\n');
              partial = parts.pop()!;
              rows += parts.length;
              if (bytes >= nextSample) {
                // Live memory (after a collection) while the body is in flight: client and server share this process.
                gc();
                peak = Math.max(peak, process.memoryUsage().heapUsed);
                nextSample = bytes + 2_000_000;
              }
            });
            res.on('end', resolve);
            res.on('error', reject);
          },
        )
        .on('error', reject);
    });
    assert.equal(total, 12_000);
    assert.equal(rows, format === 'csv' ? 12_001 : 12_000);
    assert.ok(bytes > 18_000_000, `${bytes} bytes streamed`);
    // The whole body is > 18 MB; the server holds one page (1000 rows, ~1.6 MB) and a 64 KiB buffer at a time.
    assert.ok(peak - before < 8_000_000, `live heap grew ${peak - before} bytes while streaming ${bytes}`);
  }
});

test('saved searches: create, list, delete (per account)', async () => {
  const c = await h.call('POST', '/api/v1/saved-searches', { token: analyst(), body: { name: 'failed logins', q: 'event.outcome:failure', dataset: 'events' } });
  assert.equal(c.status, 201);
  const list = await h.call('GET', '/api/v1/saved-searches', { token: analyst() });
  assert.ok(list.json.items.some((i: { id: string }) => i.id === c.json.id));
  assert.equal((await h.call('GET', '/api/v1/saved-searches', { token: h.tokens.auditor })).json.items.length, 0);
  assert.equal((await h.call('DELETE', `/api/v1/saved-searches/${c.json.id}`, { token: analyst() })).status, 204);
  assert.equal((await h.call('DELETE', `/api/v1/saved-searches/${c.json.id}`, { token: analyst() })).status, 404);
});

test('the web app: strict app CSP on HTML, long cache for hashed assets, index fallback for client routes, not for API', async () => {
  const index = await h.call('GET', '/', { headers: { accept: 'text/html' } });
  assert.equal(index.status, 200);
  assert.match(String(index.headers['content-type']), /^text\/html/);
  assert.equal(index.headers['content-security-policy'], APP_CSP);
  assert.equal(index.headers['cache-control'], 'no-cache');
  assert.match(String(index.headers['strict-transport-security']), /max-age/);
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  const asset = await h.call('GET', '/main-ABCDEFGH.js');
  assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
  const deep = await h.call('GET', '/incidents/inc-123', { headers: { accept: 'text/html' } });
  assert.equal(deep.status, 200);
  assert.match(deep.text, /app-root/);
  assert.equal(deep.headers['content-security-policy'], APP_CSP);
  const api = await h.call('GET', '/api/v1/nope', { headers: { accept: 'text/html' }, token: analyst() });
  assert.equal(api.status, 404);
  assert.match(String(api.headers['content-type']), /json/);
  assert.equal(api.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
});

test('first screen: histogram line then the page, identical to /events and /events/histogram, in both orders and with a query', async () => {
  const cases = [
    { q: '', sort: 'desc', size: 25 },
    { q: '', sort: 'asc', size: 25 },
    { q: 'event.outcome:failure AND event.action:login', sort: 'desc', size: 10 },
    { q: 'event.outcome:failure', sort: 'asc', size: 500 },
  ];
  for (const c of cases) {
    const qs = `${range}&size=${c.size}&sort=${c.sort}${c.q ? `&q=${encodeURIComponent(c.q)}` : ''}`;
    const a = await h.call('GET', `/api/v1/events/first-screen?${qs}&buckets=60`, { token: analyst() });
    assert.equal(a.status, 200, a.text);
    assert.match(String(a.headers['content-type']), /application\/x-ndjson/);
    const [hist, page, ...rest] = a.text.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(rest.length, 0);
    assert.equal(hist.type, 'histogram');
    assert.equal(page.type, 'page');
    const events = await h.call('GET', `/api/v1/events?${qs}`, { token: analyst() });
    const histogram = await h.call('GET', `/api/v1/events/histogram?${range}&buckets=60${c.q ? `&q=${encodeURIComponent(c.q)}` : ''}`, { token: analyst() });
    assert.deepEqual(page.events.map((e: { _id: string }) => e._id), events.json.events.map((e: { _id: string }) => e._id), JSON.stringify(c));
    assert.equal(page.total, events.json.total);
    assert.equal(hist.total, events.json.total);
    assert.equal(page.nextCursor, events.json.nextCursor);
    assert.deepEqual(hist.buckets, histogram.json.buckets);
    assert.equal(hist.intervalMs, histogram.json.intervalMs);
  }
});

test('first screen: XSS in event fields stays inert in the stream; a bad query is a plain 400 with its column', async () => {
  const a = await h.call('GET', `/api/v1/events/first-screen?${range}&q=${encodeURIComponent('_id:ev-7')}`, { token: analyst() });
  assert.ok(!a.text.includes('<script>'), 'raw markup must not appear in the body');
  assert.ok(a.text.includes('\\u003cscript\\u003e'));
  assert.equal(a.text.trimEnd().split('\n').map((l) => JSON.parse(l))[1].events[0].message, XSS);
  const bad = await h.call('GET', `/api/v1/events/first-screen?${range}&q=${encodeURIComponent('user.name: AND')}`, { token: analyst() });
  assert.equal(bad.status, 400);
  assert.match(String(bad.headers['content-type']), /json/);
  assert.ok(bad.json.error);
});
