// The walking skeleton of the platform, through the real listeners of `npm start`:
// syslog in → normalized ECS event out of the search API; a CSR from openssl through the RA's approval
// workflow to a certificate that openssl verifies; and the RA's own actions searchable as events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eventually, startPlatform, type RunningPlatform } from '../lib/platform.js';
import { httpsRequest } from '../lib/https.js';


let platform: RunningPlatform;
let CONSOLE: string;
let RA: string;

function window(minutes = 5): string {
  const now = Date.now();
  return `from=${new Date(now - minutes * 60_000).toISOString()}&to=${new Date(now + minutes * 60_000).toISOString()}`;
}

/** Creates an account with roles through the console's admin API and returns its API token. */
async function account(name: string, roles: string[]): Promise<string> {
  const created = await httpsRequest<{ id: string }>(`${CONSOLE}/api/v1/admin/accounts`, { ca: platform.ca, token: platform.adminToken, json: { name, roles } });
  assert.equal(created.status, 201, created.text);
  const tok = await httpsRequest<{ token: string }>(`${CONSOLE}/api/v1/admin/accounts/${created.body.id}/tokens`, { ca: platform.ca, token: platform.adminToken, json: { label: 'skeleton' } });
  assert.equal(tok.status, 201, tok.text);
  return tok.body.token;
}

async function search(q: string, token = platform.adminToken) {
  return httpsRequest<{ total: number; events: any[] }>(`${CONSOLE}/api/v1/events?q=${encodeURIComponent(q)}&${window()}`, { ca: platform.ca, token });
}

/** The skeleton steps, against the platform started with `env` (embedded SQLite or a real engine). */
export function skeletonSuite(name: string, env: NodeJS.ProcessEnv = {}, visibleWithinMs = 2000): void {
  describe(name, () => {
    before(async () => {
      platform = await startPlatform({ env });
      CONSOLE = platform.consoleUrl;
      RA = platform.raUrl;
    });
    after(async () => {
      const code = await platform?.stop('SIGTERM');
      assert.equal(code, 0, 'the platform stops cleanly on SIGTERM');
    });

    test(`syslog over TCP from logger is searchable as a normalized ECS event within ${visibleWithinMs / 1000} s`, async () => {
      const sent = Date.now();
      execFileSync('logger', ['--tcp', '-n', '127.0.0.1', '-P', String(platform.ports.syslog), 'sshd[123]: Failed password for root from 203.0.113.9 port 4242 ssh2']);
      const res = await eventually(async () => {
        const r = await search('source.ip:203.0.113.9 AND user.name:root');
        return r.body.total > 0 ? r : undefined;
      }, visibleWithinMs, 50);
      assert.ok(res, `event found within ${visibleWithinMs / 1000} s`);
      assert.ok(Date.now() - sent < visibleWithinMs + 500);
      assert.equal(res.status, 200);
      const ev = res.body.events[0];
      assert.ok(!Number.isNaN(Date.parse(ev['@timestamp'])));
      assert.ok(ev.event.category.includes('authentication'));
      assert.equal(ev.event.outcome, 'failure');
      assert.equal(ev.source.ip, '203.0.113.9');
      assert.equal(ev.source.port, 4242);
      assert.equal(ev.user.name, 'root');
      assert.equal(typeof ev.log.syslog.facility.code, 'number');
      assert.equal(typeof ev.log.syslog.severity.code, 'number');
      assert.match(ev.message, /Failed password for root/);
    });

    test('a malformed syslog frame is kept raw, marked, counted, and the listener keeps working', async () => {
      await new Promise<void>((resolve, reject) => {
        const s = net.connect(platform.ports.syslog, '127.0.0.1', () => {
          s.end(Buffer.from([0x3c, 0xff, 0xfe, 0x00, 0x0a, 0x3c, 0x39, 0x39, 0x39, 0x3e, 0x0a]));
        });
        s.on('close', () => resolve());
        s.on('error', reject);
      });
      const metrics = await eventually(async () => {
        const r = await httpsRequest<string>(`${platform.collectorUrl}/metrics`, { ca: platform.ca });
        return /emsoc_collector_malformed_total\{source="syslog_tcp"\} [1-9]/.test(r.text) ? r.text : undefined;
      }, 3000);
      assert.ok(metrics, 'malformed frames are counted');
      const kept = await eventually(async () => {
        const r = await search('tags:_syslog_parse_failure');
        return r.body.total > 0 ? r : undefined;
      }, visibleWithinMs + 3000);
      assert.ok(kept, 'the malformed frame is stored raw with an error marking');
      assert.ok(kept.body.events[0].event.original !== undefined);
      execFileSync('logger', ['--tcp', '-n', '127.0.0.1', '-P', String(platform.ports.syslog), 'still-alive-after-garbage']);
      assert.ok(await eventually(async () => (await search('still-alive-after-garbage')).body.total > 0, visibleWithinMs + 3000));
    });

    test('requests without a valid token get 401, a token without the role gets 403', async () => {
      const none = await httpsRequest(`${CONSOLE}/api/v1/events`, { ca: platform.ca });
      assert.equal(none.status, 401);
      const bad = await httpsRequest(`${CONSOLE}/api/v1/events`, { ca: platform.ca, token: 'emsoc_not-a-real-token' });
      assert.equal(bad.status, 401);
      const svc = await httpsRequest<{ id: string }>(`${CONSOLE}/api/v1/admin/accounts`, {
        ca: platform.ca,
        token: platform.adminToken,
        json: { name: 'ingest-only', roles: ['ingest-agent'] },
      });
      assert.equal(svc.status, 201);
      const tok = await httpsRequest<{ token: string }>(`${CONSOLE}/api/v1/admin/accounts/${svc.body.id}/tokens`, {
        ca: platform.ca,
        token: platform.adminToken,
        json: { label: 'test' },
      });
      assert.equal(tok.status, 201);
      const denied = await httpsRequest(`${CONSOLE}/api/v1/events`, { ca: platform.ca, token: tok.body.token });
      assert.equal(denied.status, 403);
    });

    test('an openssl CSR is submitted, approved by an officer, issued by the embedded CA, and passes openssl verify', async () => {
      const requester = await account('skeleton-requester', ['ra-requester']);
      const officer = await account('skeleton-officer', ['ra-officer']);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skeleton-csr-'));
      execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'r.csr'), '-subj', '/CN=Zhang San'], { stdio: 'ignore' });
      const csr = fs.readFileSync(path.join(dir, 'r.csr'), 'utf8');
      const submitted = await httpsRequest<{ id: string; status: string }>(`${RA}/api/v1/requests`, {
        ca: platform.ca,
        token: requester,
        json: { type: 'enroll', profile: 'person-authentication', subject: { kind: 'person', orgUnit: 'prov-demo', commonName: 'Zhang San', email: 'zhangsan@example.gov.cn' }, csr },
      });
      assert.equal(submitted.status, 201, submitted.text);
      assert.equal(submitted.body.status, 'submitted');
      const selfApproval = await httpsRequest(`${RA}/api/v1/requests/${submitted.body.id}/approve`, { ca: platform.ca, token: requester, json: {} });
      assert.equal(selfApproval.status, 403, 'a requester cannot approve');
      const approved = await httpsRequest<{ status: string; resultSerial: string; certificate: string }>(`${RA}/api/v1/requests/${submitted.body.id}/approve`, {
        ca: platform.ca,
        token: officer,
        json: { comment: 'identity checked' },
      });
      assert.equal(approved.status, 200, approved.text);
      assert.equal(approved.body.status, 'issued');
      const cert = await httpsRequest<{ pem: string; status: string }>(`${RA}/api/v1/certificates/${approved.body.resultSerial}`, { ca: platform.ca, token: officer });
      assert.equal(cert.status, 200, cert.text);
      fs.writeFileSync(path.join(dir, 'cert.pem'), cert.body.pem);
      const verified = execFileSync('openssl', ['verify', '-CAfile', path.join(platform.dataDir, 'ca', 'root.pem'), path.join(dir, 'cert.pem')], { encoding: 'utf8' });
      assert.match(verified, /: OK/);

      // Step 3: the RA's own actions reach the same search API as events.
      for (const action of ['request.submitted', 'request.approved', 'certificate.issued']) {
        const found = await eventually(async () => {
          const r = await search(`event.dataset:ra.audit AND event.action:${action}`);
          return r.body.total > 0 ? r.body.events[0] : undefined;
        }, 15_000, 200);
        assert.ok(found, `RA action ${action} is searchable`);
      }
    });

    test('a malformed or unsigned CSR gets 400 with the parse reason and nothing is stored', async () => {
      const requester = await account('skeleton-requester-2', ['ra-requester']);
      const officer = await account('skeleton-officer-2', ['ra-officer']);
      const before = await httpsRequest<{ requests: unknown[] }>(`${RA}/api/v1/requests`, { ca: platform.ca, token: officer });
      const garbage = await httpsRequest<{ error: string }>(`${RA}/api/v1/requests`, {
        ca: platform.ca,
        token: requester,
        json: { type: 'enroll', profile: 'person-authentication', subject: { kind: 'person', orgUnit: 'prov-demo', commonName: 'X' }, csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIBnot-really\n-----END CERTIFICATE REQUEST-----\n' },
      });
      assert.equal(garbage.status, 400, garbage.text);
      assert.ok(garbage.body.error.length > 0);
      const after = await httpsRequest<{ requests: unknown[] }>(`${RA}/api/v1/requests`, { ca: platform.ca, token: officer });
      assert.equal(JSON.stringify(after.body), JSON.stringify(before.body), 'nothing stored');
    });
  });
}
