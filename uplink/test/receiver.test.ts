import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { issueCaCrl } from '@emsoc/pki';
import { openEventStore, type EventStore } from '@emsoc/event-store';
import { UplinkAudit } from '../src/audit.js';
import { crlStatusCheck } from '../src/cert-status.js';
import { buildMessage, signMessage, type SignedMessage } from '../src/message.js';
import { ReportReceiver } from '../src/receiver.js';
import { signDetached } from '../src/jws.js';
import { canonicalBytes } from '../src/canonical-json.js';
import { period, silent, summaryBody, tempDir, testCa, testUnit } from './helpers.js';

const dir = tempDir();
let crlServer: http.Server;
let crlDer: Uint8Array;
let crlUrl = '';
let store: EventStore;
let receiver: ReportReceiver;
let audit: UplinkAudit;

// CA of the lower tier with a CRL distribution point served by a local HTTP server (a real CRL, signed by the CA).
const lowerDir = tempDir();
let lowerCa: ReturnType<typeof testCa>;
let county: ReturnType<typeof testUnit>;
let revoked: ReturnType<typeof testUnit>;
let stranger: ReturnType<typeof testUnit>;
const rogueDir = tempDir();
const rogueCa = testCa(rogueDir);
const rogue = testUnit(rogueCa, rogueDir, 'county-a');

const peer = { ip: '127.0.0.1' };
let seq = 0;
const summary = (u = county, s = ++seq) => signMessage(buildMessage(u, 'emsoc.uplink.summary.v1', s, period(), summaryBody(s)), u);

describe('receiving tier checks', () => {
  before(async () => {
    crlServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(Buffer.from(crlDer)));
    await new Promise<void>((r) => crlServer.listen(0, '127.0.0.1', r));
    crlUrl = `http://127.0.0.1:${(crlServer.address() as AddressInfo).port}/crl/root.crl`;
    lowerCa = testCa(lowerDir, crlUrl);
    county = testUnit(lowerCa, lowerDir, 'county-a');
    revoked = testUnit(lowerCa, lowerDir, 'county-r');
    stranger = testUnit(lowerCa, lowerDir, 'county-x');
    crlDer = issueCaCrl(lowerCa, { crlNumber: 1, entries: [{ serialNumber: revoked.serialHex, revocationDate: new Date(), reason: 1 }] });
    store = await openEventStore({ engine: 'sqlite', path: path.join(dir, 'events.db') });
    audit = new UplinkAudit(dir, store, silent(), 'prov-test');
    const anchors = [new X509Certificate(lowerCa.certificatePem)];
    receiver = new ReportReceiver({
      dataDir: dir,
      store,
      audit,
      logger: silent(),
      trustAnchors: () => anchors,
      units: () => [{ id: 'county-a' }, { id: 'county-r' }, { id: 'county-pinned', fingerprints: ['00'] }],
      certificateStatus: crlStatusCheck({ issuers: () => anchors }),
    });
  });
  after(async () => {
    receiver.close();
    await audit.close();
    await store.close();
    crlServer.close();
  });

  test('a signed summary from a registered unit is accepted, stored in `reports` and audited', async () => {
    const m = summary();
    const r = await receiver.receive(m, peer);
    assert.equal(r.status, 201);
    assert.equal(r.results[0]!.status, 'accepted');
    const doc = (await store.get('reports', m.message.id)) as any;
    assert.equal(doc.uplink.unit.id, 'county-a');
    assert.equal(doc.uplink.summary.events_total, m.message.body.events && (m.message.body as any).events.total);
    assert.deepEqual(JSON.parse(doc.event.original), m, 'the signed message is kept verbatim');
    const a = await store.search({ dataset: 'audit', query: 'event.dataset:uplink.audit AND event.action:uplink.report.accepted' });
    assert.ok(a.hits.some((h) => (h.doc as any).audit.object.id === m.message.id));
  });

  const refusals: [string, () => unknown, string, number][] = [
    ['tampered', () => { const m = structuredClone(summary()) as any; m.message.body.events.total = 0; return m; }, 'bad_signature', 403],
    ['unsigned', () => ({ message: summary().message }), 'unsigned', 400],
    ['signed by an untrusted CA', () => summary(rogue as any), 'untrusted_certificate', 403],
    ['signed with a revoked certificate (CRL from the CDP)', () => summary(revoked as any), 'certificate_revoked', 403],
    ['from an unregistered unit', () => summary(stranger as any), 'unregistered_unit', 403],
    ['naming another unit than its certificate', () => { const msg = buildMessage({ unitId: 'county-r', unitName: 'R' }, 'emsoc.uplink.summary.v1', ++seq, period(), summaryBody()); return { message: msg, signature: signDetached(canonicalBytes(msg), county.privateKey, county.chainDer) }; }, 'unit_mismatch', 403],
    ['schema-invalid but well signed', () => { const msg = { ...buildMessage(county, 'emsoc.uplink.summary.v1', ++seq, period(), { schedule: '5m' }) }; return { message: msg, signature: signDetached(canonicalBytes(msg), county.privateKey, county.chainDer) }; }, 'schema_invalid', 400],
    ['with alg none', () => { const m = summary(); return { ...m, signature: `${Buffer.from('{"alg":"none"}').toString('base64url')}..${m.signature.split('.')[2]}` }; }, 'bad_jws', 400],
  ];
  for (const [what, make, code, status] of refusals) {
    test(`refused and audited: ${what} → ${code}`, async () => {
      const body = make() as SignedMessage;
      const r = await receiver.receive(body, peer);
      assert.equal(r.results[0]!.status, 'refused');
      assert.equal(r.results[0]!.code, code, JSON.stringify(r.results[0]));
      assert.equal(r.status, status);
      const id = (body.message as { id: string }).id;
      assert.equal(await store.get('reports', id), undefined, 'nothing stored');
      const a = await store.search({ dataset: 'audit', query: 'event.dataset:uplink.audit AND event.action:uplink.report.refused AND event.outcome:failure', size: 100 });
      assert.ok(a.hits.some((h) => (h.doc as any).audit.object.id === id && (h.doc as any).audit.details.code === code), 'refusal audited with its reason');
    });
  }

  test('replays: the same message again is a duplicate (not stored twice); an old sequence number is refused', async () => {
    const m = summary();
    assert.equal((await receiver.receive(m, peer)).results[0]!.status, 'accepted');
    const again = await receiver.receive(m, peer);
    assert.equal(again.status, 409);
    assert.equal(again.results[0]!.status, 'duplicate');
    const old = summary(county, m.message.seq - 1);
    const r = await receiver.receive(old, peer);
    assert.equal(r.results[0]!.code, 'replay');
    assert.equal(r.results[0]!.retryable, false);
    const n = await store.count({ dataset: 'reports', query: `event.id:${m.message.id}` });
    assert.equal(n, 1);
  });

  test('batches are answered per item in order; a retryable refusal stops the rest (they are skipped, not lost)', async () => {
    const a = summary();
    const b = summary(stranger as any);
    const c = summary();
    const r = await receiver.receive({ reports: [a, b, c] }, peer);
    assert.equal(r.status, 200);
    assert.deepEqual(r.results.map((x) => x.status), ['accepted', 'refused', 'skipped']);
    assert.equal(await store.get('reports', c.message.id), undefined);
  });

  test('the TLS client must be the signing unit', async () => {
    const r = await receiver.receive(summary(), { ip: '127.0.0.1', tlsUnit: 'county-r' });
    assert.equal(r.results[0]!.code, 'unit_mismatch');
  });
});
