import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { permissionsOf, separationViolation, type RolePolicy } from './roles.js';
import { hashPassword, verifyPassword } from './password.js';

/** Who is acting: resolved from an API token, a client certificate or a console session. */
export interface Principal {
  accountId: string;
  name: string;
  roles: string[];
  permissions: Set<string>;
  via: 'token' | 'certificate' | 'session';
  bootstrap: boolean;
}

export interface Account {
  id: string;
  name: string;
  displayName: string;
  roles: string[];
  status: 'active' | 'disabled';
  orgUnit: string | null;
  bootstrap: boolean;
  hasPassword: boolean;
  hasTotp: boolean;
  createdAt: string;
}

export class IdentityError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'IdentityError';
  }
}

const TOKEN_PREFIX = 'emsoc_';

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Accounts, roles, API tokens and certificate bindings shared by the console and the RA (both
 * authenticate the same people). Tokens are stored as SHA-256 hashes only.
 */
export class IdentityStore {
  private readonly db: Database.Database;

  constructor(
    file: string,
    private readonly policy: RolePolicy,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS accounts (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
        roles TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active', org_unit TEXT,
        password_hash TEXT, totp_secret TEXT, bootstrap INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS tokens (
        hash TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id), label TEXT,
        created_at TEXT NOT NULL, expires_at TEXT, revoked_at TEXT);
      CREATE TABLE IF NOT EXISTS cert_bindings (
        fingerprint TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id),
        serial TEXT, created_at TEXT NOT NULL);
    `);
  }

  close(): void {
    this.db.close();
  }

  isEmpty(): boolean {
    return (this.db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n === 0;
  }

  createAccount(input: {
    name: string;
    displayName?: string;
    roles: string[];
    orgUnit?: string;
    password?: string;
    totpSecret?: string;
    bootstrap?: boolean;
  }): Account {
    if (!/^[A-Za-z0-9._@-]{2,64}$/.test(input.name)) {
      throw new IdentityError('account name must be 2-64 characters of letters, digits and . _ @ -', 400);
    }
    const violation = input.bootstrap ? undefined : separationViolation(this.policy, input.roles);
    if (violation) throw new IdentityError(violation, 400);
    if (input.bootstrap) for (const r of input.roles) if (!this.policy.roles[r]) throw new IdentityError(`unknown role "${r}"`, 400);
    const id = randomUUID();
    try {
      this.db
        .prepare(
          `INSERT INTO accounts (id, name, display_name, roles, org_unit, password_hash, totp_secret, bootstrap, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          input.name,
          input.displayName ?? input.name,
          JSON.stringify([...new Set(input.roles)].sort()),
          input.orgUnit ?? null,
          input.password ? hashPassword(input.password) : null,
          input.totpSecret ?? null,
          input.bootstrap ? 1 : 0,
          new Date().toISOString(),
        );
    } catch (e) {
      if (String(e).includes('UNIQUE')) throw new IdentityError(`account "${input.name}" already exists`, 409);
      throw e;
    }
    return this.getAccount(id)!;
  }

  setRoles(accountId: string, roles: string[]): Account {
    const account = this.getAccount(accountId);
    if (!account) throw new IdentityError('no such account', 404);
    const violation = account.bootstrap ? undefined : separationViolation(this.policy, roles);
    if (violation) throw new IdentityError(violation, 400);
    this.db.prepare('UPDATE accounts SET roles = ? WHERE id = ?').run(JSON.stringify([...new Set(roles)].sort()), accountId);
    return this.getAccount(accountId)!;
  }

  setStatus(accountId: string, status: 'active' | 'disabled'): void {
    const r = this.db.prepare('UPDATE accounts SET status = ? WHERE id = ?').run(status, accountId);
    if (r.changes === 0) throw new IdentityError('no such account', 404);
  }

  setPassword(accountId: string, password: string): void {
    if (password.length < 12) throw new IdentityError('password must be at least 12 characters', 400);
    this.db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?').run(hashPassword(password), accountId);
  }

  setTotpSecret(accountId: string, secret: string | null): void {
    this.db.prepare('UPDATE accounts SET totp_secret = ? WHERE id = ?').run(secret, accountId);
  }

  getAccount(id: string): Account | undefined {
    const row = this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(id) as AccountRow | undefined;
    return row && toAccount(row);
  }

  findAccountByName(name: string): Account | undefined {
    const row = this.db.prepare('SELECT * FROM accounts WHERE name = ?').get(name) as AccountRow | undefined;
    return row && toAccount(row);
  }

  listAccounts(): Account[] {
    return (this.db.prepare('SELECT * FROM accounts ORDER BY name').all() as AccountRow[]).map(toAccount);
  }

  /** Issues a new API token; the clear token is returned once and never stored. */
  issueToken(accountId: string, label: string, ttlDays?: number): { token: string; expiresAt: string | null } {
    if (!this.getAccount(accountId)) throw new IdentityError('no such account', 404);
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const expiresAt = ttlDays ? new Date(Date.now() + ttlDays * 86_400_000).toISOString() : null;
    this.db
      .prepare('INSERT INTO tokens (hash, account_id, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(tokenHash(token), accountId, label, new Date().toISOString(), expiresAt);
    return { token, expiresAt };
  }

  revokeTokens(accountId: string): number {
    return this.db
      .prepare('UPDATE tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL')
      .run(new Date().toISOString(), accountId).changes;
  }

  private statements = new Map<string, Database.Statement>();

  /** Statements on the per-request authentication path are prepared once, not on every request. */
  private prepared(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  principalFromToken(token: string): Principal | undefined {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
    const row = this.prepared(
      `SELECT a.* FROM tokens t JOIN accounts a ON a.id = t.account_id
       WHERE t.hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)`,
    ).get(tokenHash(token), new Date().toISOString()) as AccountRow | undefined;
    return row ? this.toPrincipal(row, 'token') : undefined;
  }

  bindCertificate(accountId: string, fingerprintSha256: string, serial: string): void {
    this.db
      .prepare('INSERT OR REPLACE INTO cert_bindings (fingerprint, account_id, serial, created_at) VALUES (?, ?, ?, ?)')
      .run(fingerprintSha256.toLowerCase(), accountId, serial, new Date().toISOString());
  }

  /** Resolves a verified client certificate (by SHA-256 fingerprint of its DER) to its account. */
  principalFromCertificate(fingerprintSha256: string): Principal | undefined {
    const row = this.prepared('SELECT a.* FROM cert_bindings b JOIN accounts a ON a.id = b.account_id WHERE b.fingerprint = ?')
      .get(fingerprintSha256.toLowerCase()) as AccountRow | undefined;
    return row ? this.toPrincipal(row, 'certificate') : undefined;
  }

  /** Password check for break-glass local sign-in; TOTP is checked by the caller when configured. */
  checkPassword(name: string, password: string): { account: Account; totpSecret: string | null } | undefined {
    const row = this.db.prepare('SELECT * FROM accounts WHERE name = ?').get(name) as AccountRow | undefined;
    if (!row || row.status !== 'active' || !row.password_hash) return undefined;
    if (!verifyPassword(password, row.password_hash)) return undefined;
    return { account: toAccount(row), totpSecret: row.totp_secret };
  }

  principalForAccount(accountId: string, via: Principal['via']): Principal | undefined {
    const row = this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(accountId) as AccountRow | undefined;
    return row ? this.toPrincipal(row, via) : undefined;
  }

  private toPrincipal(row: AccountRow, via: Principal['via']): Principal | undefined {
    if (row.status !== 'active') return undefined;
    const roles = JSON.parse(row.roles) as string[];
    return {
      accountId: row.id,
      name: row.name,
      roles,
      permissions: permissionsOf(this.policy, roles),
      via,
      bootstrap: row.bootstrap === 1,
    };
  }
}

interface AccountRow {
  id: string;
  name: string;
  display_name: string;
  roles: string;
  status: 'active' | 'disabled';
  org_unit: string | null;
  password_hash: string | null;
  totp_secret: string | null;
  bootstrap: number;
  created_at: string;
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    roles: JSON.parse(row.roles) as string[],
    status: row.status,
    orgUnit: row.org_unit,
    bootstrap: row.bootstrap === 1,
    hasPassword: row.password_hash !== null,
    hasTotp: row.totp_secret !== null,
    createdAt: row.created_at,
  };
}
