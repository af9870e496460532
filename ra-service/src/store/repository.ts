import type {
  Approval,
  CertificateRecord,
  CertificateStatus,
  CertRequest,
  RequestStatus,
  RequestType,
  RevocationReason,
  SanEntry,
  Subject,
  Transition,
} from '../model.js';
import { chainRecord, GENESIS_HASH, type AuditDraft, type AuditRecord, type Checkpoint } from '../audit/chain.js';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { schemaSql } from './schema.js';

type Row = Record<string, unknown>;
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const bytes = (v: unknown): Uint8Array | null => (v === null || v === undefined ? null : new Uint8Array(v as Buffer));

function toSubject(r: Row): Subject {
  return {
    id: String(r.id),
    kind: r.kind as Subject['kind'],
    orgUnit: String(r.org_unit),
    status: r.status as Subject['status'],
    attributes: JSON.parse(String(r.attributes)),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

function toCertificate(r: Row): CertificateRecord {
  return {
    serial: String(r.serial),
    requestId: String(r.request_id),
    subjectId: s(r.subject_id),
    profile: String(r.profile),
    status: r.status as CertificateStatus,
    subjectDn: String(r.subject_dn),
    notBefore: String(r.not_before),
    notAfter: String(r.not_after),
    spkiSha256: String(r.spki_sha256),
    der: bytes(r.der),
    issuedAt: s(r.issued_at),
    revokedAt: s(r.revoked_at),
    revocationReason: s(r.revocation_reason) as RevocationReason | null,
    requesterId: String(r.requester_id),
  };
}

function toAudit(r: Row): AuditRecord {
  return {
    seq: Number(r.seq),
    at: String(r.at),
    actorId: String(r.actor_id),
    actorName: String(r.actor_name),
    actorRoles: String(r.actor_roles),
    sourceIp: s(r.source_ip),
    eventType: String(r.event_type),
    objectType: String(r.object_type),
    objectId: String(r.object_id),
    outcome: r.outcome as AuditRecord['outcome'],
    details: String(r.details),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  };
}

export interface RequestFilter {
  status?: RequestStatus;
  type?: RequestType;
  requesterId?: string;
  subjectId?: string;
  limit?: number;
  offset?: number;
}

export interface CertificateFilter {
  status?: CertificateStatus;
  requestId?: string;
  subjectId?: string;
  profile?: string;
  requesterId?: string;
  limit?: number;
  offset?: number;
}

/** Appends audit records within a transaction; the chain head is read once per transaction. */
class AuditAppender {
  private head: { seq: number; hash: string } | undefined;
  readonly appended: AuditRecord[] = [];

  constructor(private readonly q: SqlExecutor) {}

  async append(draft: AuditDraft, at = new Date().toISOString()): Promise<AuditRecord> {
    if (!this.head) {
      const h = await this.q.get<Row>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
      this.head = h ? { seq: Number(h.seq), hash: String(h.hash) } : { seq: 0, hash: GENESIS_HASH };
    }
    const rec = chainRecord(this.head, draft, at);
    await this.q.run(
      `INSERT INTO audit (seq, at, actor_id, actor_name, actor_roles, source_ip, event_type, object_type, object_id, outcome, details, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [rec.seq, rec.at, rec.actorId, rec.actorName, rec.actorRoles, rec.sourceIp, rec.eventType, rec.objectType, rec.objectId, rec.outcome, rec.details, rec.prevHash, rec.hash],
    );
    this.head = { seq: rec.seq, hash: rec.hash };
    this.appended.push(rec);
    return rec;
  }
}

/** Write operations available inside one transaction; every state change is audited in the same commit. */
export class RaTx {
  private readonly auditor: AuditAppender;

  constructor(private readonly q: SqlExecutor) {
    this.auditor = new AuditAppender(q);
  }

  get appended(): AuditRecord[] {
    return this.auditor.appended;
  }

  audit(draft: AuditDraft): Promise<AuditRecord> {
    return this.auditor.append(draft);
  }

  async insertSubject(x: Subject): Promise<void> {
    await this.q.run('INSERT INTO subjects (id, kind, org_unit, status, attributes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      x.id,
      x.kind,
      x.orgUnit,
      x.status,
      JSON.stringify(x.attributes),
      x.createdAt,
      x.updatedAt,
    ]);
  }

  async updateSubject(x: Subject): Promise<boolean> {
    return (
      (await this.q.run('UPDATE subjects SET org_unit = ?, status = ?, attributes = ?, updated_at = ? WHERE id = ?', [
        x.orgUnit,
        x.status,
        JSON.stringify(x.attributes),
        x.updatedAt,
        x.id,
      ])) === 1
    );
  }

  async insertRequest(r: CertRequest): Promise<void> {
    await this.q.run(
      `INSERT INTO requests (id, type, status, profile, subject_id, serial, csr, public_key, san, revocation_reason, approvals_required,
         requester_id, requester_name, created_at, updated_at, reason, result_serial)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.id,
        r.type,
        r.status,
        r.profile,
        r.subjectId,
        r.serial,
        r.csrDer,
        r.publicKeyInfo,
        JSON.stringify(r.san),
        r.revocationReason,
        r.approvalsRequired,
        r.requesterId,
        r.requesterName,
        r.createdAt,
        r.updatedAt,
        r.reason,
        r.resultSerial,
      ],
    );
    // A new request has no transitions yet: they are numbered from 0 without counting.
    for (let i = 0; i < r.transitions.length; i++) await this.addTransition(r.id, r.transitions[i]!, i);
  }

  private async addTransition(requestId: string, t: Transition, idx?: number): Promise<void> {
    if (idx === undefined) {
      const n = await this.q.get<Row>('SELECT count(*) AS n FROM transitions WHERE request_id = ?', [requestId]);
      idx = Number(n?.n ?? 0);
    }
    await this.q.run(
      'INSERT INTO transitions (request_id, idx, from_status, to_status, actor, at, source_ip, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [requestId, idx, t.from, t.to, t.actor, t.at, t.sourceIp, t.reason],
    );
  }

  /** Adds an officer's approval; false when this officer already approved (primary key). */
  async addApproval(requestId: string, a: Approval): Promise<boolean> {
    const exists = await this.q.get('SELECT 1 AS x FROM approvals WHERE request_id = ? AND officer_id = ?', [requestId, a.officerId]);
    if (exists) return false;
    await this.q.run('INSERT INTO approvals (request_id, officer_id, officer_name, at, comment, source_ip) VALUES (?, ?, ?, ?, ?, ?)', [
      requestId,
      a.officerId,
      a.officerName,
      a.at,
      a.comment,
      a.sourceIp,
    ]);
    return true;
  }

  /** Compare-and-set on the status so two officers acting at once cannot both move a request. */
  async transition(
    requestId: string,
    t: Transition & { from: RequestStatus },
    patch: { reason?: string | null; resultSerial?: string | null } = {},
  ): Promise<boolean> {
    const changed = await this.q.run(
      `UPDATE requests SET status = ?, updated_at = ?, reason = COALESCE(?, reason), result_serial = COALESCE(?, result_serial)
       WHERE id = ? AND status = ?`,
      [t.to, t.at, patch.reason ?? null, patch.resultSerial ?? null, requestId, t.from],
    );
    if (changed !== 1) return false;
    await this.addTransition(requestId, t);
    return true;
  }

  /** The serial is stored (status reserved) before anything is signed, so no signed serial is ever unknown. */
  async reserveCertificate(c: CertificateRecord): Promise<void> {
    await this.q.run(
      `INSERT INTO certificates (serial, request_id, subject_id, profile, status, subject_dn, not_before, not_after, spki_sha256, der,
         issued_at, revoked_at, revocation_reason, requester_id) VALUES (?, ?, ?, ?, 'reserved', ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?)`,
      [c.serial, c.requestId, c.subjectId, c.profile, c.subjectDn, c.notBefore, c.notAfter, c.spkiSha256, c.requesterId],
    );
  }

  async completeCertificate(serial: string, der: Uint8Array, issuedAt: string): Promise<boolean> {
    return (await this.q.run(`UPDATE certificates SET status = 'valid', der = ?, issued_at = ? WHERE serial = ? AND status = 'reserved'`, [der, issuedAt, serial])) === 1;
  }

  async failCertificate(serial: string): Promise<void> {
    await this.q.run(`UPDATE certificates SET status = 'failed' WHERE serial = ? AND status = 'reserved'`, [serial]);
  }

  async setCertificateStatus(
    serial: string,
    from: CertificateStatus[],
    to: CertificateStatus,
    revokedAt: string | null,
    reason: RevocationReason | null,
  ): Promise<boolean> {
    const marks = from.map(() => '?').join(', ');
    return (
      (await this.q.run(`UPDATE certificates SET status = ?, revoked_at = ?, revocation_reason = ? WHERE serial = ? AND status IN (${marks})`, [
        to,
        revokedAt,
        reason,
        serial,
        ...from,
      ])) === 1
    );
  }

  async blockKey(spkiSha256: string, reason: string): Promise<void> {
    const exists = await this.q.get('SELECT 1 AS x FROM blocked_keys WHERE spki_sha256 = ?', [spkiSha256]);
    if (!exists) await this.q.run('INSERT INTO blocked_keys (spki_sha256, reason, at) VALUES (?, ?, ?)', [spkiSha256, reason, new Date().toISOString()]);
  }

  async putEscrowedKey(requestId: string, encrypted: Uint8Array): Promise<void> {
    await this.q.run('INSERT INTO key_escrow (request_id, encrypted_key, created_at) VALUES (?, ?, ?)', [requestId, encrypted, new Date().toISOString()]);
  }

  async putKmcKey(k: { encSerial: string; signSerial: string; sealedKey: Uint8Array; envelope: Uint8Array }): Promise<void> {
    await this.q.run('INSERT INTO kmc_keys (enc_serial, sign_serial, sealed_key, envelope, created_at) VALUES (?, ?, ?, ?, ?)', [
      k.encSerial, k.signSerial, k.sealedKey, k.envelope, new Date().toISOString(),
    ]);
  }

  /** Returns the encrypted key and deletes it in the same transaction: it can be taken exactly once. */
  async takeEscrowedKey(requestId: string): Promise<Uint8Array | undefined> {
    const row = await this.q.get<Row>('SELECT encrypted_key FROM key_escrow WHERE request_id = ?', [requestId]);
    if (!row) return undefined;
    await this.q.run('DELETE FROM key_escrow WHERE request_id = ?', [requestId]);
    return bytes(row.encrypted_key)!;
  }

  async addCheckpoint(c: Checkpoint): Promise<void> {
    await this.q.run('INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES (?, ?, ?, ?, ?)', [c.seq, c.hash, c.at, c.keyId, c.signature]);
  }

  /** Next CRL number for `name`, persisted before the CRL is signed so numbers never repeat. */
  async nextCrlNumber(name: string): Promise<number> {
    const cur = await this.q.get<Row>('SELECT number FROM crl_numbers WHERE name = ?', [name]);
    const next = cur ? Number(cur.number) + 1 : 1;
    if (cur) await this.q.run('UPDATE crl_numbers SET number = ? WHERE name = ?', [next, name]);
    else await this.q.run('INSERT INTO crl_numbers (name, number) VALUES (?, ?)', [name, next]);
    return next;
  }

  async setCursor(name: string, seq: number): Promise<void> {
    const changed = await this.q.run('UPDATE audit_cursors SET seq = ?, updated_at = ? WHERE name = ?', [seq, new Date().toISOString(), name]);
    if (changed === 0) await this.q.run('INSERT INTO audit_cursors (name, seq, updated_at) VALUES (?, ?, ?)', [name, seq, new Date().toISOString()]);
  }
}

/**
 * The RA's storage, one implementation over two SQL engines (SQLite by default, PostgreSQL for
 * shared/HA deployments). Reads are direct; writes go through `tx`, which also appends audit records.
 */
export class RaRepository {
  private readonly listeners: Array<(records: AuditRecord[]) => void> = [];

  constructor(readonly driver: SqlDriver) {}

  async migrate(): Promise<void> {
    await this.driver.exec(schemaSql(this.driver.dialect));
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  /** Called after each commit with the audit records it appended (forwarder, checkpointer). */
  onAudit(fn: (records: AuditRecord[]) => void): void {
    this.listeners.push(fn);
  }

  async tx<T>(fn: (w: RaTx) => Promise<T>): Promise<T> {
    let appended: AuditRecord[] = [];
    const out = await this.driver.transaction(async (q) => {
      const w = new RaTx(q);
      const r = await fn(w);
      appended = w.appended;
      return r;
    });
    if (appended.length) for (const l of this.listeners) l(appended);
    return out;
  }

  async getSubject(id: string): Promise<Subject | undefined> {
    const r = await this.driver.get<Row>('SELECT * FROM subjects WHERE id = ?', [id]);
    return r && toSubject(r);
  }

  async listSubjects(f: { orgUnit?: string; kind?: string; status?: string; limit?: number; offset?: number } = {}): Promise<Subject[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.orgUnit) { where.push('org_unit = ?'); params.push(f.orgUnit); }
    if (f.kind) { where.push('kind = ?'); params.push(f.kind); }
    if (f.status) { where.push('status = ?'); params.push(f.status); }
    const rows = await this.driver.all<Row>(
      `SELECT * FROM subjects ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT ? OFFSET ?`,
      [...params, f.limit ?? 100, f.offset ?? 0],
    );
    return rows.map(toSubject);
  }

  async getRequest(id: string): Promise<CertRequest | undefined> {
    const r = await this.driver.get<Row>('SELECT * FROM requests WHERE id = ?', [id]);
    if (!r) return undefined;
    const [approvals, transitions] = await Promise.all([
      this.driver.all<Row>('SELECT * FROM approvals WHERE request_id = ? ORDER BY at, officer_id', [id]),
      this.driver.all<Row>('SELECT * FROM transitions WHERE request_id = ? ORDER BY idx', [id]),
    ]);
    return this.toRequest(r, approvals, transitions);
  }

  /** Listing omits approval/transition detail (fetch one request for that). */
  async listRequests(f: RequestFilter = {}): Promise<CertRequest[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.status) { where.push('status = ?'); params.push(f.status); }
    if (f.type) { where.push('type = ?'); params.push(f.type); }
    if (f.requesterId) { where.push('requester_id = ?'); params.push(f.requesterId); }
    if (f.subjectId) { where.push('subject_id = ?'); params.push(f.subjectId); }
    const rows = await this.driver.all<Row>(
      `SELECT * FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`,
      [...params, f.limit ?? 100, f.offset ?? 0],
    );
    return rows.map((r) => this.toRequest(r, [], []));
  }

  private toRequest(r: Row, approvals: Row[], transitions: Row[]): CertRequest {
    return {
      id: String(r.id),
      type: r.type as RequestType,
      status: r.status as RequestStatus,
      profile: s(r.profile),
      subjectId: s(r.subject_id),
      serial: s(r.serial),
      csrDer: bytes(r.csr),
      publicKeyInfo: bytes(r.public_key),
      san: JSON.parse(String(r.san)) as SanEntry[],
      revocationReason: s(r.revocation_reason) as RevocationReason | null,
      approvalsRequired: Number(r.approvals_required),
      requesterId: String(r.requester_id),
      requesterName: String(r.requester_name),
      createdAt: String(r.created_at),
      updatedAt: String(r.updated_at),
      reason: s(r.reason),
      resultSerial: s(r.result_serial),
      approvals: approvals.map((a) => ({
        officerId: String(a.officer_id),
        officerName: String(a.officer_name),
        at: String(a.at),
        comment: s(a.comment),
        sourceIp: s(a.source_ip),
      })),
      transitions: transitions.map((t) => ({
        from: s(t.from_status) as RequestStatus | null,
        to: t.to_status as RequestStatus,
        actor: String(t.actor),
        at: String(t.at),
        sourceIp: s(t.source_ip),
        reason: s(t.reason),
      })),
    };
  }

  /** The dual-certificate pair a serial belongs to (either side), with the sealed key and the envelope. */
  async kmcPair(serial: string): Promise<{ encSerial: string; signSerial: string; sealedKey: Uint8Array; envelope: Uint8Array } | undefined> {
    const r = await this.driver.get<Row>('SELECT * FROM kmc_keys WHERE enc_serial = ? OR sign_serial = ?', [serial, serial]);
    return r && { encSerial: String(r.enc_serial), signSerial: String(r.sign_serial), sealedKey: bytes(r.sealed_key)!, envelope: bytes(r.envelope)! };
  }

  async getCertificate(serial: string): Promise<CertificateRecord | undefined> {
    const r = await this.driver.get<Row>('SELECT * FROM certificates WHERE serial = ?', [serial]);
    return r && toCertificate(r);
  }

  async listCertificates(f: CertificateFilter = {}): Promise<CertificateRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.status) { where.push('status = ?'); params.push(f.status); }
    if (f.subjectId) { where.push('subject_id = ?'); params.push(f.subjectId); }
    if (f.requestId) { where.push('request_id = ?'); params.push(f.requestId); }
    if (f.profile) { where.push('profile = ?'); params.push(f.profile); }
    if (f.requesterId) { where.push('requester_id = ?'); params.push(f.requesterId); }
    const rows = await this.driver.all<Row>(
      `SELECT * FROM certificates ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY issued_at DESC, serial LIMIT ? OFFSET ?`,
      [...params, f.limit ?? 100, f.offset ?? 0],
    );
    return rows.map(toCertificate);
  }

  /** Why a public key may not be certified: blocked, or already in a live certificate. */
  async keyInUse(spkiSha256: string): Promise<string | undefined> {
    // One statement for both questions (one round trip on PostgreSQL); a block wins over a certificate.
    const r = await this.driver.get<Row>(
      `SELECT (SELECT reason FROM blocked_keys WHERE spki_sha256 = ?) AS blocked,
              (SELECT serial FROM certificates WHERE spki_sha256 = ? AND status IN ('reserved', 'valid', 'suspended', 'revoked') LIMIT 1) AS serial`,
      [spkiSha256, spkiSha256],
    );
    if (r?.blocked != null) return `public key is blocked (${String(r.blocked)})`;
    return r?.serial != null ? `public key already certified (serial ${String(r.serial)})` : undefined;
  }

  /** Revoked and on-hold entries for the CRL. */
  async revocationEntries(): Promise<Array<{ serial: string; revokedAt: string; reason: RevocationReason; profile: string }>> {
    const rows = await this.driver.all<Row>(
      `SELECT serial, revoked_at, revocation_reason, profile FROM certificates WHERE status IN ('revoked', 'suspended') ORDER BY serial`,
    );
    return rows.map((r) => ({ serial: String(r.serial), revokedAt: String(r.revoked_at), reason: r.revocation_reason as RevocationReason, profile: String(r.profile) }));
  }

  async auditHead(): Promise<{ seq: number; hash: string }> {
    const h = await this.driver.get<Row>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    return h ? { seq: Number(h.seq), hash: String(h.hash) } : { seq: 0, hash: GENESIS_HASH };
  }

  async listAudit(f: { afterSeq?: number; limit?: number; objectId?: string; eventType?: string } = {}): Promise<AuditRecord[]> {
    const where = ['seq > ?'];
    const params: unknown[] = [f.afterSeq ?? 0];
    if (f.objectId) { where.push('object_id = ?'); params.push(f.objectId); }
    if (f.eventType) { where.push('event_type = ?'); params.push(f.eventType); }
    const rows = await this.driver.all<Row>(`SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`, [...params, f.limit ?? 100]);
    return rows.map(toAudit);
  }

  /** Every record in sequence order, paged; the sequence number is hashed, so renumbering shows as modification. */
  async *allAudit(page = 5000): AsyncGenerator<AuditRecord> {
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const rows = await this.listAudit({ afterSeq: after, limit: page });
      for (const r of rows) yield r;
      if (rows.length < page) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  async checkpoints(): Promise<Checkpoint[]> {
    const rows = await this.driver.all<Row>('SELECT * FROM audit_checkpoints ORDER BY seq');
    return rows.map((r) => ({ seq: Number(r.seq), hash: String(r.hash), at: String(r.at), keyId: String(r.key_id), signature: String(r.signature) }));
  }

  async cursor(name: string): Promise<number> {
    const r = await this.driver.get<Row>('SELECT seq FROM audit_cursors WHERE name = ?', [name]);
    return r ? Number(r.seq) : 0;
  }
}
