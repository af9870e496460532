import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, test } from 'node:test';
import { tlsPaths } from '@emsoc/common/tls';
import { issueTlsServerCertificate, loadOrCreateDevCa } from '@emsoc/pki';
import { startHarness, type Harness } from './harness.js';

/** A stand-in RA listener (same CA, client certificates requested) that echoes what reached it. */
let ra: https.Server;
let h: Harness;

after(async () => {
  await h?.close();
  ra?.closeAllConnections();
  ra?.close();
});

async function startEcho(caDir: string, tlsDir: string): Promise<number> {
  const ca = loadOrCreateDevCa(caDir);
  const files = issueTlsServerCertificate(ca, { ipAddresses: ['127.0.0.1'], name: 'ra-echo' }, tlsDir);
  ra = https.createServer({ cert: files.certificatePem, key: files.keyPem, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      const body = Buffer.concat(chunks).toString('utf8');
      res.setHeader('content-type', 'application/json');
      res.setHeader('set-cookie', 'ra_internal=1');
      if (req.url === '/api/v1/audit/verify') return res.end(JSON.stringify({ ok: true, records: 7, checkpoints: 1, lastSeq: 7, problems: [] }));
      res.statusCode = req.url?.startsWith('/api/v1/missing') ? 404 : 200;
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body,
          peerAuthorized: socket.authorized,
          peerFingerprint: peer?.raw ? createHash('sha256').update(peer.raw).digest('hex') : null,
        }),
      );
    });
  });
  await new Promise<void>((r) => ra.listen(0, '127.0.0.1', () => r()));
  return (ra.address() as { port: number }).port;
}

test('RA proxy: Bearer forwarded as is; sessions act through the console certificate + on-behalf-of; client headers cannot forge it', async () => {
  h = await startHarness({ prepare: async (dataDir) => ({ ra: { host: '127.0.0.1', port: await startEcho(path.join(dataDir, 'ca'), path.join(dataDir, 'tls')) } }) });
  const consoleFingerprint = createHash('sha256').update(new X509Certificate(fs.readFileSync(tlsPaths(h.dataDir, 'console').cert)).raw).digest('hex');

  const viaToken = await h.call('GET', '/api/v1/ra/requests?status=submitted&size=5', { token: h.tokens['ra-officer'], headers: { 'x-emsoc-on-behalf-of': 'someone-else', cookie: 'x=y' } });
  assert.equal(viaToken.status, 200, viaToken.text);
  assert.equal(viaToken.json.url, '/api/v1/requests?status=submitted&size=5');
  assert.equal(viaToken.json.headers.authorization, `Bearer ${h.tokens['ra-officer']}`);
  assert.equal(viaToken.json.headers['x-emsoc-on-behalf-of'], undefined);
  assert.equal(viaToken.json.headers.cookie, undefined);
  assert.equal(viaToken.headers['set-cookie'], undefined, 'RA cookies are not passed to the browser');

  const officer = h.localUser('officer1', ['ra-officer']);
  const { cookie, csrf } = await h.login(officer);
  const posted = await h.call('POST', '/api/v1/ra/requests', { cookie, csrf, body: { type: 'enroll', profile: 'tls-server' }, headers: { 'x-emsoc-on-behalf-of': 'forged', 'x-emsoc-source-address': '6.6.6.6' } });
  assert.equal(posted.status, 200, posted.text);
  const seen = posted.json;
  assert.equal(seen.method, 'POST');
  assert.equal(seen.url, '/api/v1/requests');
  assert.equal(seen.headers['x-emsoc-on-behalf-of'], officer.accountId);
  assert.equal(seen.headers['x-emsoc-source-address'], '127.0.0.1');
  assert.equal(seen.headers.authorization, undefined);
  assert.equal(seen.headers.cookie, undefined);
  assert.equal(seen.headers['x-csrf-token'], undefined);
  assert.equal(seen.peerAuthorized, true);
  assert.equal(seen.peerFingerprint, consoleFingerprint);
  assert.deepEqual(JSON.parse(seen.body), { type: 'enroll', profile: 'tls-server' });

  // Status codes pass through; CSRF applies to proxied calls too; dot segments are refused.
  assert.equal((await h.call('GET', '/api/v1/ra/missing/thing', { cookie })).status, 404);
  assert.equal((await h.call('POST', '/api/v1/ra/requests', { cookie, body: {} })).status, 403);
  assert.equal((await h.call('GET', '/api/v1/ra/%2e%2e/admin', { cookie })).status, 400);
  assert.equal((await h.call('GET', '/api/v1/ra/requests')).status, 401);

  // audit/verify merges the RA's own verification (called on behalf of the auditor).
  const v = await h.call('GET', '/api/v1/audit/verify', { token: h.tokens.auditor });
  assert.deepEqual(v.json.ra, { ok: true, records: 7 });
});
