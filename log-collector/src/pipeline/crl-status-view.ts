/**
 * A synchronous certificate-status view for the live detection stage (the `certstatus` modifier's
 * `statusLookup` hook), fed asynchronously from the CRLs the RA's status service publishes.
 *
 * Each CRL URL is fetched at start and again every `refreshMs` (never later than the CRL's nextUpdate),
 * verified against the CA certificate(s) with pki's strict CRL reader, and indexed by serial; a lookup is
 * then one Map probe, so detection never waits on the network. A failed fetch, a bad signature, a delta
 * CRL or one older than the held one is counted and logged, and the last good CRL keeps answering.
 *
 * Answers: 'revoked' for a listed serial with any reason but certificateHold / removeFromCRL,
 * 'suspended' for certificateHold, undefined when not listed or no CRL is loaded yet.
 * Known limits (a CRL cannot tell): lookups by SHA-256 fingerprint and 'expired' always answer
 * undefined; serials are matched without their issuer, so the view relies on the RA's serials being
 * unique across its CAs (random 16+ octet serials); a revocation reaches detection after at most one
 * refresh interval. The counters live where the view runs (the sink worker's registry) and reach the
 * collector's /metrics through the sink metrics relay (sinks/store/sink-metrics-relay.ts).
 */
import type { Logger } from 'pino';
import type { StatusLookup } from '@emsoc/detection';
import { crlDer, fetchBounded, inspectCertificate, pemBlocks, readCrl, sm2Verifier, VerifierRegistry, type CertificateInfo, type CrlIndex } from '@emsoc/pki';
import { counter } from '@emsoc/common/metrics';

export interface CrlStatusViewOptions {
  crlUrls: readonly string[];
  /** PEM text with the CA certificate(s) the CRLs must be signed by; a function is re-read on each fetch. */
  caCertificatePem: string | (() => string);
  logger: Logger;
  /** Refresh interval (default 60 s); a CRL's nextUpdate brings the next fetch forward. */
  refreshMs?: number;
  /** Per fetch (default 5 s). */
  timeoutMs?: number;
  /** Largest CRL accepted (default 32 MiB). */
  maxCrlBytes?: number;
}

export interface CrlStatusView {
  lookup: StatusLookup;
  /** Resolves once every URL has been tried once (successfully or not). */
  ready: Promise<void>;
  /** Fetches every CRL now (the timers keep running). */
  refresh(): Promise<void>;
  close(): void;
}

type Answer = 'revoked' | 'suspended';

interface Loaded {
  thisUpdate: number;
  answers: Map<string, Answer>;
}

const fetchFailures = counter('emsoc_collector_crl_fetch_failures_total', 'CRL fetches for the detection status view that failed or were refused (the last good CRL keeps answering)', ['crl']);
const fetchesOk = counter('emsoc_collector_crl_fetches_total', 'CRLs fetched, verified and loaded into the detection status view', ['crl']);

/** Shortest wait between fetches of one URL, even when its nextUpdate has already passed. */
const MIN_DELAY_MS = 1000;

/** Serials as the RA stores them: lowercase hex, whole octets, no leading 00 octets; undefined when not hex. */
export function normalizeSerial(value: string): string | undefined {
  let s = value.trim().replace(/^0x/i, '').replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(s)) return undefined;
  if (s.length % 2) s = `0${s}`;
  while (s.length > 2 && s.startsWith('00')) s = s.slice(2);
  return s;
}

/** The `<name>` of `…/crl/<name>.crl`, for metric labels (bounded: one per configured URL). */
const crlLabel = (url: string): string => /\/([^/?#]+?)(?:\.crl)?(?:[?#].*)?$/.exec(url)?.[1] ?? url;

export function createCrlStatusView(o: CrlStatusViewOptions): CrlStatusView {
  const refreshMs = o.refreshMs ?? 60_000;
  const timeoutMs = o.timeoutMs ?? 5000;
  const maxBytes = o.maxCrlBytes ?? 32 * 1024 * 1024;
  const registry = new VerifierRegistry().register(sm2Verifier);
  const loaded = new Map<string, Loaded>();
  const timers = new Map<string, NodeJS.Timeout>();
  const failing = new Set<string>();
  let closed = false;

  const cas = (): CertificateInfo[] => {
    const pem = typeof o.caCertificatePem === 'function' ? o.caCertificatePem() : o.caCertificatePem;
    return pemBlocks(pem)
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => inspectCertificate(b.der));
  };

  const verify = (der: Uint8Array): CrlIndex => {
    const roots = cas();
    if (roots.length === 0) throw new Error('no CA certificate to verify the CRL with');
    let why = '';
    for (const ca of roots) {
      try {
        return readCrl(der, ca, registry);
      } catch (e) {
        why = (e as Error).message;
      }
    }
    throw new Error(`CRL refused: ${why}`);
  };

  const load = async (url: string): Promise<number | undefined> => {
    const der = crlDer(await fetchBounded(url, { timeoutMs, maxBytes }));
    const crl = verify(der);
    if (crl.delta) throw new Error('a delta CRL is served where the full CRL is expected');
    const held = loaded.get(url);
    if (held && crl.thisUpdate.getTime() < held.thisUpdate) throw new Error('CRL older than the one held (replayed or stale mirror)');
    const answers = new Map<string, Answer>();
    for (const [serial, r] of crl.revoked) {
      if (r.reason === 'removeFromCRL') continue;
      answers.set(serial, r.reason === 'certificateHold' ? 'suspended' : 'revoked');
    }
    loaded.set(url, { thisUpdate: crl.thisUpdate.getTime(), answers });
    return crl.nextUpdate?.getTime();
  };

  /** One fetch of one URL; never rejects. Schedules the next one. */
  const cycle = async (url: string): Promise<void> => {
    let delay = refreshMs;
    const label = crlLabel(url);
    try {
      const nextUpdate = await load(url);
      fetchesOk.inc({ crl: label });
      if (failing.delete(url)) o.logger.info({ crl: url }, 'CRL for the detection status view loaded again');
      if (nextUpdate !== undefined) delay = Math.max(MIN_DELAY_MS, Math.min(refreshMs, nextUpdate - Date.now()));
    } catch (e) {
      fetchFailures.inc({ crl: label });
      // Logged when a failure streak starts (not every interval), counted every time.
      if (!failing.has(url)) o.logger.warn({ crl: url, err: (e as Error).message, keeping: loaded.has(url) ? 'last good CRL' : 'no CRL yet' }, 'CRL for the detection status view not loaded');
      failing.add(url);
    }
    if (closed) return;
    clearTimeout(timers.get(url));
    const t = setTimeout(() => void cycle(url), delay);
    t.unref();
    timers.set(url, t);
  };

  const refresh = async () => {
    await Promise.all(o.crlUrls.map((u) => cycle(u)));
  };

  const lookup: StatusLookup = (q) => {
    if (q.serial === undefined) return undefined; // a fingerprint: not answerable from a CRL
    const serial = normalizeSerial(q.serial);
    if (serial === undefined) return undefined;
    let found: Answer | undefined;
    for (const l of loaded.values()) {
      const a = l.answers.get(serial);
      if (a === 'revoked') return a;
      found ??= a;
    }
    return found;
  };

  return {
    lookup,
    ready: refresh(),
    refresh,
    close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}

