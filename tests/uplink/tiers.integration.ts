// Reporting hierarchy county → province → ministry, each tier a full platform on loopback.
// Summaries and incident reports (STIX) travel up signed, over mTLS, through a durable outbox; the
// province is stopped for SOC_UPLINK_TEST_OUTAGE_S seconds (default 60; the issue speaks of "a few
// minutes") and everything queued meanwhile arrives afterwards, in order, exactly once; tampered,
// unsigned, replayed, revoked-certificate and unregistered-unit messages are refused and audited.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { issueTlsServerCertificate, loadDevCa } from '@emsoc/pki';
import { openEventStore } from '@emsoc/event-store';
import { alertToDocument } from '@emsoc/detection';
import { buildMessage, canonicalBytes, Outbox, outboxPath, signDetached, signMessage, type SignedMessage } from '@emsoc/uplink';
import { httpsRequest } from '../lib/https.js';
import { eventually } from '../lib/platform.js';
import { Tier } from './tier.js';

const OUTAGE_S = Number(process.env.SOC_UPLINK_TEST_OUTAGE_S ?? 60);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'emsoc-uplink-it-'));
const policyFile = path.join(work, 'uplink.yaml');
fs.writeFileSync(
  policyFile,
  ['summaries:', '  - { name: fast, everySeconds: 5 }', 'catchUpPeriods: 1000', 'incidents: { minSeverity: high, onStatusChange: true, pollSeconds: 1 }', 'records: []', 'receiver: { units: [] }', ''].join('\n'),
);

const ministry = new Tier({ name: 'ministry', unitId: 'ministry', unitName: '应急管理部', policyFile });
// The province re-reads the CRL for every message (no cache), so the revocation made during the test is seen at once.
const province = new Tier({ name: 'province', unitId: 'prov-x', unitName: '某省应急管理厅', policyFile, extraEnv: { SOC__uplink__receiver__crlCacheSeconds: '0' } });
const county = new Tier({ name: 'county', unitId: 'county-a', unitName: '甲县应急管理局', policyFile });

async function account(tier: Tier, name: string, roles: string[]): Promise<string> {
  const created = await httpsRequest<{ id: string }>(`${tier.consoleUrl}/api/v1/admin/accounts`, { ca: tier.ca, token: tier.adminToken, json: { name, roles } });
  assert.equal(created.status, 201, created.text);
  const tok = await httpsRequest<{ token: string }>(`${tier.consoleUrl}/api/v1/admin/accounts/${created.body.id}/tokens`, { ca: tier.ca, token: tier.adminToken, json: { label: 'uplink-test' } });
  assert.equal(tok.status, 201, tok.text);
  return tok.body.token;
}

const tokens: Record<string, string> = {};

async function received(tier: Tier, q: string) {
  const r = await httpsRequest<{ total: number; items: any[] }>(`${tier.uplinkUrl}/api/v1/reports/received?${q}&size=500`, { ca: tier.ca, token: tokens[tier.spec.name] });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

/** The county's own TLS client identity, to talk to the province as the county does. */
function countyClient() {
  return { cert: fs.readFileSync(path.join(county.dataDir, 'uplink', 'unit.pem'), 'utf8'), key: fs.readFileSync(path.join(county.dataDir, 'uplink', 'unit-key.pem'), 'utf8') };
}

async function postToProvince(body: unknown) {
  return httpsRequest<{ results: any[]; error?: string }>(`${province.uplinkUrl}/api/v1/uplink/reports`, { ca: province.ca, json: body, ...countyClient() });
}

function countyOutbox(): Outbox {
  return new Outbox(outboxPath(county.dataDir), { readonly: true });
}

describe('uplink across tiers', () => {
  before(async () => {
    for (const t of [ministry, province, county]) await t.allocatePorts();
    // One after the other: three platforms starting at once starve a small machine.
    await ministry.start({ lower: [province] });
    await province.start({ upper: ministry, lower: [county] });
    await county.start({ upper: province });
    tokens.province = await account(province, 'prov-analyst', ['soc-analyst']);
    tokens.ministry = await account(ministry, 'ministry-analyst', ['soc-analyst']);
    tokens.county = await account(county, 'county-analyst', ['soc-analyst']);
  });
  after(async () => {
    for (const t of [county, province, ministry]) {
      await t.stop();
      t.remove();
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('signed summaries arrive county → province → ministry and show in the upper tiers\' APIs', async () => {
    const atProvince = await eventually(async () => {
      const r = await received(province, 'unit=county-a&type=summary');
      return r.total >= 2 ? r : undefined;
    }, 60_000, 500);
    assert.ok(atProvince, `county summaries reach the province\n${county.out}\n${province.out}`);
    const s = atProvince.items[0];
    assert.equal(s.unit.id, 'county-a');
    assert.equal(s.unit.name, '甲县应急管理局');
    assert.equal(s.summary.schedule, 'fast');
    assert.equal(typeof s.summary.events_total, 'number');
    assert.equal(s.summary.store_health, 'green');
    const atMinistry = await eventually(async () => {
      const r = await received(ministry, 'unit=prov-x&type=summary');
      return r.total >= 1 ? r : undefined;
    }, 60_000, 500);
    assert.ok(atMinistry, 'province summaries reach the ministry');
    // The stored report keeps the signed message; the console search API sees the reports dataset too.
    const one = await httpsRequest<any>(`${province.uplinkUrl}/api/v1/reports/received/${s.id}`, { ca: province.ca, token: tokens.province });
    assert.equal(one.status, 200);
    assert.equal(one.body.signed.message.schema, 'emsoc.uplink.summary.v1');
    assert.match(one.body.signed.signature, /^[\w-]+\.\.[\w-]+$/);
    const now = Date.now();
    const viaConsole = await httpsRequest<{ total: number }>(`${province.consoleUrl}/api/v1/events?dataset=reports&q=${encodeURIComponent('uplink.unit.id:"county-a"')}&from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`, { ca: province.ca, token: tokens.province });
    assert.equal(viaConsole.status, 200, viaConsole.text);
    assert.ok(viaConsole.body.total >= 2);
    const units = await httpsRequest<{ units: any[] }>(`${province.uplinkUrl}/api/v1/reports/units`, { ca: province.ca, token: tokens.province });
    assert.equal(units.status, 200);
    const row = units.body.units.find((u) => u.unit === 'county-a');
    assert.ok(row?.latest && row.trend.length >= 2, 'per-unit view with latest figures and a trend');
    const denied = await httpsRequest(`${province.uplinkUrl}/api/v1/reports/received`, { ca: province.ca });
    assert.equal(denied.status, 401);
  });

  test('an incident reaching high severity is reported as a STIX bundle, and again when its status changes', async () => {
    // The alert a detection of rule lnx_ssh_root_login_external (level high) writes, through the alerts
    // contract (alertToDocument, the collector's writer) into the county's store; the county console's
    // incident manager turns it into an incident on its own.
    const store = await openEventStore({ engine: 'sqlite', path: path.join(county.dataDir, 'events.db') });
    const at = new Date().toISOString();
    const alert = alertToDocument(
      { id: 'uplink-it-alert-1', rule: { id: '713a33c4-236f-48cb-8b69-1e7dcf50da49', version: '1', title: 'Successful SSH Root Login From External Address', name: null, kind: 'detection' }, severity: 'high', tags: ['attack.initial_access'], attack: { tactics: ['initial-access'], techniques: ['T1078.003'], groups: [], software: [] }, timestamp: at, firstTimestamp: at, eventIds: ['ev-1'], group: { 'source.ip': '203.0.113.77' }, groupKey: null, entity: 'source.ip=203.0.113.77', reason: { selections: ['login'] } },
      new Date(),
    );
    assert.equal((await store.bulk('alerts', [alert])).written, 1);
    await store.close();
    const incident = await eventually(async () => {
      const r = await httpsRequest<{ incidents: any[] }>(`${county.consoleUrl}/api/v1/incidents?size=50`, { ca: county.ca, token: tokens.county });
      return r.body.incidents?.find((i: any) => ['high', 'critical'].includes(i.severity));
    }, 60_000, 500);
    assert.ok(incident, 'the county detects an incident');
    const first = await eventually(async () => (await received(province, `unit=county-a&type=incident`)).items.find((i) => i.incident.id === incident.id), 60_000, 500);
    assert.ok(first, 'incident report reaches the province');
    assert.equal(first.incident.trigger, 'severity');
    const full = await httpsRequest<any>(`${province.uplinkUrl}/api/v1/reports/received/${first.id}`, { ca: province.ca, token: tokens.province });
    const types = full.body.signed.message.body.bundle.objects.map((o: any) => o.type);
    for (const t of ['identity', 'incident', 'indicator', 'observed-data', 'sighting']) assert.ok(types.includes(t), t);
    assert.ok(JSON.stringify(full.body.signed.message.body.bundle).includes('203.0.113.77'));
    const patched = await httpsRequest(`${county.consoleUrl}/api/v1/incidents/${incident.id}`, { ca: county.ca, token: tokens.county, method: 'PATCH', json: { status: 'triaged' } });
    assert.equal(patched.status, 200, patched.text);
    const second = await eventually(async () => (await received(province, `unit=county-a&type=incident`)).items.find((i) => i.incident.id === incident.id && i.incident.status === 'triaged'), 60_000, 500);
    assert.ok(second, 'status change reported');
    assert.equal(second.incident.trigger, 'status');
    const view = await httpsRequest<{ incidents: any[] }>(`${province.uplinkUrl}/api/v1/reports/units`, { ca: province.ca, token: tokens.province });
    assert.ok(view.body.incidents.some((i) => i.id === incident.id && i.unit === 'county-a' && i.status === 'triaged'), 'incidents across units');
  });

  test('tampered, unsigned, replayed, revoked-certificate and unregistered-unit messages are refused and audited', async () => {
    const ob = countyOutbox();
    const acked = ob.list({ state: 'acked', limit: 1000 }).find((r) => r.schema === 'emsoc.uplink.summary.v1')!;
    const original = ob.envelope(acked.seq)!;
    ob.close();

    const tampered = structuredClone(original) as any;
    tampered.message.body.events = { ...tampered.message.body.events, total: tampered.message.body.events.total + 12345 };
    let r = await postToProvince(tampered);
    assert.equal(r.status, 403);
    assert.equal(r.body.results[0].code, 'bad_signature');

    r = await postToProvince({ message: original.message });
    assert.equal(r.status, 400);
    assert.equal(r.body.results[0].code, 'unsigned');

    r = await postToProvince(original);
    assert.equal(r.status, 409, 'replayed message');
    assert.equal(r.body.results[0].code, 'duplicate');

    // A certificate for county-a issued through the county's RA (officer approval), then revoked there:
    // the province finds it on the CRL named in the certificate.
    const requester = await account(county, 'county-requester', ['ra-requester']);
    const officer = await account(county, 'county-officer', ['ra-officer']);
    const keyFile = path.join(work, 'revoked-key.pem');
    const csrFile = path.join(work, 'revoked.csr');
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', '/CN=county-a'], { stdio: 'ignore' });
    const sub = await httpsRequest<any>(`${county.raUrl}/api/v1/requests`, { ca: county.ca, token: requester, json: { type: 'enroll', profile: 'person-authentication', subject: { kind: 'person', orgUnit: 'prov-demo', commonName: 'county-a', email: 'county-a@example.gov.cn' }, csr: fs.readFileSync(csrFile, 'utf8') } });
    assert.equal(sub.status, 201, sub.text);
    const issued = await httpsRequest<any>(`${county.raUrl}/api/v1/requests/${sub.body.id}/approve`, { ca: county.ca, token: officer, json: {} });
    assert.equal(issued.body.status, 'issued', issued.text);
    const certPem = (await httpsRequest<any>(`${county.raUrl}/api/v1/certificates/${issued.body.resultSerial}`, { ca: county.ca, token: officer })).body.pem as string;
    const rev = await httpsRequest<any>(`${county.raUrl}/api/v1/certificates/${issued.body.resultSerial}/revoke`, { ca: county.ca, token: requester, json: { reason: 'keyCompromise' } });
    assert.equal(rev.status, 201, rev.text);
    assert.equal((await httpsRequest<any>(`${county.raUrl}/api/v1/requests/${rev.body.id}/approve`, { ca: county.ca, token: officer, json: {} })).body.status, 'completed');
    const revokedSigner = { unitId: 'county-a', unitName: '甲县应急管理局', privateKey: createPrivateKey(fs.readFileSync(keyFile, 'utf8')), chainDer: [new X509Certificate(certPem).raw] };
    const byRevoked = signMessage(buildMessage(revokedSigner, 'emsoc.uplink.summary.v1', 1_000_000, original.message.period, original.message.body), revokedSigner);
    r = await postToProvince(byRevoked);
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.results[0].code, 'certificate_revoked');

    // A unit the province never registered, certified by the (trusted) county CA.
    const files = issueTlsServerCertificate(loadDevCa(path.join(county.dataDir, 'ca')), { clientAuth: true, commonName: 'county-zz', ipAddresses: ['127.0.0.1'], name: 'zz' }, path.join(work, 'zz'));
    const stranger = { unitId: 'county-zz', unitName: 'ZZ', privateKey: createPrivateKey(files.keyPem), chainDer: [new X509Certificate(files.certificatePem).raw] };
    const msg = buildMessage(stranger, 'emsoc.uplink.summary.v1', 1, original.message.period, original.message.body);
    const fromStranger: SignedMessage = { message: msg, signature: signDetached(canonicalBytes(msg), stranger.privateKey, stranger.chainDer) };
    r = await httpsRequest<any>(`${province.uplinkUrl}/api/v1/uplink/reports`, { ca: province.ca, json: fromStranger, cert: files.certificatePem, key: files.keyPem });
    assert.equal(r.status, 403);
    assert.equal(r.body.results[0].code, 'unregistered_unit');

    const noClientCert = await httpsRequest(`${province.uplinkUrl}/api/v1/uplink/reports`, { ca: province.ca, json: original });
    assert.equal(noClientCert.status, 401, 'mutual TLS is required');

    const now = Date.now();
    const auditor = await account(province, 'prov-auditor', ['auditor']);
    const audit = await eventually(async () => {
      const a = await httpsRequest<{ events: any[] }>(`${province.consoleUrl}/api/v1/events?dataset=audit&size=200&q=${encodeURIComponent('event.dataset:uplink.audit AND event.outcome:failure')}&from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`, { ca: province.ca, token: auditor });
      const codes = new Set((a.body.events ?? []).map((e) => e.audit.details.code));
      return ['bad_signature', 'unsigned', 'duplicate', 'certificate_revoked', 'unregistered_unit', 'no_client_certificate'].every((c) => codes.has(c)) ? codes : undefined;
    }, 15_000, 500);
    assert.ok(audit, 'every refusal is in the audit dataset with its reason');
    const accepted = await httpsRequest<{ total: number }>(`${province.consoleUrl}/api/v1/events?dataset=audit&q=${encodeURIComponent('event.dataset:uplink.audit AND event.action:uplink.report.accepted')}&from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`, { ca: province.ca, token: auditor });
    assert.ok(accepted.body.total >= 3, 'acceptances are audited too');
  });

  test(`the province is down for ${OUTAGE_S} s: afterwards everything arrives, in order, exactly once`, async () => {
    const before = countyOutbox();
    const lastAckedBefore = before.list({ state: 'acked', limit: 1 })[0]!.seq;
    before.close();
    assert.equal(await province.stop('SIGKILL'), null, 'province killed');
    const outageEnds = Date.now() + OUTAGE_S * 1000;
    // Halfway through, the county itself is killed too: its outbox must survive that.
    await new Promise((r) => setTimeout(r, (OUTAGE_S * 1000) / 2));
    const beforeKill = countyOutbox();
    const pendingAtKill = beforeKill.counts().pending;
    beforeKill.close();
    await county.stop('SIGKILL');
    await county.start({ upper: province });
    const afterKill = countyOutbox();
    assert.ok(afterKill.counts().pending >= pendingAtKill, 'nothing queued was lost to SIGKILL');
    afterKill.close();
    await new Promise((r) => setTimeout(r, Math.max(0, outageEnds - Date.now())));
    const during = countyOutbox();
    const queued = during.counts().pending;
    during.close();
    assert.ok(queued >= Math.floor(OUTAGE_S / 5) - 2, `summaries kept queuing during the outage (${queued})`);
    await province.start({ upper: ministry, lower: [county] });
    const drained = await eventually(async () => {
      const ob = countyOutbox();
      const c = ob.counts();
      ob.close();
      return c.pending === 0 ? c : undefined;
    }, 60_000, 500);
    assert.ok(drained, 'the backlog drains after the restart');
    assert.equal(drained.rejected, 0);
    const ob = countyOutbox();
    const sent = ob.list({ limit: 1000 }).filter((r) => r.state === 'acked').map((r) => ({ seq: r.seq, id: r.id }));
    ob.close();
    const all = await received(province, 'unit=county-a');
    const ids = all.items.map((i) => i.id);
    assert.equal(new Set(ids).size, ids.length, 'no report stored twice');
    const got = new Map(all.items.map((i) => [i.id, i]));
    for (const s of sent) assert.ok(got.has(s.id), `acknowledged message #${s.seq} is at the province`);
    const backlog = all.items.filter((i) => i.seq > lastAckedBefore).sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt) || a.seq - b.seq);
    assert.ok(backlog.length >= queued);
    assert.deepEqual(backlog.map((i) => i.seq), [...backlog.map((i) => i.seq)].sort((a, b) => a - b), 'received in sequence order');
    const seqs = all.items.map((i) => i.seq).sort((a, b) => a - b);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, k) => seqs[0]! + k), 'no gaps');
  });
});
