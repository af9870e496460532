import { sign } from 'node:crypto';
import path from 'node:path';
import { bitString, createIssuer, issueCaCrl, loadDevCa, sequence, signPrepared, type DevCa, type Issuer } from '@emsoc/pki';
import { REVOCATION_REASONS } from '../model.js';
import type { RaRepository } from '../store/repository.js';
import type { CaConnector, IssueRequest } from './connector.js';

export interface StatusUrls {
  /** Full CRL, e.g. http://host:8446/crl/root.crl */
  crl: string;
  /** CA certificate (AIA caIssuers), e.g. http://host:8446/ca/root.crt */
  caIssuers: string;
}

export function statusUrls(publicHost: string, statusPort: number, caName = 'root'): StatusUrls {
  const host = publicHost.includes(':') && !publicHost.startsWith('[') ? `[${publicHost}]` : publicHost;
  const base = `http://${host}:${statusPort}`;
  return { crl: `${base}/crl/${caName}.crl`, caIssuers: `${base}/ca/${caName}.crt` };
}

/**
 * The embedded development CA (pki/dev-ca, `<dataDir>/ca/root.pem` + `root-key.pem`) as a connector.
 * It signs exactly the TBS the RA prepared and linted, and publishes a full CRL regenerated after
 * every revocation change (and before the previous one expires).
 */
export class EmbeddedCa implements CaConnector {
  readonly kind = 'embedded';
  private readonly issuers = new Map<string, Issuer>();
  private crlDer: Uint8Array | undefined;
  private crlNextUpdate = 0;
  private regenerating: Promise<Uint8Array> | undefined;
  private dirty = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly ca: DevCa,
    private readonly urls: StatusUrls,
    private readonly repo: RaRepository,
    private readonly crlValidityHours = 24,
    readonly crlName = 'root',
  ) {
    // Refresh well before nextUpdate even when nothing changes.
    this.timer = setInterval(() => void this.crl().catch(() => undefined), 3_600_000);
    this.timer.unref();
  }

  static load(dataDir: string, urls: StatusUrls, repo: RaRepository): EmbeddedCa {
    return new EmbeddedCa(loadDevCa(path.join(dataDir, 'ca')), urls, repo);
  }

  issuer(opts: { crl: boolean; aia: boolean }): Issuer {
    const key = `${opts.crl}/${opts.aia}`;
    let i = this.issuers.get(key);
    if (!i) {
      i = createIssuer(this.ca.certificateDer, this.ca.signer, {
        crlUrls: opts.crl ? [this.urls.crl] : [],
        caIssuersUrls: opts.aia ? [this.urls.caIssuers] : [],
      });
      this.issuers.set(key, i);
    }
    return i;
  }

  chain(): Uint8Array[] {
    return [this.ca.certificateDer];
  }

  /**
   * Signs exactly the prepared (linted) TBS. ECDSA runs on libuv's thread pool (crypto.sign with a
   * callback) so signatures proceed in parallel and the event loop keeps serving; the result is
   * assembled as signPrepared does and checked against the signer's algorithm first.
   */
  async issue(req: IssueRequest): Promise<Uint8Array> {
    const { prepared } = req;
    const signer = this.ca.signer;
    if (Buffer.compare(Buffer.from(prepared.signatureAlgorithm), Buffer.from(signer.algorithmIdentifier)) !== 0) {
      return signPrepared(prepared, signer); // throws the pki error for the mismatch
    }
    const sig = await new Promise<Buffer>((resolve, reject) =>
      sign(signer.hash, prepared.tbsDer, signer.keyType === 'ec' ? { key: signer.privateKey, dsaEncoding: 'der' } : signer.privateKey, (err, s) => (err ? reject(err) : resolve(s))),
    );
    return sequence(prepared.tbsDer, prepared.signatureAlgorithm, bitString(sig));
  }

  async revocationChanged(): Promise<void> {
    this.dirty = true;
    await this.crl();
  }

  async status(serial: string): Promise<'good' | 'revoked' | 'unknown'> {
    const c = await this.repo.getCertificate(serial);
    if (!c || c.status === 'reserved' || c.status === 'failed') return 'unknown';
    return c.status === 'valid' ? 'good' : 'revoked';
  }

  /** The current full CRL; regenerated when revocations changed or half its validity has passed. */
  crl(): Promise<Uint8Array> {
    const stale = Date.now() > this.crlNextUpdate - (this.crlValidityHours * 3_600_000) / 2;
    if (this.crlDer && !this.dirty && !stale) return Promise.resolve(this.crlDer);
    if (!this.regenerating) {
      this.dirty = false;
      this.regenerating = this.generate().finally(() => (this.regenerating = undefined));
    }
    return this.regenerating;
  }

  private async generate(): Promise<Uint8Array> {
    const entries = await this.repo.revocationEntries();
    const thisUpdate = new Date();
    const der = await this.repo.tx(async (w) => {
      const crlNumber = await w.nextCrlNumber(this.crlName);
      const out = issueCaCrl(this.ca, {
        crlNumber,
        thisUpdate,
        validityHours: this.crlValidityHours,
        entries: entries.map((e) => ({ serialNumber: e.serial, revocationDate: new Date(e.revokedAt), reason: REVOCATION_REASONS[e.reason] as 0 })),
      });
      await w.audit({
        eventType: 'crl.published',
        objectType: 'crl',
        objectId: `${this.crlName}#${crlNumber}`,
        outcome: 'success',
        actor: { id: 'system', name: 'system:ra', roles: [], sourceIp: null },
        details: { crlNumber, entries: entries.length },
      });
      return out;
    });
    this.crlDer = der;
    this.crlNextUpdate = thisUpdate.getTime() + this.crlValidityHours * 3_600_000;
    return der;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.regenerating?.catch(() => undefined);
  }
}
