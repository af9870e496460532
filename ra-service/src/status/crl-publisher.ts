/**
 * Full and delta CRLs for one authority. The full CRL is re-signed on every status change (pki's
 * encoder is linear: 100,000 entries in well under a second) and carries freshestCRL pointing at
 * the delta. The delta lists what changed since its base — a full CRL kept as base for
 * `deltaBaseSeconds` — including resumptions as removeFromCRL, so delta-aware clients holding an
 * older full CRL stay current without downloading it again.
 */
import type { Logger } from 'pino';
import type { RevokedEntry } from '@emsoc/pki';
import { REVOCATION_REASONS, type RevocationReason } from '../model.js';
import type { RaRepository } from '../store/repository.js';
import type { StatusAuthority } from './authority.js';
import { buildStatusCrl } from './crl.js';

export interface RevocationRow {
  serial: string;
  revokedAt: string;
  reason: RevocationReason;
}

interface Snapshot {
  number: bigint;
  at: number;
  entries: Map<string, RevocationRow>;
}

export interface PublishedCrl {
  der: Uint8Array;
  number: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: number;
}

export interface CrlPublisherOptions {
  fullValidityHours: number;
  deltaValiditySeconds: number;
  deltaBaseSeconds: number;
  deltaUrl: string;
}

const SYSTEM = { id: 'system', name: 'system:ra', roles: [], sourceIp: null };

const toEntry = (r: RevocationRow, reason = REVOCATION_REASONS[r.reason]): RevokedEntry => ({
  serialNumber: r.serial,
  revocationDate: new Date(r.revokedAt),
  reason: reason as RevokedEntry['reason'],
});

export class CrlPublisher {
  full: PublishedCrl | undefined;
  delta: PublishedCrl | undefined;
  /** What the last publication contained (to find what changed since). */
  published: Map<string, RevocationRow> = new Map();
  private base: Snapshot | undefined;

  constructor(
    readonly authority: StatusAuthority,
    private readonly repo: RaRepository,
    private readonly o: CrlPublisherOptions,
    private readonly logger: Logger,
  ) {}

  /** Signs a new full and delta CRL from `rows` (this authority's revoked/held certificates). */
  async publish(rows: readonly RevocationRow[], now = new Date()): Promise<void> {
    const current = new Map(rows.map((r) => [r.serial, r]));
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const rotate = !this.base || now.getTime() - this.base.at >= this.o.deltaBaseSeconds * 1000;
    const { fullNo, deltaNo } = await this.repo.tx(async (w) => {
      const fullNo = BigInt(await w.nextCrlNumber(this.authority.name));
      const deltaNo = BigInt(await w.nextCrlNumber(this.authority.name));
      await w.audit({
        eventType: 'crl.published',
        objectType: 'crl',
        objectId: `${this.authority.name}#${fullNo}`,
        outcome: 'success',
        actor: SYSTEM,
        details: { crlNumber: Number(fullNo), deltaCrlNumber: Number(deltaNo), entries: rows.length },
      });
      return { fullNo, deltaNo };
    });
    const a = this.authority;
    const fullNext = new Date(thisUpdate.getTime() + this.o.fullValidityHours * 3_600_000);
    const fullDer = buildStatusCrl(
      { issuerName: a.issuerName, keyIdentifier: a.keyIdentifier, crlNumber: fullNo, thisUpdate, nextUpdate: fullNext, entries: rows.map((r) => toEntry(r)), freshestUrl: this.o.deltaUrl },
      a.signer,
    );
    if (rotate) this.base = { number: fullNo, at: now.getTime(), entries: current };
    const base = this.base!;
    const changes: RevokedEntry[] = [];
    for (const r of rows) {
      const b = base.entries.get(r.serial);
      if (!b || b.reason !== r.reason || b.revokedAt !== r.revokedAt) changes.push(toEntry(r));
    }
    for (const [serial, b] of base.entries) {
      // Released from hold (or otherwise gone) since the base: removeFromCRL (RFC 5280 §5.3.1).
      if (!current.has(serial)) changes.push(toEntry({ ...b, serial }, REVOCATION_REASONS.removeFromCRL));
    }
    const deltaNext = new Date(thisUpdate.getTime() + this.o.deltaValiditySeconds * 1000);
    const deltaDer = buildStatusCrl(
      { issuerName: a.issuerName, keyIdentifier: a.keyIdentifier, crlNumber: deltaNo, thisUpdate, nextUpdate: deltaNext, entries: changes, deltaBase: base.number },
      a.signer,
    );
    this.full = { der: fullDer, number: fullNo, thisUpdate, nextUpdate: fullNext, entries: rows.length };
    this.delta = { der: deltaDer, number: deltaNo, thisUpdate, nextUpdate: deltaNext, entries: changes.length };
    this.published = current;
    this.logger.debug({ ca: a.name, crlNumber: Number(fullNo), entries: rows.length, delta: changes.length }, 'CRLs published');
  }

  /** Serials whose published status differs from `rows`. */
  changedSince(rows: readonly RevocationRow[]): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const r of rows) {
      seen.add(r.serial);
      const p = this.published.get(r.serial);
      if (!p || p.reason !== r.reason || p.revokedAt !== r.revokedAt) out.push(r.serial);
    }
    for (const s of this.published.keys()) if (!seen.has(s)) out.push(s);
    return out;
  }

  /** True when a CRL is past half its validity (relying parties must never see an expired one). */
  stale(now = Date.now()): boolean {
    if (!this.full || !this.delta) return true;
    const half = (p: PublishedCrl) => p.thisUpdate.getTime() + (p.nextUpdate.getTime() - p.thisUpdate.getTime()) / 2;
    return now >= half(this.full) || now >= half(this.delta);
  }
}
