import { sign } from 'node:crypto';
import path from 'node:path';
import { bitString, createIssuer, loadDevCa, sequence, signPrepared, type DevCa, type Issuer } from '@emsoc/pki';
import type { RaRepository } from '../store/repository.js';
import type { CaConnector, IssueRequest } from './connector.js';
import { loadOrCreateSm2Root, type Sm2Root } from './sm2-root.js';

export interface StatusUrls {
  /** Full CRL, e.g. http://host:8446/crl/root.crl */
  crl: string;
  /** Delta CRL (freshestCRL of the full one), e.g. http://host:8446/crl/root-delta.crl */
  deltaCrl: string;
  /** CA certificate (AIA caIssuers), e.g. http://host:8446/ca/root.crt */
  caIssuers: string;
  /** OCSP responder (AIA ocsp), e.g. http://host:8446/ocsp */
  ocsp: string;
}

export function statusUrls(publicHost: string, statusPort: number, caName = 'root'): StatusUrls {
  const host = publicHost.includes(':') && !publicHost.startsWith('[') ? `[${publicHost}]` : publicHost;
  const base = `http://${host}:${statusPort}`;
  return { crl: `${base}/crl/${caName}.crl`, deltaCrl: `${base}/crl/${caName}-delta.crl`, caIssuers: `${base}/ca/${caName}.crt`, ocsp: `${base}/ocsp` };
}

/**
 * The embedded development CA (pki/dev-ca, `<dataDir>/ca/root.pem` + `root-key.pem`) as a connector,
 * plus its SM2 root (`<dataDir>/ca-sm2/`, created when an SM2 profile exists). It signs exactly the
 * TBS the RA prepared and linted; CRLs and OCSP are the status service's job (src/status), which it
 * notifies of every committed status change.
 */
export class EmbeddedCa implements CaConnector {
  readonly kind = 'embedded';
  readonly crlName = 'root';
  private readonly issuers = new Map<string, Issuer>();
  /** Set by the status service: publishes CRLs/OCSP after each committed status change. */
  onStatusChange: ((serial: string) => Promise<void>) | undefined;

  sm2: Sm2Root | undefined;
  private sm2Urls: StatusUrls | undefined;

  constructor(
    readonly ca: DevCa,
    private readonly urls: StatusUrls,
    private readonly repo: RaRepository,
    private readonly dataDir?: string,
  ) {}

  static load(dataDir: string, urls: StatusUrls, repo: RaRepository): EmbeddedCa {
    return new EmbeddedCa(loadDevCa(path.join(dataDir, 'ca')), urls, repo, dataDir);
  }

  /** Loads (creating on first use) the SM2 root in `<dataDir>/ca-sm2/`; called when SM2 profiles exist. */
  enableSm2(urls: StatusUrls): Sm2Root {
    if (!this.dataDir) throw new Error('the SM2 root needs the data directory');
    this.sm2 ??= loadOrCreateSm2Root(path.join(this.dataDir, 'ca-sm2'));
    this.sm2Urls = urls;
    return this.sm2;
  }

  issuer(opts: { crl: boolean; aia: boolean; signature?: 'sm2-with-sm3' }): Issuer {
    const sm2 = opts.signature === 'sm2-with-sm3';
    if (sm2 && !this.sm2) throw new Error('no SM2 root configured (no SM2 profile was loaded)');
    const key = `${opts.crl}/${opts.aia}/${sm2}`;
    let i = this.issuers.get(key);
    if (!i) {
      const u = sm2 ? this.sm2Urls! : this.urls;
      const o = { crlUrls: opts.crl ? [u.crl] : [], ocspUrls: opts.aia ? [u.ocsp] : [], caIssuersUrls: opts.aia ? [u.caIssuers] : [] };
      i = sm2 ? this.sm2!.issuer(o) : createIssuer(this.ca.certificateDer, this.ca.signer, o);
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
   * assembled as signPrepared does and checked against the signer's algorithm first. SM2 TBSs go to
   * the SM2 root (pki's SM2 signer, synchronous).
   */
  async issue(req: IssueRequest): Promise<Uint8Array> {
    const { prepared } = req;
    if (this.sm2 && Buffer.compare(Buffer.from(prepared.signatureAlgorithm), Buffer.from(this.sm2.signer.algorithmIdentifier)) === 0) {
      return signPrepared(prepared, this.sm2.signer);
    }
    const signer = this.ca.signer;
    if (Buffer.compare(Buffer.from(prepared.signatureAlgorithm), Buffer.from(signer.algorithmIdentifier)) !== 0) {
      return signPrepared(prepared, signer); // throws the pki error for the mismatch
    }
    const sig = await new Promise<Buffer>((resolve, reject) =>
      sign(signer.hash, prepared.tbsDer, signer.keyType === 'ec' ? { key: signer.privateKey, dsaEncoding: 'der' } : signer.privateKey, (err, s) => (err ? reject(err) : resolve(s))),
    );
    return sequence(prepared.tbsDer, prepared.signatureAlgorithm, bitString(sig));
  }

  async revocationChanged(change: { serial: string }): Promise<void> {
    await this.onStatusChange?.(change.serial);
  }

  async status(serial: string): Promise<'good' | 'revoked' | 'unknown'> {
    const c = await this.repo.getCertificate(serial);
    if (!c || c.status === 'reserved' || c.status === 'failed') return 'unknown';
    return c.status === 'valid' ? 'good' : 'revoked';
  }

  async close(): Promise<void> {}
}
