/**
 * CA connector speaking CMP to a remote CA (e.g. the ministry CA). The RA still prepares and lints the
 * TBS; the connector forwards its subject, key, validity and extensions as a CRMF CertTemplate (ir/cr,
 * POP raVerified: the RA checked the CSR's signature) or the original CSR (p10cr), confirms the
 * certificate explicitly and checks it is really the CA's and for the requested key.
 *
 * Idempotency: the transactionID is derived from the RA request id, so a retry after a lost response
 * is the same CMP transaction; RFC 4210 CAs do not publish a certificate that was never confirmed
 * (certConf), and the embedded CA's endpoint answers a repeated request of an open transaction with
 * the certificate it already made instead of a second one.
 */
import { createPrivateKey } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createKeySigner, inspectCertificate, type CertTemplate, type Protection } from '@emsoc/pki';
import { REVOCATION_REASONS } from '../../model.js';
import type { RaRepository } from '../../store/repository.js';
import type { CaConnector, IssueRequest } from '../connector.js';
import { EXT, readCertificates, readConfigFile, remoteIssuer, statusFromRepo, tbsFields } from '../remote.js';
import { CmpClient, issuedBy, transactionIdFor } from './client.js';

export const cmpConnectorConfig = z
  .object({
    /** CMP endpoint (RFC 6712), e.g. http://ca.example:8080/pkix/ */
    url: z.string().url(),
    /** PEM: the issuing CA certificate first, then its chain up to the root. */
    caCertFile: z.string(),
    /** PEM files trusted to sign CMP responses (default: the CA chain). */
    trustedFiles: z.array(z.string()).optional(),
    body: z.enum(['ir', 'cr', 'p10cr']).default('ir'),
    mac: z
      .object({ reference: z.string().min(1), secretFile: z.string(), algorithm: z.enum(['pbm', 'pbmac1']).default('pbm'), iterations: z.number().int().min(100).max(100_000).default(10_000) })
      .strict()
      .optional(),
    signature: z.object({ certFile: z.string(), keyFile: z.string() }).strict().optional(),
    implicitConfirm: z.boolean().default(false),
    timeoutMs: z.number().int().min(100).default(30_000),
    maxPollSeconds: z.number().int().min(0).default(300),
    maxPollIntervalSeconds: z.number().min(0).default(60),
    keepAlive: z.boolean().default(true),
    /** URLs the remote CA writes into certificates (so the RA's lint sees the same TBS shape). */
    crlUrls: z.array(z.string()).default([]),
    ocspUrls: z.array(z.string()).default([]),
    caIssuersUrls: z.array(z.string()).default([]),
  })
  .strict()
  .refine((c) => !!c.mac !== !!c.signature, { message: 'give exactly one of mac or signature protection' });
export type CmpConnectorConfig = z.infer<typeof cmpConnectorConfig>;

/** Extensions the remote CA should reproduce; identifiers (SKI/AKI) and CDP/AIA are the CA's own business. */
const FORWARDED = [EXT.subjectAltName, EXT.keyUsage, EXT.extKeyUsage, EXT.basicConstraints, EXT.certificatePolicies];

export function protectionFrom(dataDir: string, c: Pick<CmpConnectorConfig, 'mac' | 'signature'>): Protection {
  if (c.mac) {
    const secret = readConfigFile(dataDir, c.mac.secretFile).toString('utf8').trim();
    return { type: c.mac.algorithm, secret, senderKID: Buffer.from(c.mac.reference, 'utf8'), iterations: c.mac.iterations };
  }
  const s = c.signature!;
  const [cert, ...chain] = readCertificates(dataDir, s.certFile);
  return { type: 'signature', signer: createKeySigner(createPrivateKey(readConfigFile(dataDir, s.keyFile))), certificate: cert!, extraCerts: chain };
}

export class CmpConnector implements CaConnector {
  readonly kind = 'cmp';
  private readonly client: CmpClient;
  private readonly chainCerts: Uint8Array[];
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly cfg: CmpConnectorConfig,
    dataDir: string,
    private readonly repo: RaRepository,
    private readonly logger?: Logger,
  ) {
    this.chainCerts = readCertificates(dataDir, cfg.caCertFile);
    const trusted = cfg.trustedFiles?.flatMap((f) => readCertificates(dataDir, f)) ?? this.chainCerts;
    this.client = new CmpClient({
      url: cfg.url,
      protection: protectionFrom(dataDir, cfg),
      recipientName: inspectCertificate(this.chainCerts[0]!).subject,
      senderName: cfg.signature ? inspectCertificate(readCertificates(dataDir, cfg.signature.certFile)[0]!).subject : undefined,
      trusted,
      timeoutMs: cfg.timeoutMs,
      implicitConfirm: cfg.implicitConfirm,
      maxPollMs: cfg.maxPollSeconds * 1000,
      maxPollIntervalMs: cfg.maxPollIntervalSeconds * 1000,
      keepAlive: cfg.keepAlive,
    });
  }

  issuer(opts: { crl: boolean; aia: boolean }) {
    return remoteIssuer(this.chainCerts[0]!, { crl: this.cfg.crlUrls, ocsp: this.cfg.ocspUrls, caIssuers: this.cfg.caIssuersUrls }, opts);
  }

  chain(): Uint8Array[] {
    return this.chainCerts;
  }

  async issue(req: IssueRequest): Promise<Uint8Array> {
    const f = tbsFields(req.prepared.tbsDer, req.prepared);
    const transactionID = transactionIdFor(req.requestId ?? req.prepared.serialHex);
    const useCsr = this.cfg.body === 'p10cr' && req.csrDer;
    const template: CertTemplate = {
      subject: f.subject,
      publicKey: f.publicKeyInfo,
      validity: { notBefore: f.notBefore, notAfter: f.notAfter },
      extensions: FORWARDED.map((id) => f.extensions.get(id)).filter((e): e is Uint8Array => !!e),
    };
    const r = useCsr
      ? await this.client.certify({ body: 'p10cr', csr: req.csrDer!, transactionID })
      : await this.client.certify({ body: this.cfg.body === 'cr' ? 'cr' : 'ir', template, transactionID });
    const cert = inspectCertificate(r.certificate);
    if (Buffer.compare(Buffer.from(cert.publicKeyInfo), Buffer.from(f.publicKeyInfo)) !== 0) throw new Error('the CA certified a different public key');
    if (!issuedBy(r.certificate, this.chainCerts[0]!)) throw new Error('the returned certificate is not signed by the configured CA');
    return r.certificate;
  }

  /** rr to the CA; a failure is logged and retried in the background (the RA has already committed). */
  async revocationChanged(change: { serial: string; reason: keyof typeof REVOCATION_REASONS | null; at: Date }): Promise<void> {
    await this.sendRevocation(change.serial, change.reason === null ? REVOCATION_REASONS.removeFromCRL : REVOCATION_REASONS[change.reason], 0);
  }

  private async sendRevocation(serial: string, reason: number, attempt: number): Promise<void> {
    clearTimeout(this.pending.get(serial));
    this.pending.delete(serial);
    try {
      await this.client.revoke({ issuer: inspectCertificate(this.chainCerts[0]!).subject, serialNumber: Buffer.from(serial, 'hex'), reason, transactionID: transactionIdFor(`rr:${serial}:${reason}`) });
      this.logger?.info({ serial, reason }, 'revocation sent to the CA');
    } catch (e) {
      const delay = Math.min(600_000, 5_000 * 2 ** attempt);
      this.logger?.error({ err: e, serial, reason, attempt, retryInMs: delay }, 'CA did not take the revocation; retrying');
      if (attempt < 20) {
        const t = setTimeout(() => void this.sendRevocation(serial, reason, attempt + 1), delay);
        t.unref();
        this.pending.set(serial, t);
      }
    }
  }

  /** Serials whose revocation the CA has not acknowledged yet (kept in memory). */
  pendingRevocations(): string[] {
    return [...this.pending.keys()];
  }

  status(serial: string) {
    return statusFromRepo(this.repo, serial);
  }

  async close(): Promise<void> {
    for (const t of this.pending.values()) clearTimeout(t);
    this.client.close();
  }
}
