/**
 * Revocation status for relying parties on the plain-HTTP status port: full + delta CRLs per
 * authority and an RFC 6960 OCSP responder (pki's transport-free OcspResponder) answering from
 * the RA repository. Local status changes are published at once (OCSP cache entries dropped,
 * CRLs re-signed); a sweep every `maxPropagationSeconds` compares the repository with what was
 * last published and catches changes made elsewhere (another RA node on the same database, or a
 * publication that failed), so no change stays invisible longer than that bound.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { CERT_ID_HASHES, inspectCertificate, OcspResponder, publicKeyBits, type CertId, type CertStatus, type StatusSource } from '@emsoc/pki';
import { counter } from '@emsoc/common';
import { REVOCATION_REASONS } from '../model.js';
import type { RaRepository } from '../store/repository.js';
import { normalizeSerial, type StatusAuthority } from './authority.js';
import { CrlPublisher, type RevocationRow } from './crl-publisher.js';

export interface StatusOptions {
  /** Upper bound for a status change to reach CRLs and OCSP (default 60 s). */
  maxPropagationSeconds: number;
  fullCrlValidityHours: number;
  deltaCrlValiditySeconds: number;
  /** How long a full CRL stays the base that delta CRLs are computed against. */
  deltaBaseSeconds: number;
  /** OCSP nextUpdate − thisUpdate. */
  ocspValiditySeconds: number;
  ocspCacheEntries: number;
}

export const DEFAULT_STATUS_OPTIONS: StatusOptions = {
  maxPropagationSeconds: 60,
  fullCrlValidityHours: 24,
  deltaCrlValiditySeconds: 900,
  deltaBaseSeconds: 6 * 3600,
  ocspValiditySeconds: 3600,
  ocspCacheEntries: 100_000,
};

const ocspCounter = counter('emsoc_ra_ocsp_responses_total', 'OCSP responses by response status', ['status']);

export interface StatusUrlsFor {
  crl(name: string): string;
  deltaCrl(name: string): string;
}

export class StatusService {
  responder: OcspResponder;
  private delegates: Array<{ notBefore: number; notAfter: number } | undefined> = [];
  readonly publishers: CrlPublisher[];
  private readonly o: StatusOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly authorities: StatusAuthority[],
    private readonly repo: RaRepository,
    private readonly profileOf: (profileId: string) => StatusAuthority | undefined,
    urls: StatusUrlsFor,
    private readonly logger: Logger,
    options: Partial<StatusOptions> = {},
  ) {
    this.o = { ...DEFAULT_STATUS_OPTIONS, ...options };
    this.publishers = authorities.map(
      (a) =>
        new CrlPublisher(a, repo, {
          fullValidityHours: this.o.fullCrlValidityHours,
          deltaValiditySeconds: Math.max(this.o.deltaCrlValiditySeconds, 2 * this.o.maxPropagationSeconds),
          deltaBaseSeconds: this.o.deltaBaseSeconds,
          deltaUrl: urls.deltaCrl(a.name),
        }, logger),
    );
    this.responder = this.buildResponder();
  }

  /** A responder with fresh delegated signing certificates (the response cache starts empty). */
  private buildResponder(): OcspResponder {
    const now = Date.now();
    const issuers = this.authorities.map((a, i) => {
      if (!a.delegate) return { caCertificate: a.certificateDer, signer: a.signer };
      const d = a.delegate();
      this.delegates[i] = { notBefore: now, notAfter: d.notAfter.getTime() };
      return { caCertificate: a.certificateDer, signer: d.signer, responderCertificate: d.certificate };
    });
    return new OcspResponder({ issuers, statusSource: this.statusSource(), validitySeconds: this.o.ocspValiditySeconds, cache: { maxEntries: this.o.ocspCacheEntries } });
  }

  get options(): Readonly<StatusOptions> {
    return this.o;
  }

  authority(name: string): StatusAuthority | undefined {
    return this.authorities.find((a) => a.name === name);
  }

  publisher(name: string): CrlPublisher | undefined {
    return this.publishers.find((p) => p.authority.name === name);
  }

  /** First publication, then the propagation sweep. */
  async start(): Promise<void> {
    await this.sync(true);
    this.timer = setInterval(() => void this.sync(false).catch((e) => this.logger.error({ err: e }, 'status sweep failed')), this.o.maxPropagationSeconds * 1000);
    this.timer.unref();
  }

  /** A revocation, suspension or resumption was committed here: drop cached answers, re-publish. */
  async changed(serial: string): Promise<void> {
    this.responder.invalidateSerial(normalizeSerial(serial));
    await this.sync(true);
  }

  /**
   * Reads the repository once, invalidates OCSP answers for every serial whose status differs from
   * what was published, and re-signs CRLs where something changed (or `force`, or half-expired).
   * Runs are serialised; a request during a run schedules one more run.
   */
  sync(force: boolean): Promise<void> {
    if (this.running) {
      this.again ||= force;
      return this.running.then(() => (this.running ? this.running : this.sync(false)));
    }
    this.running = this.syncOnce(force).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.sync(true).catch((e) => this.logger.error({ err: e }, 'status publication failed'));
      }
    });
    return this.running;
  }

  private async syncOnce(force: boolean): Promise<void> {
    const now = Date.now();
    // Delegated responder certificates are replaced at half their life; the OCSP answers must outlive none.
    if (this.delegates.some((d) => d && now >= (d.notBefore + d.notAfter) / 2 - this.o.ocspValiditySeconds * 1000)) this.responder = this.buildResponder();
    const rows = await this.repo.revocationEntries();
    const per = new Map<CrlPublisher, RevocationRow[]>(this.publishers.map((p) => [p, []]));
    for (const r of rows) {
      const a = this.profileOf(r.profile);
      const p = a && this.publishers.find((x) => x.authority === a);
      if (p) per.get(p)!.push(r);
    }
    for (const [p, list] of per) {
      const changed = p.changedSince(list);
      for (const s of changed) this.responder.invalidateSerial(s);
      if (force || changed.length > 0 || p.stale()) await p.publish(list);
    }
  }

  private statusSource(): StatusSource {
    return {
      lookup: async (id: CertId): Promise<CertStatus> => {
        const serial = normalizeSerial(id.serialHex);
        const c = await this.repo.getCertificate(serial);
        if (!c || !c.der || c.status === 'reserved' || c.status === 'failed') return { status: 'unknown' };
        // The responder matched the CertID to one of our CAs; the certificate must be that CA's.
        const owner = this.profileOf(c.profile);
        if (!owner || !issuerMatches(owner, id)) return { status: 'unknown' };
        if (c.status === 'valid') return { status: 'good' };
        if (c.status === 'revoked' || c.status === 'suspended') {
          return { status: 'revoked', revokedAt: new Date(c.revokedAt ?? c.issuedAt ?? Date.now()), reason: REVOCATION_REASONS[c.revocationReason ?? (c.status === 'suspended' ? 'certificateHold' : 'unspecified')] };
        }
        return { status: 'unknown' };
      },
    };
  }

  countResponse(status: string): void {
    ocspCounter.inc({ status });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

const matchCache = new WeakMap<StatusAuthority, Map<string, { name: string; key: string }>>();
/** CertID issuerNameHash/issuerKeyHash against this authority (RFC 6960 §4.1.1). */
export function issuerMatches(a: StatusAuthority, id: CertId): boolean {
  let m = matchCache.get(a);
  if (!m) matchCache.set(a, (m = new Map()));
  let h = m.get(id.hashAlgorithm);
  if (!h) {
    const alg = CERT_ID_HASHES[id.hashAlgorithm];
    if (!alg) return false;
    const info = inspectCertificate(a.certificateDer);
    h = { name: createHash(alg).update(info.subject).digest('hex'), key: createHash(alg).update(publicKeyBits(info.publicKeyInfo)).digest('hex') };
    m.set(id.hashAlgorithm, h);
  }
  return Buffer.from(id.issuerNameHash).toString('hex') === h.name && Buffer.from(id.issuerKeyHash).toString('hex') === h.key;
}
