/**
 * The one certificate status client relying services use (console certificate sign-in, collector
 * syslog-TLS clients, uplink receiver): asks the OCSP responder named in the certificate's AIA,
 * falls back to the CRL at its CDP, and caches answers until nextUpdate (capped by maxAgeMs) in a
 * bounded LRU. Concurrent checks of the same certificate share one network round trip. Anything
 * that goes wrong (no URL, timeout, bad signature, garbage) ends as 'unknown' with a reason — the
 * caller decides whether unknown is acceptable.
 */
import { createHash } from 'node:crypto';
import { pemBlocks } from '../der/index.js';
import { crlDer, fetchBounded } from './fetch.js';
import { decodeTbs } from '../lint/index.js';
import { sm2Verifier } from '../sm2/index.js';
import { VerifierRegistry } from '../verifiers.js';
import { inspectCertificate, type CertificateInfo } from '../x509/certificate.js';
import { readCrl, type CrlIndex } from './crl.js';
import { buildCertId, buildOcspRequest, issuedBy, readOcspResponse, type StatusAnswer } from './ocsp.js';

export type CertificateStatus = 'good' | 'revoked' | 'unknown';

export interface StatusResult {
  status: CertificateStatus;
  /** CRL reason when revoked (e.g. keyCompromise, certificateHold); why when unknown. */
  reason?: string;
  source: 'ocsp' | 'crl' | 'cache' | 'none';
}

export interface StatusClientOptions {
  /** Trusted issuing CAs (DER); a certificate whose issuer is not among them is 'unknown'. */
  caCertificates: readonly Uint8Array[];
  /** Per network request (default 3000 ms). */
  timeoutMs?: number;
  /** Cached answers (default 10,000) and CRLs (default 16). */
  cacheSize?: number;
  crlCacheSize?: number;
  /** Upper bound on how long an answer is reused even if nextUpdate is later (default 300 s). */
  maxAgeMs?: number;
  /** Largest OCSP response / CRL accepted (default 64 KiB / 32 MiB). */
  maxOcspBytes?: number;
  maxCrlBytes?: number;
  now?: () => Date;
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

/** Map in insertion order as a small LRU: hits are re-inserted, the oldest evicted. */
class Lru<T> {
  private readonly m = new Map<string, Cached<T>>();
  constructor(private readonly max: number) {}
  get(k: string, now: number): T | undefined {
    const e = this.m.get(k);
    if (!e) return undefined;
    this.m.delete(k);
    if (e.expiresAt <= now) return undefined;
    this.m.set(k, e);
    return e.value;
  }
  set(k: string, value: T, expiresAt: number): void {
    this.m.delete(k);
    while (this.m.size >= this.max) this.m.delete(this.m.keys().next().value!);
    this.m.set(k, { value, expiresAt });
  }
  get size(): number {
    return this.m.size;
  }
}

const OID_AD_OCSP = '1.3.6.1.5.5.7.48.1';

export class CertificateStatusClient {
  readonly stats = { checks: 0, cacheHits: 0, ocsp: 0, crl: 0, failures: 0 };
  private readonly cas: CertificateInfo[];
  private readonly registry = new VerifierRegistry().register(sm2Verifier);
  private readonly answers: Lru<StatusResult>;
  private readonly crls: Lru<CrlIndex>;
  private readonly inflight = new Map<string, Promise<StatusResult>>();
  private readonly o: Required<Omit<StatusClientOptions, 'caCertificates'>>;

  constructor(options: StatusClientOptions) {
    this.cas = options.caCertificates.map((c) => inspectCertificate(c));
    this.o = {
      timeoutMs: options.timeoutMs ?? 3000,
      cacheSize: options.cacheSize ?? 10_000,
      crlCacheSize: options.crlCacheSize ?? 16,
      maxAgeMs: options.maxAgeMs ?? 300_000,
      maxOcspBytes: options.maxOcspBytes ?? 65_536,
      maxCrlBytes: options.maxCrlBytes ?? 32 * 1024 * 1024,
      now: options.now ?? (() => new Date()),
    };
    this.answers = new Lru(Math.max(1, this.o.cacheSize));
    this.crls = new Lru(Math.max(1, this.o.crlCacheSize));
  }

  async check(certDer: Uint8Array): Promise<StatusResult> {
    this.stats.checks++;
    let cert: CertificateInfo;
    try {
      cert = inspectCertificate(certDer);
    } catch (e) {
      this.stats.failures++;
      return { status: 'unknown', reason: `unreadable certificate: ${(e as Error).message}`, source: 'none' };
    }
    const issuer = this.cas.find((ca) => issuedBy(this.registry, cert, ca));
    if (!issuer) {
      this.stats.failures++;
      return { status: 'unknown', reason: 'not issued by a trusted CA', source: 'none' };
    }
    const key = `${createHash('sha256').update(issuer.publicKeyInfo).digest('hex')}/${Buffer.from(cert.serialNumber).toString('hex')}`;
    const hit = this.answers.get(key, this.o.now().getTime());
    if (hit) {
      this.stats.cacheHits++;
      return { ...hit, source: 'cache' };
    }
    let p = this.inflight.get(key);
    if (!p) {
      p = this.lookup(cert, issuer, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async lookup(cert: CertificateInfo, issuer: CertificateInfo, key: string): Promise<StatusResult> {
    let view;
    try {
      view = decodeTbs(cert.tbs);
    } catch (e) {
      this.stats.failures++;
      return { status: 'unknown', reason: `unreadable certificate: ${(e as Error).message}`, source: 'none' };
    }
    const reasons: string[] = [];
    const ocspUrls = (view.authorityInfoAccess ?? []).filter((a) => a.method === OID_AD_OCSP && a.uri && /^https?:\/\//.test(a.uri)).map((a) => a.uri!);
    for (const url of ocspUrls) {
      try {
        const certId = buildCertId(issuer, cert.serialNumber);
        const body = await fetchBounded(url, { timeoutMs: this.o.timeoutMs, maxBytes: this.o.maxOcspBytes, init: { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: Buffer.from(buildOcspRequest(certId)) } });
        const a = readOcspResponse(body, certId, issuer, this.registry, this.o.now());
        this.stats.ocsp++;
        return this.remember(key, a, 'ocsp');
      } catch (e) {
        reasons.push(`OCSP ${url}: ${(e as Error).message}`);
      }
    }
    for (const url of (view.crlDistributionUris ?? []).filter((u) => /^https?:\/\//.test(u))) {
      try {
        const crl = await this.crl(url, issuer);
        const serial = Buffer.from(cert.serialNumber).toString('hex').replace(/^(00)+(?=..)/, '');
        const r = crl.revoked.get(serial);
        const a: StatusAnswer = r && r.reason !== 'removeFromCRL'
          ? { status: 'revoked', reason: r.reason ?? 'unspecified', revokedAt: r.revokedAt, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate }
          : { status: 'good', thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate };
        this.stats.crl++;
        return this.remember(key, a, 'crl');
      } catch (e) {
        reasons.push(`CRL ${url}: ${(e as Error).message}`);
      }
    }
    this.stats.failures++;
    return { status: 'unknown', reason: reasons.join('; ') || 'the certificate names no OCSP responder or CRL', source: 'none' };
  }

  private remember(key: string, a: StatusAnswer, source: 'ocsp' | 'crl'): StatusResult {
    const result: StatusResult = { status: a.status, reason: a.reason, source };
    const now = this.o.now().getTime();
    const until = Math.min(a.nextUpdate?.getTime() ?? Infinity, now + this.o.maxAgeMs);
    if (until > now) this.answers.set(key, result, until);
    return result;
  }

  private async crl(url: string, issuer: CertificateInfo): Promise<CrlIndex> {
    const now = this.o.now().getTime();
    const hit = this.crls.get(url, now);
    if (hit) return hit;
    const der = crlDer(await fetchBounded(url, { timeoutMs: this.o.timeoutMs, maxBytes: this.o.maxCrlBytes }));
    const idx = readCrl(der, issuer, this.registry);
    if (idx.delta) throw new Error('the CDP serves a delta CRL');
    if (idx.nextUpdate && idx.nextUpdate.getTime() < now - 300_000) throw new Error('CRL has expired');
    this.crls.set(url, idx, Math.min(idx.nextUpdate?.getTime() ?? Infinity, now + this.o.maxAgeMs));
    return idx;
  }
}

export interface CertificateStatusCheckOptions {
  /** One or more PEM CA certificates (e.g. `<dataDir>/ca/root.pem`, plus the SM2 root). */
  caCertificatePem: string;
  timeoutMs?: number;
  cacheSize?: number;
}

/**
 * The hook services expose as `certificateStatus(certDer)`: 'good' | 'revoked' | 'unknown'.
 * The detailed result (reason, source) is available through `.client`.
 */
export function createCertificateStatusCheck(o: CertificateStatusCheckOptions): ((certDer: Uint8Array) => Promise<CertificateStatus>) & { client: CertificateStatusClient } {
  const cas = pemBlocks(o.caCertificatePem).filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
  if (cas.length === 0) throw new Error('caCertificatePem holds no CERTIFICATE');
  const client = new CertificateStatusClient({ caCertificates: cas, timeoutMs: o.timeoutMs, cacheSize: o.cacheSize });
  const check = async (certDer: Uint8Array) => (await client.check(certDer)).status;
  return Object.assign(check, { client });
}
