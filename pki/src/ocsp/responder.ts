/**
 * Transport-free OCSP responder core (RFC 6960, profile of RFC 5019): request bytes in, DER
 * OCSPResponse out. Every failure mode maps to an OCSP response status and a counter; nothing a
 * client sends can make it throw.
 */
import { OcspIssuer, type OcspIssuerOptions } from './issuer.js';
import { DEFAULT_MAX_CERT_IDS, DEFAULT_MAX_REQUEST_SIZE, OcspRequestError, parseCertIdDer, parseOcspRequest, type OcspRequest } from './request.js';
import { encodeErrorResponse, encodeNonceExtension, encodeSignedResponse, encodeSingleResponse } from './response.js';
import { ResponseCache } from './cache.js';
import { OcspResponseStatus, type CertStatus, type OcspResponseStatusName, type StatusSource } from './types.js';

export interface OcspResponderOptions {
  issuers: readonly (OcspIssuer | OcspIssuerOptions)[];
  statusSource: StatusSource;
  /** nextUpdate − thisUpdate in seconds (default 3600). */
  validitySeconds?: number;
  /** Pre-signed response cache; `false` disables it. refreshFraction (default 0.5) of the validity after which entries are re-signed. */
  cache?: false | { maxEntries?: number; refreshFraction?: number };
  maxRequestSize?: number;
  maxCertIds?: number;
  /** RFC 8954: nonces outside [minNonce, maxNonce] octets are ignored rather than echoed (defaults 1, 32). */
  nonceLength?: { min: number; max: number };
  now?: () => Date;
}

export interface OcspResult {
  der: Uint8Array;
  responseStatus: OcspResponseStatusName;
  /** Set on successful responses. */
  producedAt?: Date;
  /** Earliest nextUpdate of the included SingleResponses (for HTTP caching). */
  nextUpdate?: Date;
  cached: boolean;
  /** True when the response echoes a request nonce (never cacheable by HTTP intermediaries). */
  nonce: boolean;
  /** Why a non-successful status was returned. */
  error?: string;
}

export interface OcspStats {
  requests: number;
  successful: number;
  malformedRequest: number;
  unauthorized: number;
  internalError: number;
  cacheHits: number;
  signed: number;
  good: number;
  revoked: number;
  unknown: number;
}

type FailureStatus = 'malformedRequest' | 'unauthorized' | 'internalError';

export class OcspResponder {
  readonly stats: OcspStats = {
    requests: 0, successful: 0, malformedRequest: 0, unauthorized: 0, internalError: 0,
    cacheHits: 0, signed: 0, good: 0, revoked: 0, unknown: 0,
  };
  readonly cache?: ResponseCache;
  private readonly issuers: OcspIssuer[];
  private readonly source: StatusSource;
  private readonly validityMs: number;
  private readonly refreshMs: number;
  private readonly maxRequestSize: number;
  private readonly maxCertIds: number;
  private readonly nonceMin: number;
  private readonly nonceMax: number;
  private readonly now: () => Date;

  constructor(options: OcspResponderOptions) {
    if (options.issuers.length === 0) throw new Error('an OCSP responder needs at least one issuer');
    this.issuers = options.issuers.map((i) => (i instanceof OcspIssuer ? i : new OcspIssuer(i)));
    this.source = options.statusSource;
    this.validityMs = (options.validitySeconds ?? 3600) * 1000;
    if (!(this.validityMs > 0)) throw new Error('validitySeconds must be positive');
    if (options.cache !== false) {
      this.cache = new ResponseCache(options.cache?.maxEntries);
      this.refreshMs = this.validityMs * (options.cache?.refreshFraction ?? 0.5);
    } else {
      this.refreshMs = 0;
    }
    this.maxRequestSize = options.maxRequestSize ?? DEFAULT_MAX_REQUEST_SIZE;
    this.maxCertIds = options.maxCertIds ?? DEFAULT_MAX_CERT_IDS;
    this.nonceMin = options.nonceLength?.min ?? 1;
    this.nonceMax = options.nonceLength?.max ?? 32;
    this.now = options.now ?? (() => new Date());
  }

  /** Answers one DER OCSPRequest. */
  async respond(requestDer: Uint8Array): Promise<OcspResult> {
    this.stats.requests++;
    let req: OcspRequest;
    try {
      req = parseOcspRequest(requestDer, { maxSize: this.maxRequestSize, maxCertIds: this.maxCertIds });
    } catch (e) {
      if (e instanceof OcspRequestError) return this.fail('malformedRequest', e.message);
      return this.fail('internalError', (e as Error).message);
    }
    return this.respondParsed(req);
  }

  /** The malformedRequest answer a transport gives for requests it cannot even decode. */
  malformed(reason: string): OcspResult {
    this.stats.requests++;
    return this.fail('malformedRequest', reason);
  }

  async respondParsed(req: OcspRequest): Promise<OcspResult> {
    const owners = req.certIds.map((id) => this.issuers.find((i) => i.matches(id)));
    const issuer = owners.find((o) => o !== undefined);
    if (!issuer) return this.fail('unauthorized', 'no CertID names an issuer this responder serves');

    const nonce = req.nonce && this.acceptableNonce(req.nonce) ? req.nonce : undefined;
    const cacheable = this.cache !== undefined && !nonce && req.certIds.length === 1;
    const nowMs = this.now().getTime();
    const key = cacheable ? ResponseCache.key(req.certIds[0]!.der) : '';
    if (cacheable) {
      const hit = this.cache!.get(key, nowMs);
      if (hit) {
        this.stats.cacheHits++;
        this.stats.successful++;
        return { der: hit.der, responseStatus: 'successful', producedAt: hit.producedAt, nextUpdate: hit.nextUpdate, cached: true, nonce: false };
      }
    }

    const epoch = this.cache?.epoch;
    // A single response is signed by one identity, so CertIDs of other issuers are "unknown".
    let statuses: CertStatus[];
    try {
      statuses = await Promise.all(
        req.certIds.map((id, i) => (owners[i] === issuer ? this.source.lookup(id) : ({ status: 'unknown' } as const))),
      );
    } catch (e) {
      return this.fail('internalError', `status lookup failed: ${(e as Error).message}`);
    }

    // Whole seconds: GeneralizedTime carries no fraction, and cache timing should match what clients see.
    const thisUpdate = new Date(Math.floor(nowMs / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.validityMs);
    let der: Uint8Array;
    try {
      const singles = req.certIds.map((id, i) =>
        encodeSingleResponse({ certId: id.der, status: statuses[i]!, thisUpdate, nextUpdate }),
      );
      der = encodeSignedResponse(issuer.identity, {
        producedAt: thisUpdate,
        singleResponses: singles,
        extensions: nonce ? [encodeNonceExtension(nonce)] : undefined,
      });
    } catch (e) {
      return this.fail('internalError', `cannot build response: ${(e as Error).message}`);
    }
    this.stats.signed++;
    this.stats.successful++;
    for (const s of statuses) this.stats[s.status]++; // statuses were validated by encodeCertStatus
    // A revocation that raced with the lookup must not leave the pre-revocation answer cached.
    if (cacheable && this.cache!.epoch === epoch) {
      this.cache!.set(key, { der, producedAt: thisUpdate, nextUpdate, refreshAt: thisUpdate.getTime() + this.refreshMs, serialHex: req.certIds[0]!.serialHex });
    }
    return { der, responseStatus: 'successful', producedAt: thisUpdate, nextUpdate, cached: false, nonce: nonce !== undefined };
  }

  /**
   * Signs and caches the nonce-free response for each serial (positive big-endian bytes) of
   * `issuer` (index into the issuers list) ahead of demand, e.g. from a periodic job. Returns
   * how many were cached.
   */
  async presign(serials: readonly Uint8Array[], options: { issuer?: number; hashAlgorithms?: readonly string[] } = {}): Promise<number> {
    const issuer = this.issuers[options.issuer ?? 0];
    if (!issuer) throw new RangeError('no such issuer');
    let n = 0;
    for (const serial of serials) {
      for (const hashOid of options.hashAlgorithms ?? ['1.3.14.3.2.26']) {
        const der = issuer.certId(serial, hashOid);
        const r = await this.respondParsed({ certIds: [parseCertIdDer(der)], signed: false });
        if (r.responseStatus === 'successful' && this.cache) n++;
      }
    }
    return n;
  }

  /** Call on revocation/hold/release so no pre-signed response outlives the status change. */
  invalidateSerial(serialHex: string): number {
    return this.cache?.invalidateSerial(serialHex) ?? 0;
  }

  /** RFC 8954 length bounds, measured on the inner OCTET STRING when the value is one. */
  private acceptableNonce(value: Uint8Array): boolean {
    let len = value.length;
    if (value[0] === 0x04 && value.length >= 2 && value[1]! < 0x80 && value[1]! + 2 === value.length) len = value[1]!;
    return len >= this.nonceMin && len <= this.nonceMax;
  }

  private fail(status: FailureStatus, error: string): OcspResult {
    this.stats[status]++;
    return { der: encodeErrorResponse(OcspResponseStatus[status]), responseStatus: status, cached: false, nonce: false, error };
  }
}
