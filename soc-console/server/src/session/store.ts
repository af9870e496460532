import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

export interface Session {
  /** SHA-256 of the cookie value: the clear id is never stored. */
  idHash: string;
  accountId: string;
  /** 'totp-enrolment': password accepted for an account that must enrol TOTP first; nothing else is allowed. */
  via: 'password' | 'certificate' | 'totp-enrolment';
  csrf: string;
  createdMs: number;
  lastMs: number;
  sourceIp: string | null;
  certFingerprint: string | null;
}

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

const hashId = (id: string) => createHash('sha256').update(id).digest('hex');
/** Cookie values we issue: 43 base64url characters (256 random bits). Anything else is not looked up. */
const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Server-side sessions. Ids are 256-bit random values created only at sign-in (a cookie value the
 * browser brings is never adopted), stored hashed; expiry is enforced on every lookup.
 */
export class SessionStore {
  constructor(
    private readonly db: Database.Database,
    private readonly limits: SessionLimits,
    private readonly now: () => number,
  ) {}

  create(input: { accountId: string; via: Session['via']; sourceIp: string | null; certFingerprint?: string }): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const t = this.now();
    const session: Session = {
      idHash: hashId(id),
      accountId: input.accountId,
      via: input.via,
      csrf: randomBytes(32).toString('base64url'),
      createdMs: t,
      lastMs: t,
      sourceIp: input.sourceIp,
      certFingerprint: input.certFingerprint ?? null,
    };
    this.db
      .prepare('INSERT INTO sessions (id_hash, account_id, via, csrf, created_ms, last_ms, source_ip, cert_fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(session.idHash, session.accountId, session.via, session.csrf, session.createdMs, session.lastMs, session.sourceIp, session.certFingerprint);
    return { id, session };
  }

  /** The live session for a cookie value, touching its idle timer; expired ones are deleted ('expired'). */
  lookup(id: string | undefined): Session | 'expired' | undefined {
    if (!id || !ID_SHAPE.test(id)) return undefined;
    const row = this.db.prepare('SELECT * FROM sessions WHERE id_hash = ?').get(hashId(id)) as Row | undefined;
    if (!row) return undefined;
    const t = this.now();
    if (t - row.last_ms > this.limits.idleMs || t - row.created_ms > this.limits.absoluteMs) {
      this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(row.id_hash);
      return 'expired';
    }
    this.db.prepare('UPDATE sessions SET last_ms = ? WHERE id_hash = ?').run(t, row.id_hash);
    return { ...fromRow(row), lastMs: t };
  }

  destroy(id: string | undefined): boolean {
    if (!id || !ID_SHAPE.test(id)) return false;
    return this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hashId(id)).changes > 0;
  }

  destroyForAccount(accountId: string): number {
    return this.db.prepare('DELETE FROM sessions WHERE account_id = ?').run(accountId).changes;
  }

  /** Removes sessions past either timeout; returns how many. */
  sweep(): number {
    const t = this.now();
    return this.db.prepare('DELETE FROM sessions WHERE last_ms < ? OR created_ms < ?').run(t - this.limits.idleMs, t - this.limits.absoluteMs).changes;
  }
}

interface Row {
  id_hash: string;
  account_id: string;
  via: Session['via'];
  csrf: string;
  created_ms: number;
  last_ms: number;
  source_ip: string | null;
  cert_fingerprint: string | null;
}

const fromRow = (r: Row): Session => ({
  idHash: r.id_hash,
  accountId: r.account_id,
  via: r.via,
  csrf: r.csrf,
  createdMs: r.created_ms,
  lastMs: r.last_ms,
  sourceIp: r.source_ip,
  certFingerprint: r.cert_fingerprint,
});
