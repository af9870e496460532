import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { canonicalJson, chainRecord, checkpointMessage, GENESIS_HASH, keySigner, SqliteAuditTrail, type AuditDraft } from '@emsoc/common/audit';
import { chainRecord as raChainRecord, signCheckpoint as raSignCheckpoint } from '@emsoc/ra-service/audit/chain';
import { startHarness, type Harness } from './harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emsoc-audit-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const signer = keySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const draft = (i: number): AuditDraft => ({
  eventType: 'search.executed',
  objectType: 'dataset',
  objectId: 'events',
  outcome: 'success',
  actor: { id: `acc-${i % 3}`, name: `user${i % 3}`, roles: ['soc-analyst'], sourceIp: '10.0.0.1' },
  details: { query: `user.name:u${i}`, n: i },
});

/** A trail of 50 records, and raw access to its file (as someone with disk access would have). */
function fresh(name: string) {
  const file = path.join(dir, `${name}.db`);
  const trail = new SqliteAuditTrail({ file, signer, domain: 'test-audit', checkpointEvery: 20, checkpointMs: 0 });
  for (let i = 0; i < 50; i++) trail.append(draft(i));
  const raw = new Database(file);
  raw.exec('DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete;');
  return { trail, raw };
}

test('an intact chain verifies; records carry the MLPS fields and link by hash', async () => {
  const { trail } = fresh('intact');
  const r = await trail.verify();
  assert.deepEqual({ ok: r.ok, records: r.records, checkpoints: r.checkpoints, lastSeq: r.lastSeq }, { ok: true, records: 50, checkpoints: 2, lastSeq: 50 });
  const [first, second] = trail.list({ limit: 2 });
  assert.equal(first!.prevHash, GENESIS_HASH);
  assert.equal(second!.prevHash, first!.hash);
  for (const k of ['at', 'actorId', 'actorName', 'actorRoles', 'sourceIp', 'eventType', 'objectType', 'objectId', 'outcome'] as const) assert.ok(first![k], k);
  trail.close();
});

test('the chain rules are the RA’s: same record, same hash, same checkpoint signature bytes', () => {
  const at = '2026-11-29T00:00:00.000Z';
  const ours = chainRecord({ seq: 41, hash: 'ab'.repeat(32) }, draft(1), at);
  const d = draft(1);
  const theirs = raChainRecord({ seq: 41, hash: 'ab'.repeat(32) }, { ...d, objectType: 'audit', actor: { ...d.actor, roles: [...d.actor.roles] } }, at);
  assert.deepEqual({ ...ours, objectType: 'audit', hash: undefined }, { ...theirs, hash: undefined });
  assert.equal(chainRecord({ seq: 41, hash: 'ab'.repeat(32) }, { ...draft(1), objectType: 'audit' }, at).hash, theirs.hash);
  assert.equal(ours.details, canonicalJson({ query: 'user.name:u1', n: 1 }));
  // An RA checkpoint verifies under the common module with the RA's domain string.
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const cp = raSignCheckpoint(key, 41, theirs.hash, at);
  assert.ok(keySigner(key).verify(checkpointMessage('emsoc-ra-audit-checkpoint', cp), cp.signature, cp.keyId));
});

test('append-only guard: UPDATE and DELETE are refused by the database', () => {
  const file = path.join(dir, 'guard.db');
  const trail = new SqliteAuditTrail({ file, signer, domain: 'test-audit', checkpointMs: 0 });
  trail.append(draft(1));
  const raw = new Database(file);
  assert.throws(() => raw.prepare("UPDATE audit_records SET outcome = 'failure'").run(), /append-only/);
  assert.throws(() => raw.prepare('DELETE FROM audit_records').run(), /append-only/);
  raw.close();
  trail.close();
});

test('tampering is detected: modification, deletion, reordering, truncation, forged checkpoint', async () => {
  {
    const { trail, raw } = fresh('modified');
    raw.prepare("UPDATE audit_records SET details = '{\"n\":7,\"query\":\"harmless\"}' WHERE seq = 7").run();
    const r = await trail.verify();
    assert.equal(r.ok, false);
    assert.equal(r.brokenAt, 7);
    assert.match(r.problems[0]!.problem, /modified/);
    raw.close();
    trail.close();
  }
  {
    const { trail, raw } = fresh('deleted');
    raw.prepare('DELETE FROM audit_records WHERE seq = 12').run();
    const r = await trail.verify();
    assert.equal(r.brokenAt, 13);
    assert.ok(r.problems.some((p) => /12\.\.12 missing/.test(p.problem)));
    raw.close();
    trail.close();
  }
  {
    const { trail, raw } = fresh('reordered');
    // Swap two records' contents (keeping their sequence numbers): the links no longer match.
    const a = raw.prepare('SELECT * FROM audit_records WHERE seq = 30').get() as Record<string, unknown>;
    const b = raw.prepare('SELECT * FROM audit_records WHERE seq = 31').get() as Record<string, unknown>;
    const put = raw.prepare('UPDATE audit_records SET at = ?, actor_name = ?, details = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    put.run(b.at, b.actor_name, b.details, b.prev_hash, b.hash, 30);
    put.run(a.at, a.actor_name, a.details, a.prev_hash, a.hash, 31);
    const r = await trail.verify();
    assert.equal(r.ok, false);
    assert.equal(r.brokenAt, 30);
    raw.close();
    trail.close();
  }
  {
    const { trail, raw } = fresh('truncated');
    raw.prepare('DELETE FROM audit_records WHERE seq > 45').run();
    let r = await trail.verify();
    assert.equal(r.ok, true, 'truncation after the last checkpoint is only caught by the next one');
    raw.prepare('DELETE FROM audit_records WHERE seq > 35').run();
    r = await trail.verify();
    assert.equal(r.ok, false);
    assert.ok(r.problems.some((p) => /truncated/.test(p.problem)));
    raw.close();
    trail.close();
  }
  {
    // Rewriting the whole chain consistently still breaks against the signed checkpoints.
    const { trail, raw } = fresh('rewritten');
    const rows = raw.prepare('SELECT * FROM audit_records ORDER BY seq').all() as { seq: number; details: string }[];
    let prev = { seq: 0, hash: GENESIS_HASH };
    const put = raw.prepare('UPDATE audit_records SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    for (const row of rows) {
      const d = draft(row.seq - 1);
      const rec = chainRecord(prev, { ...d, details: { ...d.details, query: 'rewritten' } }, (raw.prepare('SELECT at FROM audit_records WHERE seq = ?').pluck().get(row.seq) as string));
      put.run(rec.details, rec.prevHash, rec.hash, row.seq);
      prev = rec;
    }
    const r = await trail.verify();
    assert.equal(r.ok, false);
    assert.ok(r.problems.some((p) => /signed checkpoint/.test(p.problem)));
    raw.prepare("UPDATE audit_checkpoints SET hash = ? WHERE seq = 20").run(prev.hash);
    assert.ok((await trail.verify()).problems.some((p) => /signature invalid/.test(p.problem)));
    raw.close();
    trail.close();
  }
});

let h: Harness;
before(async () => {
  h = await startHarness({ auditCheckpointEvery: 5 });
});
after(() => h.close());

test('audit/verify through the API: console chain ok, then broken after tampering; RA reported unreachable', async () => {
  for (let i = 0; i < 12; i++) await h.call('GET', `/api/v1/events?q=${encodeURIComponent(`user.name:u${i}`)}`, { token: h.tokens['soc-analyst'] });
  const ok = await h.call('GET', '/api/v1/audit/verify', { token: h.tokens.auditor });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.console.ok, true);
  assert.ok(ok.json.console.records >= 12);
  assert.equal(ok.json.ra.ok, false);
  assert.match(ok.json.ra.error, /RA not reachable/);
  const raw = new Database(path.join(h.dataDir, 'console', 'audit.db'));
  raw.exec('DROP TRIGGER audit_records_no_update');
  raw.prepare("UPDATE audit_records SET actor_name = 'someone-else' WHERE seq = 3").run();
  raw.close();
  const bad = await h.call('GET', '/api/v1/audit/verify', { token: h.tokens.auditor });
  assert.equal(bad.json.console.ok, false);
  assert.equal(bad.json.console.brokenAt, 3);
  // The verification itself is audited.
  assert.ok(h.console.audit.trail.list({ order: 'desc', limit: 3 }).some((r) => r.eventType === 'audit.verified' && r.outcome === 'failure'));
  assert.equal((await h.call('GET', '/api/v1/audit/verify', { token: h.tokens['security-admin'] })).status, 403);
});
