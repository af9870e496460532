import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { parse } from 'yaml';
import { buildCrl, createDevCa, CrlReason, inspectCertificate, keyIdentifierFromSpki, toPem, type DevCa, type RevokedEntry } from '@emsoc/pki';
import { registry } from '@emsoc/common/metrics';
import { policiesDir, rulesDir } from '@emsoc/common/paths';
import type { EcsDocument } from '@emsoc/event-store/contract';
import { createCrlStatusView, normalizeSerial } from '../../src/pipeline/crl-status-view.js';
import { openSpoolDrain } from '../../src/pipeline/drain-spec.js';
import { DETECT_ON_DRAIN_PREFIX, type DrainedDoc } from '../../src/pipeline/spool-drain.js';
import { datasetOf } from '../../src/pipeline/routing.js';

const logger = pino({ level: 'silent' });

/** Serials with the high bit set (DER puts a 00 octet in front) and a plain one. */
const REVOKED = '8a1b2c3d4e5f60718293';
const HELD = '4f2a0002';
const RESUMED = '4f2a0003';
const GOOD = '4f2a0004';

let crlNumber = 1;
function crl(ca: DevCa, entries: RevokedEntry[], nextUpdateMs = 3_600_000): Uint8Array {
  const info = inspectCertificate(ca.certificateDer);
  const now = Date.now();
  return buildCrl(
    {
      issuer: { name: info.subject, keyIdentifier: keyIdentifierFromSpki(info.publicKeyInfo) },
      thisUpdate: new Date(Math.floor(now / 1000) * 1000 - 1000),
      nextUpdate: new Date(now + nextUpdateMs),
      crlNumber: crlNumber++,
      entries,
    },
    ca.signer,
  );
}

const ENTRIES: RevokedEntry[] = [
  { serialNumber: REVOKED, revocationDate: new Date(Date.now() - 60_000), reason: CrlReason.keyCompromise },
  { serialNumber: HELD, revocationDate: new Date(Date.now() - 60_000), reason: CrlReason.certificateHold },
  { serialNumber: RESUMED, revocationDate: new Date(Date.now() - 60_000), reason: CrlReason.removeFromCRL },
];

/** A tiny status port: GET /crl/<name>.crl answers what `served` holds (404 otherwise) and counts requests. */
async function statusPort(served: Map<string, Uint8Array | string>): Promise<{ base: string; hits: Map<string, number>; close(): Promise<void> }> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    const body = served.get(req.url ?? '');
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function failures(crlName: string): Promise<number> {
  const m = registry.getSingleMetric('emsoc_collector_crl_fetch_failures_total');
  if (!m) return 0;
  return (await m.get()).values.filter((v) => v.labels.crl === crlName).reduce((s, v) => s + v.value, 0);
}

function caDir(prefix: string): { dir: string; ca: DevCa; other: DevCa } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // Same subject (the dev CA default), another key: only the signature tells them apart.
  return { dir, ca: createDevCa(path.join(dir, 'ca')), other: createDevCa(path.join(dir, 'other')) };
}

test('serials are normalised as the RA stores them', () => {
  assert.equal(normalizeSerial('00:8A:1B'), '8a1b');
  assert.equal(normalizeSerial('0x00008a1b'), '8a1b');
  assert.equal(normalizeSerial('1'), '01');
  assert.equal(normalizeSerial('00'), '00');
  assert.equal(normalizeSerial('not-hex'), undefined);
});

test('the view answers revoked / suspended / undefined from a verified CRL and keeps the last good one when a forged CRL is served', async (t) => {
  const { dir, ca, other } = caDir('crl-view-');
  const served = new Map<string, Uint8Array | string>([['/crl/root.crl', crl(ca, ENTRIES)]]);
  const port = await statusPort(served);
  const view = createCrlStatusView({ crlUrls: [`${port.base}/crl/root.crl`], caCertificatePem: ca.certificatePem, logger, refreshMs: 60_000 });
  t.after(async () => {
    view.close();
    await port.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await view.ready;
  const ask = (serial: string) => view.lookup({ serial, field: 'tls.client.x509.serial_number', value: serial });

  assert.equal(ask(REVOKED), 'revoked');
  assert.equal(ask('00:' + REVOKED.toUpperCase().match(/../g)!.join(':')), 'revoked', 'separators, uppercase and a leading 00 octet are tolerated');
  assert.equal(ask(HELD.toUpperCase()), 'suspended');
  assert.equal(ask(RESUMED), undefined, 'removeFromCRL is not a revocation');
  assert.equal(ask(GOOD), undefined);
  assert.equal(ask('zz'), undefined);
  const sha = 'ab'.repeat(32);
  assert.equal(view.lookup({ sha256: sha, field: 'tls.client.hash.sha256', value: sha }), undefined, 'fingerprints are not answerable from a CRL');

  // A CRL with the same issuer name but signed by another key: refused, counted, the good answers stay.
  const before = await failures('root');
  served.set('/crl/root.crl', crl(other, [{ serialNumber: GOOD, revocationDate: new Date(), reason: CrlReason.keyCompromise }]));
  await view.refresh();
  assert.equal(await failures('root'), before + 1);
  assert.equal(ask(REVOKED), 'revoked');
  assert.equal(ask(HELD), 'suspended');
  assert.equal(ask(GOOD), undefined, 'nothing from the forged CRL was taken');

  // Garbage and an unreachable CRL: counted, still the last good answers.
  served.set('/crl/root.crl', 'not a CRL');
  await view.refresh();
  served.delete('/crl/root.crl');
  await view.refresh();
  assert.equal(await failures('root'), before + 3);
  assert.equal(ask(REVOKED), 'revoked');

  // The next genuine CRL (PEM this time) replaces the index: the hold was released, GOOD got revoked.
  served.set('/crl/root.crl', toPem(crl(ca, [ENTRIES[0]!, { serialNumber: GOOD, revocationDate: new Date(), reason: CrlReason.superseded }]), 'X509 CRL'));
  await view.refresh();
  assert.equal(ask(HELD), undefined);
  assert.equal(ask(GOOD), 'revoked');
});

test('nothing is answered before a CRL is loaded, and an early nextUpdate brings the next fetch forward', async (t) => {
  const { dir, ca } = caDir('crl-view-next-');
  const served = new Map<string, Uint8Array | string>();
  const port = await statusPort(served);
  const url = `${port.base}/crl/sm2-root.crl`;
  const view = createCrlStatusView({ crlUrls: [url], caCertificatePem: ca.certificatePem, logger, refreshMs: 60_000 });
  t.after(async () => {
    view.close();
    await port.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const before = await failures('sm2-root');
  await view.ready;
  assert.equal(await failures('sm2-root'), before + 1, 'a CRL not published (404) is counted');
  assert.equal(view.lookup({ serial: REVOKED, field: 'f', value: REVOKED }), undefined);

  // nextUpdate 1.5 s away, refresh interval 60 s: the view fetches again at nextUpdate, not a minute later.
  served.set('/crl/sm2-root.crl', crl(ca, ENTRIES, 1500));
  await view.refresh();
  assert.equal(view.lookup({ serial: REVOKED, field: 'f', value: REVOKED }), 'revoked');
  const fetched = port.hits.get('/crl/sm2-root.crl')!;
  await new Promise((r) => setTimeout(r, 2500));
  assert.ok(port.hits.get('/crl/sm2-root.crl')! > fetched, 'fetched again by nextUpdate');
});

test('end to end: a drain built from its spec raises pki_login_with_bad_certificate for a revoked serial, not for a good one', async (t) => {
  const { dir, ca } = caDir('crl-view-drain-');
  const served = new Map<string, Uint8Array | string>([['/crl/root.crl', crl(ca, ENTRIES)]]);
  const port = await statusPort(served);
  // The CA PEM comes from <dataDir>/ca/root.pem, as in the platform.
  const { drain, close } = await openSpoolDrain(
    { timezone: 'UTC', detection: { rulesDir, policiesDir, dataDir: dir, reloadCheckMs: 60_000, certificateStatus: { crlUrls: [`${port.base}/crl/root.crl`, `${port.base}/crl/sm2-root.crl`] } } },
    logger,
  );
  t.after(async () => {
    close();
    await port.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const ruleFile = path.join(rulesDir, 'identity-pki', 'pki_login_with_bad_certificate.yml');
  const ruleId = (parse(fs.readFileSync(ruleFile, 'utf8')) as { id: string }).id;

  const login = (id: string, serial: string): Buffer => {
    const e = {
      '@timestamp': new Date().toISOString(),
      event: { id, kind: 'event', category: ['authentication'], outcome: 'success', dataset: 'emsoc.console' },
      user: { name: 'liu.officer' },
      tls: { client: { x509: { serial_number: serial, subject: { common_name: 'liu.officer' } } } },
    } as EcsDocument;
    return Buffer.from(DETECT_ON_DRAIN_PREFIX + JSON.stringify({ d: datasetOf(e), i: id, e }));
  };
  const alertsFor = (id: string, payload: Buffer) => {
    const out: DrainedDoc[] = [];
    drain.drain(payload, out);
    assert.equal(out[0]?.id, id, 'the event itself is stored');
    return out.filter((o) => o.d === 'alerts').map((o) => (o.doc as { rule?: { id?: string } } | undefined)?.rule?.id);
  };

  assert.deepEqual(alertsFor('ev-good', login('ev-good', GOOD)), []);
  const raised = alertsFor('ev-revoked', login('ev-revoked', REVOKED.toUpperCase().match(/../g)!.join(':')));
  assert.deepEqual(raised, [ruleId]);
  const held = alertsFor('ev-held', login('ev-held', HELD));
  assert.deepEqual(held, [ruleId], 'a certificate on hold (suspended) raises it too');
});
