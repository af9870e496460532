/**
 * One repository suite, run on SQLite and (when SOC_TEST_PG_URL is set) on PostgreSQL, including the
 * audit-trail tamper checks: edits made with plain SQL behind the service's back are detected.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { signCheckpoint } from '../src/audit/chain.js';
import { verifyAuditTrail } from '../src/audit/checkpoints.js';
import type { CertificateRecord, CertRequest, Subject } from '../src/model.js';
import { PostgresDriver } from '../src/store/postgres-driver.js';
import { RaRepository } from '../src/store/repository.js';
import { SqliteDriver } from '../src/store/sqlite-driver.js';
import { tmpDir } from './harness.js';

interface Engine {
  name: string;
  open(): Promise<{ repo: RaRepository; sql: (q: string) => Promise<void>; drop: () => Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    async open() {
      const driver = new SqliteDriver(path.join(tmpDir('ra-repo-'), 'ra.db'));
      const repo = new RaRepository(driver);
      await repo.migrate();
      // A second connection stands for someone with file access editing the database directly.
      return { repo, sql: async (q) => void driver.db.exec(q), drop: async () => undefined };
    },
  },
];
const PG_URL = process.env.SOC_TEST_PG_URL;
if (PG_URL) {
  engines.push({
    name: 'postgres',
    async open() {
      const schema = `ra_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const repo = new RaRepository(new PostgresDriver(url));
      await repo.migrate();
      return {
        repo,
        sql: async (q) => void (await admin.query(`SET search_path = ${schema}; ${q}`)),
        drop: async () => {
          await admin.query(`DROP SCHEMA ${schema} CASCADE`);
          await admin.end();
        },
      };
    },
  });
}

const actor = { id: 'acc-1', name: 'officer', roles: ['ra-officer'], sourceIp: '10.0.0.8' };
const now = () => new Date().toISOString();

function subject(): Subject {
  return { id: randomUUID(), kind: 'person', orgUnit: 'prov-demo', status: 'active', attributes: { commonName: '张三', email: 'zhangsan@example.gov.cn' }, createdAt: now(), updatedAt: now() };
}

function request(subjectId: string): CertRequest {
  return {
    id: randomUUID(),
    type: 'enroll',
    status: 'submitted',
    profile: 'person-authentication',
    subjectId,
    serial: null,
    csrDer: new Uint8Array([0x30, 0x00]),
    publicKeyInfo: new Uint8Array([0x30, 0x01, 0x00]),
    san: [{ type: 'email', value: 'zhangsan@example.gov.cn' }],
    revocationReason: null,
    approvalsRequired: 2,
    requesterId: 'acc-0',
    requesterName: 'requester',
    createdAt: now(),
    updatedAt: now(),
    reason: null,
    resultSerial: null,
    approvals: [],
    transitions: [{ from: null, to: 'submitted', actor: 'requester', at: now(), sourceIp: '10.0.0.7', reason: null }],
  };
}

function certificate(requestId: string, subjectId: string, serial: string, spki = 'ab'.repeat(32)): CertificateRecord {
  return {
    serial,
    requestId,
    subjectId,
    profile: 'person-authentication',
    status: 'reserved',
    subjectDn: 'C=CN, CN=张三',
    notBefore: now(),
    notAfter: now(),
    spkiSha256: spki,
    der: null,
    issuedAt: null,
    revokedAt: null,
    revocationReason: null,
    requesterId: 'acc-0',
  };
}

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});

for (const engine of engines) {
  describe(`repository on ${engine.name}`, () => {
    test('subjects, requests, approvals, compare-and-set transitions', async () => {
      const { repo, drop } = await engine.open();
      cleanups.push(async () => (await repo.close(), await drop()));
      const s = subject();
      const r = request(s.id);
      await repo.tx(async (w) => {
        await w.insertSubject(s);
        await w.insertRequest(r);
      });
      assert.deepEqual((await repo.getSubject(s.id))?.attributes, s.attributes);
      await repo.tx(async (w) => void (await w.updateSubject({ ...s, status: 'left', updatedAt: now() })));
      assert.equal((await repo.getSubject(s.id))?.status, 'left');
      assert.equal((await repo.listSubjects({ status: 'left' })).length, 1);

      const got = await repo.getRequest(r.id);
      assert.deepEqual(got?.csrDer, r.csrDer);
      assert.deepEqual(got?.san, r.san);
      assert.equal(got?.transitions.length, 1);

      const a = { officerId: 'o1', officerName: 'officer1', at: now(), comment: '同意', sourceIp: '10.0.0.9' };
      assert.equal(await repo.tx((w) => w.addApproval(r.id, a)), true);
      assert.equal(await repo.tx((w) => w.addApproval(r.id, a)), false, 'the same officer counts once');
      const t = { from: 'submitted' as const, to: 'approved' as const, actor: 'officer1', at: now(), sourceIp: null, reason: null };
      assert.equal(await repo.tx((w) => w.transition(r.id, t)), true);
      assert.equal(await repo.tx((w) => w.transition(r.id, t)), false, 'second move from submitted loses the race');
      const after2 = await repo.getRequest(r.id);
      assert.equal(after2?.status, 'approved');
      assert.equal(after2?.approvals.length, 1);
      assert.deepEqual(after2?.transitions.map((x) => x.to), ['submitted', 'approved']);
      assert.equal((await repo.listRequests({ status: 'approved' })).length, 1);
      assert.equal((await repo.listRequests({ requesterId: 'nobody' })).length, 0);
    });

    test('certificates: serial reserved before signing, status changes, key uniqueness, escrow taken once', async () => {
      const { repo, drop } = await engine.open();
      cleanups.push(async () => (await repo.close(), await drop()));
      const s = subject();
      const r = request(s.id);
      await repo.tx(async (w) => {
        await w.insertSubject(s);
        await w.insertRequest(r);
        await w.reserveCertificate(certificate(r.id, s.id, '0a1b'));
        await w.putEscrowedKey(r.id, new Uint8Array([1, 2, 3]));
      });
      assert.equal((await repo.getCertificate('0a1b'))?.status, 'reserved');
      assert.match((await repo.keyInUse('ab'.repeat(32))) ?? '', /already certified/);
      await assert.rejects(repo.tx((w) => w.reserveCertificate(certificate(r.id, s.id, '0a1b'))), 'serials are unique');
      assert.equal(await repo.tx((w) => w.completeCertificate('0a1b', new Uint8Array([0x30, 0x00]), now())), true);
      assert.equal(await repo.tx((w) => w.completeCertificate('0a1b', new Uint8Array([0x30, 0x00]), now())), false);
      assert.equal(await repo.tx((w) => w.setCertificateStatus('0a1b', ['valid'], 'suspended', now(), 'certificateHold')), true);
      assert.deepEqual((await repo.revocationEntries()).map((e) => [e.serial, e.reason]), [['0a1b', 'certificateHold']]);
      assert.equal(await repo.tx((w) => w.setCertificateStatus('0a1b', ['valid'], 'revoked', now(), 'keyCompromise')), false);
      assert.equal(await repo.tx((w) => w.setCertificateStatus('0a1b', ['valid', 'suspended'], 'revoked', now(), 'keyCompromise')), true);
      await repo.tx((w) => w.blockKey('cd'.repeat(32), 'keyCompromise'));
      assert.match((await repo.keyInUse('cd'.repeat(32))) ?? '', /blocked/);
      assert.equal(await repo.keyInUse('ef'.repeat(32)), undefined, 'an unknown key is free');
      await repo.tx((w) => w.blockKey('ab'.repeat(32), 'keyCompromise'));
      assert.match((await repo.keyInUse('ab'.repeat(32))) ?? '', /blocked \(keyCompromise\)/, 'a block is reported before the certificate');
      assert.deepEqual(await repo.tx((w) => w.takeEscrowedKey(r.id)), new Uint8Array([1, 2, 3]));
      assert.equal(await repo.tx((w) => w.takeEscrowedKey(r.id)), undefined);
      assert.equal(await repo.tx((w) => w.nextCrlNumber('root')), 1);
      assert.equal(await repo.tx((w) => w.nextCrlNumber('root')), 2);
      await repo.tx((w) => w.setCursor('collector', 7));
      await repo.tx((w) => w.setCursor('collector', 9));
      assert.equal(await repo.cursor('collector'), 9);
    });

    test('a failed transaction leaves neither state nor audit behind', async () => {
      const { repo, drop } = await engine.open();
      cleanups.push(async () => (await repo.close(), await drop()));
      const s = subject();
      await assert.rejects(
        repo.tx(async (w) => {
          await w.insertSubject(s);
          await w.audit({ eventType: 'subject.created', objectType: 'subject', objectId: s.id, outcome: 'success', actor });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await repo.getSubject(s.id), undefined);
      assert.equal((await repo.auditHead()).seq, 0);
    });

    test('audit chain: intact verifies; UPDATE, DELETE, reordering and truncation behind the service are detected', async () => {
      const { repo, sql, drop } = await engine.open();
      cleanups.push(async () => (await repo.close(), await drop()));
      for (let i = 0; i < 12; i++) {
        await repo.tx(async (w) => {
          await w.audit({ eventType: 'request.submitted', objectType: 'request', objectId: `r${i}`, outcome: 'success', actor, details: { i, 名称: '测试' } });
          await w.audit({ eventType: 'request.approved', objectType: 'request', objectId: `r${i}`, outcome: 'success', actor });
        });
        if (i === 9) {
          const head = await repo.auditHead();
          await repo.tx((w) => w.addCheckpoint(signCheckpoint(key.privateKey, head.seq, head.hash, now())));
        }
      }
      const ok = await verifyAuditTrail(repo, key.publicKey);
      assert.equal(ok.ok, true, JSON.stringify(ok.problems));
      assert.equal(ok.records, 24);

      const expectBroken = async (what: string, mutate: string, pattern: RegExp) => {
        await sql(mutate);
        const rep = await verifyAuditTrail(repo, key.publicKey);
        assert.equal(rep.ok, false, `${what} went unnoticed`);
        assert.ok(rep.problems.some((p) => pattern.test(p.problem)), `${what}: ${JSON.stringify(rep.problems)}`);
      };
      await expectBroken('modified outcome', `UPDATE audit SET outcome = 'failure' WHERE seq = 5`, /modified/);
      await sql(`UPDATE audit SET outcome = 'success' WHERE seq = 5`);
      assert.equal((await verifyAuditTrail(repo, key.publicKey)).ok, true, 'restoring the exact content restores the chain');

      await expectBroken('deleted record', `DELETE FROM audit WHERE seq = 7`, /missing/);
      await expectBroken('reordered records', `UPDATE audit SET seq = -3 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = -3`, /modified|link/);
      await expectBroken('truncated tail past a checkpoint', `DELETE FROM audit WHERE seq > 15`, /truncated|differs/);
      await expectBroken('forged checkpoint', `UPDATE audit_checkpoints SET seq = seq - 1`, /signature|differs|truncated/);
    });

    // ------------------------------------------------------------------ group commit

    /** One issuance's writes as the RA makes them: request, reserved serial, audit; then completion. */
    const issue = async (repo: RaRepository, s: Subject, serial: string, fail?: 'before-commit') => {
      const r = request(s.id);
      await repo.tx(async (w) => {
        await w.insertRequest({ ...r, status: 'approved' });
        await w.reserveCertificate(certificate(r.id, s.id, serial, serial.padStart(64, '0')));
        await w.audit({ eventType: 'request.submitted', objectType: 'request', objectId: r.id, outcome: 'success', actor, details: { serial } });
        if (fail) throw new Error(`refused ${serial}`);
      });
      await repo.tx(async (w) => {
        await w.completeCertificate(serial, new Uint8Array([0x30, 0x00]), now());
        await w.transition(r.id, { from: 'approved', to: 'issued', actor: 'ra', at: now(), sourceIp: null, reason: null }, { resultSerial: serial });
        await w.audit({ eventType: 'certificate.issued', objectType: 'certificate', objectId: serial, outcome: 'success', actor, details: { requestId: r.id } });
      });
      return r.id;
    };

    test('group commit: concurrent issuances share commits, every one is stored and the chain verifies', async () => {
      const { repo, drop } = await engine.open();
      cleanups.push(async () => (await repo.close(), await drop()));
      const s = subject();
      await repo.tx((w) => w.insertSubject(s));
      const stats = repo.driver.writer.stats;
      const before = { ...stats };
      const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => issue(repo, s, (0x1000 + i).toString(16))));
      assert.equal(stats.transactions - before.transactions, 80);
      assert.ok(stats.commits - before.commits < 80, `transactions were grouped (${stats.commits - before.commits} commits for 80)`);
      for (const [i, id] of ids.entries()) {
        assert.equal((await repo.getRequest(id))?.status, 'issued');
        assert.equal((await repo.getCertificate((0x1000 + i).toString(16)))?.status, 'valid');
      }
      const head = await repo.auditHead();
      assert.equal(head.seq, 80);
      await repo.tx((w) => w.addCheckpoint(signCheckpoint(key.privateKey, head.seq, head.hash, now())));
      const rep = await verifyAuditTrail(repo, key.publicKey);
      assert.equal(rep.ok, true, JSON.stringify(rep.problems));
      assert.equal(rep.records, 80);
    });

    test('group commit: a transaction failing inside a batch is rolled back alone', async () => {
      const { repo, drop } = await engine.open();
      cleanups.push(async () => (await repo.close(), await drop()));
      const s = subject();
      await repo.tx((w) => w.insertSubject(s));
      const failing = new Set([3, 11, 12]);
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => issue(repo, s, (0x2000 + i).toString(16), failing.has(i) ? 'before-commit' : undefined)));
      for (const [i, r] of results.entries()) {
        const serial = (0x2000 + i).toString(16);
        if (failing.has(i)) {
          assert.equal(r.status, 'rejected');
          assert.match(String((r as PromiseRejectedResult).reason), new RegExp(`refused ${serial}`), 'each caller gets its own error');
          assert.equal(await repo.getCertificate(serial), undefined, 'nothing of a failed transaction is stored');
        } else {
          assert.equal(r.status, 'fulfilled');
          assert.equal((await repo.getCertificate(serial))?.status, 'valid');
        }
      }
      const refusedSerials = [...failing].map((i) => (0x2000 + i).toString(16));
      const audit = await repo.listAudit({ limit: 1000 });
      assert.equal(audit.filter((a) => refusedSerials.some((x) => a.details.includes(x))).length, 0, 'no audit record of a failed transaction');
      assert.equal((await repo.auditHead()).seq, 2 * (20 - failing.size), 'sequence numbers stay contiguous');
      const rep = await verifyAuditTrail(repo, key.publicKey);
      assert.equal(rep.ok, true, JSON.stringify(rep.problems));
    });

    test('group commit: a failing COMMIT fails only the transaction that cannot commit', async () => {
      const { repo, sql, drop } = await engine.open();
      cleanups.push(async () => (await repo.close(), await drop()));
      // A deferred foreign key is checked at COMMIT, after the transaction's own code succeeded.
      await sql('CREATE TABLE probe_parent (id INTEGER PRIMARY KEY); CREATE TABLE probe_child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES probe_parent(id) DEFERRABLE INITIALLY DEFERRED)');
      const s = subject();
      await repo.tx((w) => w.insertSubject(s));
      const split = repo.driver.writer.stats.splitBatches;
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          repo.driver.transaction(async (q) => {
            await q.run('INSERT INTO probe_child (id, parent) VALUES (?, ?)', [i, i === 5 ? 999 : null]);
            return i;
          }),
        ),
      );
      assert.deepEqual(results.map((r) => r.status), results.map((_, i) => (i === 5 ? 'rejected' : 'fulfilled')));
      assert.ok(repo.driver.writer.stats.splitBatches > split, 'the shared commit failed and the batch was split');
      const rows = await repo.driver.all<{ id: number }>('SELECT id FROM probe_child ORDER BY id');
      assert.deepEqual(rows.map((r) => Number(r.id)), [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
      // The audit chain carries on normally after the split.
      await issue(repo, s, '3001');
      assert.equal((await verifyAuditTrail(repo, key.publicKey)).ok, true);
    });
  });
}

test('PostgreSQL suite availability', (t) => {
  if (!PG_URL) t.skip('SOC_TEST_PG_URL not set: PostgreSQL repository tests skipped (see ra-service/README.md)');
});
