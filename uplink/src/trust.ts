/**
 * Certificate checks of the receiving tier: the signer chain (x5c) must lead to a trusted CA, every
 * certificate be within its validity, the leaf be an end-entity P-256 key allowed for client
 * authentication/signing. The unit named by the certificate is its subject CN.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { pemBlocks } from './unit-identity.js';

export class TrustError extends Error {
  override name = 'TrustError';
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export function loadCaFiles(files: readonly string[]): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const f of files) for (const b of pemBlocks(fs.readFileSync(f, 'utf8'))) out.push(new X509Certificate(b));
  return out;
}

export function commonName(cert: X509Certificate): string | undefined {
  for (const line of cert.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

export const fingerprintOf = (cert: X509Certificate) => cert.fingerprint256.replace(/:/g, '').toLowerCase();

export interface VerifiedSigner {
  leaf: X509Certificate;
  unitId: string;
  fingerprint: string;
}

/** Verifies the chain; results are cached per leaf fingerprint for a minute (the check is per message). */
export class ChainVerifier {
  private readonly cache = new Map<string, { until: number; result: VerifiedSigner | TrustError }>();

  constructor(
    private readonly anchors: () => X509Certificate[],
    private readonly now: () => number = Date.now,
  ) {}

  verify(chainDer: Buffer[]): VerifiedSigner {
    const key = chainDer.map((c) => c.toString('base64')).join('.');
    const hit = this.cache.get(key);
    const t = this.now();
    if (hit && hit.until > t) {
      if (hit.result instanceof TrustError) throw hit.result;
      return hit.result;
    }
    let result: VerifiedSigner | TrustError;
    try {
      result = this.check(chainDer, t);
    } catch (e) {
      result = e instanceof TrustError ? e : new TrustError(`certificate unreadable: ${(e as Error).message}`);
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { until: t + 60_000, result });
    if (result instanceof TrustError) throw result;
    return result;
  }

  private check(chainDer: Buffer[], t: number): VerifiedSigner {
    const chain = chainDer.map((d) => new X509Certificate(d));
    const leaf = chain[0]!;
    const within = (c: X509Certificate) => Date.parse(c.validFrom) <= t && t <= Date.parse(c.validTo);
    if (leaf.ca) throw new TrustError('signer certificate is a CA certificate');
    if (leaf.publicKey.asymmetricKeyType !== 'ec' || leaf.publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new TrustError('signer key is not P-256 (ES256)');
    const eku = leaf.keyUsage;
    if (eku && eku.length && !eku.includes(CLIENT_AUTH)) throw new TrustError('signer certificate is not for client authentication');
    const anchors = this.anchors();
    let cur = leaf;
    for (let depth = 0; depth < 6; depth++) {
      if (!within(cur)) throw new TrustError(`certificate ${commonName(cur) ?? cur.subject} is expired or not yet valid`);
      const anchor = anchors.find((a) => cur.checkIssued(a) && cur.verify(a.publicKey));
      if (anchor) {
        if (!within(anchor)) throw new TrustError('trusted CA certificate is expired');
        const unitId = commonName(leaf);
        if (!unitId) throw new TrustError('signer certificate has no CN naming the unit');
        return { leaf, unitId, fingerprint: fingerprintOf(leaf) };
      }
      const next = chain.find((c) => c !== cur && c.ca && cur.checkIssued(c) && cur.verify(c.publicKey));
      if (!next) throw new TrustError('certificate chain does not lead to a trusted CA');
      cur = next;
    }
    throw new TrustError('certificate chain too long');
  }
}
