import type { PreparedCertificate } from '@emsoc/pki/x509/certificate';
import type { Issuer } from '@emsoc/pki/x509/certificate';
import type { RevocationReason } from '../model.js';
import type { Profile } from '../policy/profiles.js';

export interface IssueRequest {
  /** TBS prepared and linted by the RA; the embedded CA signs exactly these bytes. */
  prepared: PreparedCertificate;
  /** The subscriber's CSR when there was one (remote CAs that rebuild the certificate need it). */
  csrDer: Uint8Array | null;
  profile: Profile;
  /** RA request id: remote connectors derive their idempotency key (CMP transactionID) from it. */
  requestId?: string;
  /** Serial the RA reserved (remote CAs that accept client-chosen serials use it). */
  serialHex?: string;
}

/**
 * The CA as the RA sees it. The RA decides policy and prepares certificates; a connector only signs,
 * records revocations and answers status. `config.ra.ca.connector` picks the implementation
 * (embedded, cmp, cfssl — see connectors.ts). A remote CA may choose its own serial; the RA stores the
 * certificate under the serial it actually carries.
 */
export interface CaConnector {
  readonly kind: string;
  /** Issuer context for preparing TBS certificates (CDP/AIA variants chosen per profile; SM2 profiles ask for an SM2 issuer). */
  issuer(opts: { crl: boolean; aia: boolean; signature?: 'sm2-with-sm3' }): Issuer;
  /** Issuing CA first, up to (and including) the root. */
  chain(): Uint8Array[];
  issue(req: IssueRequest): Promise<Uint8Array>;
  /** Called after the RA committed a revocation, suspension or resumption. */
  revocationChanged(change: { serial: string; reason: RevocationReason | null; at: Date }): Promise<void>;
  status(serial: string): Promise<'good' | 'revoked' | 'unknown'>;
  close(): Promise<void>;
}

export type ConnectorFactory = (options: Record<string, unknown>) => Promise<CaConnector>;
