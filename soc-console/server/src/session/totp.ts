import { randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { base32Encode, totp } from '@emsoc/common/auth';

/** RFC 6238 parameters every common authenticator app uses: HMAC-SHA1, 30 s steps, 6 digits. */
export const TOTP_STEP_MS = 30_000;
/** Pending (unconfirmed) enrolments expire: the secret was shown on one screen, once. */
export const PENDING_ENROLMENT_MS = 10 * 60_000;
/** How long a new or reset account may enrol with its password alone. */
export const ENROLMENT_WINDOW_MS = 72 * 3_600_000;

/**
 * The time step (counter) whose code equals `code`, checking the current step and one either side for
 * clock drift (RFC 6238 §5.2), or undefined. The step is what replay protection remembers.
 */
export function matchTotpStep(secretBase32: string, code: string, atMs: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const now = Math.floor(atMs / TOTP_STEP_MS);
  let found: number | undefined;
  for (const step of [now - 1, now, now + 1]) {
    // Compare all three in constant time: which step matched must not show in the timing.
    if (timingSafeEqual(Buffer.from(totp(secretBase32, step * TOTP_STEP_MS)), Buffer.from(code)) && found === undefined) found = step;
  }
  return found;
}

export function newTotpSecret(): string {
  return base32Encode(randomBytes(20)); // 160 bits, the RFC 4226 recommended length
}

/** Key URI understood by authenticator apps (label `issuer:account`, parameters spelled out). */
export function otpauthUri(issuer: string, account: string, secretBase32: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  return `otpauth://totp/${label}?secret=${secretBase32}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}

interface Row {
  account_id: string;
  last_step: number | null;
  pending_secret: string | null;
  pending_ms: number | null;
  enrol_until_ms: number | null;
}

/**
 * Console-side TOTP state (the active secret itself lives in the shared IdentityStore): the last accepted
 * step per account (a code is accepted once; older steps never again), an enrolment awaiting its
 * confirming code, and the window in which a new or reset account may enrol with its password alone.
 */
export class TotpState {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS totp_state (
      account_id TEXT PRIMARY KEY, last_step INTEGER, pending_secret TEXT, pending_ms INTEGER, enrol_until_ms INTEGER)`);
  }

  private row(accountId: string): Row | undefined {
    return this.db.prepare('SELECT * FROM totp_state WHERE account_id = ?').get(accountId) as Row | undefined;
  }

  private ensure(accountId: string): void {
    this.db.prepare('INSERT OR IGNORE INTO totp_state (account_id) VALUES (?)').run(accountId);
  }

  /** Records `step` as used; false when it (or a later step) was already used: a replay. */
  accept(accountId: string, step: number): boolean {
    this.ensure(accountId);
    return this.db.prepare('UPDATE totp_state SET last_step = ? WHERE account_id = ? AND (last_step IS NULL OR last_step < ?)').run(step, accountId, step).changes === 1;
  }

  startPending(accountId: string): { secret: string; expiresMs: number } {
    const secret = newTotpSecret();
    const t = this.now();
    this.ensure(accountId);
    this.db.prepare('UPDATE totp_state SET pending_secret = ?, pending_ms = ? WHERE account_id = ?').run(secret, t, accountId);
    return { secret, expiresMs: t + PENDING_ENROLMENT_MS };
  }

  /** The unexpired pending secret, if any. */
  pending(accountId: string): { secret: string; expiresMs: number } | undefined {
    const r = this.row(accountId);
    if (!r?.pending_secret || r.pending_ms === null) return undefined;
    const expiresMs = r.pending_ms + PENDING_ENROLMENT_MS;
    return expiresMs > this.now() ? { secret: r.pending_secret, expiresMs } : undefined;
  }

  /** The pending secret became the active one: forget it and close the enrolment window. */
  activated(accountId: string): void {
    this.db.prepare('UPDATE totp_state SET pending_secret = NULL, pending_ms = NULL, enrol_until_ms = NULL WHERE account_id = ?').run(accountId);
  }

  /** Opens the password-only enrolment window (new account, or reset by a security administrator). */
  openWindow(accountId: string): number {
    const until = this.now() + ENROLMENT_WINDOW_MS;
    this.ensure(accountId);
    this.db.prepare('UPDATE totp_state SET enrol_until_ms = ?, pending_secret = NULL, pending_ms = NULL WHERE account_id = ?').run(until, accountId);
    return until;
  }

  windowOpen(accountId: string): boolean {
    const r = this.row(accountId);
    return r?.enrol_until_ms != null && r.enrol_until_ms > this.now();
  }
}
