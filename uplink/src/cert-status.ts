/**
 * Revocation status of a reporting unit's certificate. The receiver takes any
 * `certificateStatus(certDer) => 'good' | 'revoked' | 'unknown'` (the shared OCSP/CRL status client
 * plugs in here). The default fetches the CRL named in the certificate's cRLDistributionPoints over HTTP,
 * checks the CRL's signature against the issuing CA, and caches it until nextUpdate (at most
 * `maxCacheSeconds`). No CDP, an unreachable CDP or a CRL that does not verify → 'unknown'.
 */
import { verify as verifySignature, X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { inspectCertificate, integerContent, raw, readBitString, readOid, readSingle, readTime, SeqReader, signatureHash, type Tlv } from '@emsoc/pki';
import { decodeTbs } from '@emsoc/pki/lint/tbs-view';

export type CertificateStatus = 'good' | 'revoked' | 'unknown';
export type CertificateStatusCheck = (certDer: Buffer) => Promise<CertificateStatus>;

export interface ParsedCrl {
  tbs: Uint8Array;
  signatureOid: string;
  signature: Uint8Array;
  issuer: Uint8Array;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Revoked serial numbers, lower-case hex without leading zero octets. */
  revoked: Set<string>;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').replace(/^(00)+(?=.)/, '');
const TIME_TAGS = new Set([0x17, 0x18]);

/** RFC 5280 §5.1 CertificateList, read with the strict DER reader. */
export function parseCrl(der: Uint8Array): ParsedCrl {
  const outer = new SeqReader(readSingle(der, 0x30));
  const tbsTlv = outer.next(0x30, 'tbsCertList');
  const alg = new SeqReader(outer.next(0x30, 'signatureAlgorithm'));
  const signatureOid = readOid(alg.next(0x06, 'algorithm'));
  const signature = readBitString(outer.next(0x03, 'signatureValue')).bytes;
  const r = new SeqReader(tbsTlv);
  r.optional(0x02);
  r.next(0x30, 'signature');
  const issuer = raw(r.next(0x30, 'issuer'));
  const thisUpdate = readTime(r.next(undefined, 'thisUpdate'));
  let nextUpdate: Date | undefined;
  const peek = r.peekTag();
  if (peek !== undefined && TIME_TAGS.has(peek)) nextUpdate = readTime(r.next());
  const revoked = new Set<string>();
  const list: Tlv | undefined = r.optional(0x30);
  if (list) {
    const entries = new SeqReader(list);
    while (!entries.done) {
      const e = new SeqReader(entries.next(0x30, 'revokedCertificate'));
      revoked.add(hex(integerContent(e.next(0x02, 'userCertificate'))));
    }
  }
  return { tbs: raw(tbsTlv), signatureOid, signature, issuer, thisUpdate, ...(nextUpdate ? { nextUpdate } : {}), revoked };
}

function fetchUrl(url: string, timeoutMs: number, maxBytes = 16 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { timeout: timeoutMs }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`CRL fetch ${url}: HTTP ${res.statusCode}`));
      }
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n > maxBytes) req.destroy(new Error('CRL too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`CRL fetch ${url}: timeout`)));
    req.on('error', reject);
  });
}

export interface CrlStatusOptions {
  /** Issuer certificates the CRL signature may be checked against (the trusted CAs). */
  issuers: () => X509Certificate[];
  maxCacheSeconds?: number;
  timeoutMs?: number;
  fetch?: (url: string) => Promise<Buffer>;
  now?: () => number;
}

/** The default status check: CRL from the CDP, verified and cached per URL. */
export function crlStatusCheck(o: CrlStatusOptions): CertificateStatusCheck & { invalidate(): void } {
  const cache = new Map<string, { crl: ParsedCrl; until: number }>();
  const inflight = new Map<string, Promise<ParsedCrl>>();
  const now = o.now ?? Date.now;
  const fetcher = o.fetch ?? ((url: string) => fetchUrl(url, o.timeoutMs ?? 5000));

  async function load(url: string, issuer: X509Certificate): Promise<ParsedCrl> {
    const hit = cache.get(url);
    if (hit && hit.until > now()) return hit.crl;
    let p = inflight.get(url);
    if (!p) {
      p = (async () => {
        const crl = parseCrl(await fetcher(url));
        const hash = signatureHash(crl.signatureOid);
        if (!hash || !verifySignature(hash, crl.tbs, issuer.publicKey, crl.signature)) throw new Error(`CRL from ${url} does not verify against ${issuer.subject}`);
        if (crl.nextUpdate && crl.nextUpdate.getTime() < now()) throw new Error(`CRL from ${url} is stale (nextUpdate ${crl.nextUpdate.toISOString()})`);
        const maxUntil = now() + (o.maxCacheSeconds ?? 300) * 1000;
        cache.set(url, { crl, until: Math.min(maxUntil, crl.nextUpdate?.getTime() ?? maxUntil) });
        return crl;
      })().finally(() => inflight.delete(url));
      inflight.set(url, p);
    }
    return p;
  }

  const check = async (certDer: Buffer): Promise<CertificateStatus> => {
    try {
      const cert = new X509Certificate(certDer);
      const issuer = o.issuers().find((i) => cert.checkIssued(i) && cert.verify(i.publicKey));
      if (!issuer) return 'unknown';
      const urls = (decodeTbs(inspectCertificate(certDer).tbs).crlDistributionUris ?? []).filter((u) => /^https?:\/\//.test(u));
      if (urls.length === 0) return 'unknown';
      const serial = cert.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, '');
      for (const url of urls) {
        try {
          const crl = await load(url, issuer);
          return crl.revoked.has(serial) ? 'revoked' : 'good';
        } catch {
          // try the next distribution point
        }
      }
      return 'unknown';
    } catch {
      return 'unknown';
    }
  };
  return Object.assign(check, { invalidate: () => cache.clear() });
}
