/**
 * The embedded CA as a CMP peer (RFC 4210/9480 over HTTP, RFC 6712): ir/cr/p10cr/kur/rr/certConf/
 * pollReq. Every certificate request goes through the RA's normal path (CSR/key checks, willingToIssue,
 * prepare + lint, audit) as the configured CMP client account; a profile that needs approval makes the
 * answer "waiting" and the client polls until an officer decides.
 *
 * Clients authenticate with a MAC (PBM or PBMAC1) under a shared secret per reference value, or with a
 * signature by a certificate this CA issued that is still valid. Anything malformed, unauthenticated,
 * replayed or out of sequence is answered with a CMP error message and counted; nothing throws out.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { counter, HttpError } from '@emsoc/common';
import {
  certHash,
  certHashAlgorithm,
  CmpDecodeError,
  decodeGeneralName,
  decodeMessage,
  describeBody,
  directoryName,
  defaultVerifiers,
  encodeMessage,
  inspectCertificate,
  isMacAlgorithm,
  NULL_DN,
  PKI_STATUS,
  protectMessage,
  readOid,
  readSingle,
  replyHeader,
  SeqReader,
  children,
  content,
  toPem,
  verifyMacProtection,
  verifySignatureProtection,
  type CertReqMsg,
  type DecodedPkiMessage,
  type FailInfo,
  type PkiBody,
  type PkiHeader,
  type Protection,
  type Signer,
} from '@emsoc/pki';
import { REVOCATION_REASONS, type CertRequest, type RevocationReason, type SanEntry } from '../../model.js';
import type { Caller, RegistrationAuthority } from '../../ra.js';
import type { RaRepository } from '../../store/repository.js';
import { serialHexOf } from '../issued.js';
import { readConfigFile } from '../remote.js';
import { issuedBy, statusText } from './client.js';

export const cmpServerConfig = z
  .object({
    enabled: z.boolean().default(false),
    /** Own listener port while the status listener cannot mount extra routes (0 = any free port). */
    port: z.number().int().min(0).max(65535).optional(),
    path: z.string().startsWith('/').default('/cmp'),
    /** Profile for requests that do not name one (clients may override per entry). */
    profile: z.string().default('service-automation'),
    /** MAC clients: reference value (senderKID) → shared secret and the subject record certificates are for. */
    clients: z
      .array(
        z
          .object({
            reference: z.string().min(1),
            secret: z.string().min(8).optional(),
            secretFile: z.string().optional(),
            subjectId: z.string(),
            profile: z.string().optional(),
            /** A downstream RA that checked the subscriber's CSR itself may send POP raVerified. */
            acceptRaVerified: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
    /** Accept signature protection by valid certificates this CA issued (subject and profile from that certificate). */
    signatureClients: z.boolean().default(true),
    /** rr by the key holder (signature with the certificate itself, or the MAC client of its subject) executes at once. */
    selfRevocation: z.boolean().default(true),
    /** Seconds a transaction waits for certConf; an unconfirmed certificate is then revoked (RFC 4210 §5.3.18). */
    confirmWaitSeconds: z.number().int().min(1).default(300),
    /** Seconds of clock skew tolerated in messageTime. */
    maxSkewSeconds: z.number().int().min(1).default(600),
    checkAfterSeconds: z.number().int().min(0).default(10),
  })
  .strict();
export type CmpServerConfig = z.infer<typeof cmpServerConfig>;

const handled = counter('emsoc_ra_cmp_messages_total', 'CMP messages handled by the embedded CA endpoint, by body and outcome', ['body', 'outcome']);

class CmpFault extends Error {
  constructor(readonly failInfo: FailInfo, message: string) {
    super(message);
  }
}

interface Client {
  id: string;
  /** Subject record the client's certificates are for. */
  subjectId: string;
  profile: string;
  protection: Protection;
  /** Serial of the protecting certificate (signature clients). */
  certSerial?: string;
  acceptRaVerified?: boolean;
}

interface Transaction {
  clientId: string;
  /** Our last senderNonce: the next client message must carry it as recipNonce. */
  ourNonce: Uint8Array;
  state: 'waiting' | 'confirm';
  requestHash: string;
  requestId: string;
  certReqId: number;
  body: 'ip' | 'cp' | 'kup';
  certificate?: Uint8Array;
  serial?: string;
  expires: number;
}

export interface CmpServerDeps {
  ra: RegistrationAuthority;
  repo: RaRepository;
  caCert: Uint8Array;
  caSigner: Signer;
  logger: Logger;
  dataDir: string;
}

const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : '');

export class CmpServer {
  private readonly tx = new Map<string, Transaction>();
  private readonly seenNonces = new Map<string, number>();
  private readonly macClients = new Map<string, Client>();
  private readonly caName: Uint8Array;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly cfg: CmpServerConfig,
    private readonly d: CmpServerDeps,
  ) {
    this.caName = inspectCertificate(d.caCert).subject;
    for (const c of cfg.clients) {
      const secret = c.secret ?? (c.secretFile ? readConfigFile(d.dataDir, c.secretFile).toString('utf8').trim() : undefined);
      if (!secret) throw new Error(`CMP client ${c.reference}: secret or secretFile is required`);
      this.macClients.set(c.reference, { id: `cmp:${c.reference}`, subjectId: c.subjectId, profile: c.profile ?? cfg.profile, protection: { type: 'pbm', secret }, acceptRaVerified: c.acceptRaVerified });
    }
    this.sweeper = setInterval(() => void this.sweep(), Math.min(5_000, cfg.confirmWaitSeconds * 500));
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  /** True for requests addressed to this endpoint (for a listener that routes several services). */
  matches(req: http.IncomingMessage): boolean {
    return (req.url ?? '').split('?')[0] === this.cfg.path;
  }

  /** Node request listener for POST <path> with application/pkixcmp (bodies up to 64 KiB). */
  httpHandler(): (req: http.IncomingMessage, res: http.ServerResponse) => void {
    return (req, res) => {
      const url = (req.url ?? '').split('?')[0];
      if (url !== this.cfg.path) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST application/pkixcmp\n');
      if (!String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/pkixcmp')) {
        return void res.writeHead(415, { 'content-type': 'text/plain' }).end('content type must be application/pkixcmp\n');
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 65_536) {
          res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('too large\n');
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => {
        if (res.headersSent) return;
        this.handle(new Uint8Array(Buffer.concat(chunks)), req.socket.remoteAddress ?? null)
          .then((out) => res.writeHead(200, { 'content-type': 'application/pkixcmp', 'content-length': out.length, 'cache-control': 'no-store' }).end(Buffer.from(out)))
          .catch((e) => {
            this.d.logger.error({ err: e }, 'CMP endpoint failure');
            res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
          });
      });
      req.on('error', () => undefined);
    };
  }

  /** One PKIMessage in, one PKIMessage out. Never throws for bad input. */
  async handle(der: Uint8Array, sourceIp: string | null): Promise<Uint8Array> {
    let msg: DecodedPkiMessage;
    try {
      msg = decodeMessage(der);
    } catch (e) {
      handled.inc({ body: 'undecodable', outcome: 'error' });
      this.d.logger.warn({ sourceIp, err: (e as Error).message }, 'CMP: undecodable message');
      return this.errorMessage(undefined, undefined, 'badDataFormat', `malformed PKIMessage: ${(e as Error).message}`);
    }
    let client: Client | undefined;
    try {
      this.checkHeader(msg.header);
      client = this.authenticate(msg);
      this.checkReplay(msg.header);
      const body = await this.dispatch(msg, client, sourceIp);
      handled.inc({ body: msg.body.type, outcome: 'ok' });
      return this.reply(msg.header, body, client, true);
    } catch (e) {
      const fault = e instanceof CmpFault ? e : new CmpFault('systemFailure', 'internal error');
      if (!(e instanceof CmpFault)) this.d.logger.error({ err: e, sourceIp }, 'CMP: request failed');
      handled.inc({ body: msg.body.type === 'unknown' ? 'unknown' : msg.body.type, outcome: fault.failInfo });
      this.d.logger.warn({ sourceIp, body: describeBody(msg.body), failInfo: fault.failInfo, reason: fault.message, transactionID: hex(msg.header.transactionID), client: client?.id }, 'CMP: refused');
      return this.errorMessage(msg.header, client, fault.failInfo, fault.message);
    }
  }

  private errorMessage(to: PkiHeader | undefined, client: Client | undefined, failInfo: FailInfo, text: string): Uint8Array {
    const body: PkiBody = { type: 'error', status: { status: PKI_STATUS.rejection, failInfo: [failInfo], statusString: [text] } };
    if (!to) return encodeMessage({ header: { pvno: 2, sender: directoryName(this.caName), recipient: NULL_DN, messageTime: new Date() }, body });
    return this.reply(to, body, client);
  }

  /** Replies are protected like the request (same shared secret, or our CA signature); unprotected only for unknown clients. */
  private reply(to: PkiHeader, body: PkiBody, client: Client | undefined, advance = false): Uint8Array {
    const header = replyHeader(to, directoryName(this.caName));
    // Only answers that continue the transaction move the nonce the client must echo next.
    if (advance && to.transactionID) {
      const t = this.tx.get(hex(to.transactionID));
      if (t) t.ourNonce = header.senderNonce!;
    }
    if (!client) return encodeMessage({ header, body });
    if (client.protection.type === 'signature') return protectMessage({ header, body }, { type: 'signature', signer: this.d.caSigner, certificate: this.d.caCert });
    return protectMessage({ header, body }, client.protection);
  }

  private checkHeader(h: PkiHeader): void {
    if (h.pvno !== 2 && h.pvno !== 3) throw new CmpFault('unsupportedVersion', `pvno ${h.pvno} not supported`);
    if (!h.transactionID || h.transactionID.length < 8 || h.transactionID.length > 64) throw new CmpFault('badRequest', 'transactionID missing or of odd length');
    if (!h.senderNonce || h.senderNonce.length < 8 || h.senderNonce.length > 64) throw new CmpFault('badSenderNonce', 'senderNonce missing or of odd length');
    if (h.messageTime && Math.abs(h.messageTime.getTime() - Date.now()) > this.cfg.maxSkewSeconds * 1000) throw new CmpFault('badTime', 'messageTime too far from our clock');
  }

  private checkReplay(h: PkiHeader): void {
    const key = `${hex(h.transactionID)}/${hex(h.senderNonce)}`;
    if (this.seenNonces.has(key)) throw new CmpFault('badSenderNonce', 'replayed message (transactionID and senderNonce seen before)');
    this.seenNonces.set(key, Date.now() + this.cfg.confirmWaitSeconds * 2000);
  }

  private authenticate(msg: DecodedPkiMessage): Client {
    const h = msg.header;
    if (!h.protectionAlg || !msg.protection) throw new CmpFault('badMessageCheck', 'message is not protected');
    if (isMacAlgorithm(h.protectionAlg)) {
      const ref = h.senderKID ? Buffer.from(h.senderKID).toString('utf8') : '';
      const c = this.macClients.get(ref);
      if (!c) throw new CmpFault('badMessageCheck', 'unknown senderKID (reference value)');
      try {
        verifyMacProtection(msg, (c.protection as { secret: string }).secret);
      } catch (e) {
        throw new CmpFault('badMessageCheck', (e as Error).message);
      }
      return c;
    }
    if (!this.cfg.signatureClients) throw new CmpFault('wrongIntegrity', 'signature protection is not accepted here');
    const kid = h.senderKID;
    const certs = msg.extraCerts ?? [];
    const cert = kid ? certs.find((c) => { const s = safeSki(c); return s && Buffer.compare(s, Buffer.from(kid)) === 0; }) : certs[0];
    if (!cert || !issuedBy(cert, this.d.caCert)) throw new CmpFault('signerNotTrusted', 'signer certificate missing or not issued by this CA');
    try {
      verifySignatureProtection(msg, cert, defaultVerifiers);
    } catch (e) {
      throw new CmpFault('badMessageCheck', (e as Error).message);
    }
    const info = inspectCertificate(cert);
    return { id: `cmp-cert:${serialHexOf(info.serialNumber)}`, subjectId: '', profile: this.cfg.profile, protection: { type: 'signature', signer: this.d.caSigner, certificate: this.d.caCert }, certSerial: serialHexOf(info.serialNumber) };
  }

  /** Signature clients act for the subject of their (still valid) certificate, with its profile. */
  private async bindCertificateClient(c: Client): Promise<void> {
    if (!c.certSerial || c.subjectId) return;
    const rec = await this.d.repo.getCertificate(c.certSerial);
    if (!rec || rec.status !== 'valid' || !rec.subjectId) throw new CmpFault('certRevoked', 'signer certificate is not valid at this CA');
    c.subjectId = rec.subjectId;
    c.profile = rec.profile;
  }

  private actor(c: Client, sourceIp: string | null): Caller {
    return { id: c.id, name: c.id, roles: ['ra-requester'], sourceIp, permissions: new Set(['ra.requests:submit', 'ra.certificates:read']) };
  }

  private async dispatch(msg: DecodedPkiMessage, client: Client, sourceIp: string | null): Promise<PkiBody> {
    const h = msg.header;
    const key = hex(h.transactionID);
    const b = msg.body;
    const existing = this.tx.get(key);
    const continuing = b.type === 'certConf' || b.type === 'pollReq';
    if (continuing) {
      if (!existing || existing.clientId !== client.id) throw new CmpFault('badRequest', 'no open transaction with this transactionID');
      if (!h.recipNonce || Buffer.compare(Buffer.from(h.recipNonce), Buffer.from(existing.ourNonce)) !== 0) throw new CmpFault('badRecipientNonce', 'recipNonce does not match our last senderNonce');
    }
    switch (b.type) {
      case 'ir':
      case 'cr':
      case 'kur':
      case 'p10cr': {
        // Same transaction + same key (or CSR) = the same request, whatever else a retry rebuilt (validity, POP nonce).
        const requestHash = createHash('sha256').update(b.type).update(b.type === 'p10cr' ? b.csr : (b.requests[0]?.template.publicKey ?? new Uint8Array(0))).digest('hex');
        if (existing) {
          // A retransmission of the same request (lost response) gets the same certificate, never a second one.
          if (existing.clientId === client.id && existing.requestHash === requestHash) return this.certResponse(existing);
          throw new CmpFault('transactionIdInUse', 'transactionID already used for another request');
        }
        await this.bindCertificateClient(client);
        return this.certify(msg, client, key, requestHash, sourceIp);
      }
      case 'pollReq': {
        if (existing!.state !== 'waiting') return this.certResponse(existing!);
        return this.progress(existing!, key);
      }
      case 'certConf':
        return this.confirm(b, existing!, key, client, sourceIp);
      case 'rr':
        await this.bindCertificateClient(client);
        return this.revoke(b, client, sourceIp);
      case 'genm':
        return { type: 'genp', items: [] };
      default:
        throw new CmpFault('badRequest', `unsupported message body ${describeBody(b)}`);
    }
  }

  private async certify(msg: DecodedPkiMessage, client: Client, key: string, requestHash: string, sourceIp: string | null): Promise<PkiBody> {
    const b = msg.body;
    const actor = this.actor(client, sourceIp);
    let request: CertRequest;
    let certReqId = 0;
    const replyBody = b.type === 'ir' ? 'ip' : b.type === 'kur' ? 'kup' : 'cp';
    try {
      if (b.type === 'p10cr') {
        request = await this.d.ra.submit(actor, { type: 'enroll', profile: client.profile, subjectId: client.subjectId, csr: toPem(b.csr, 'CERTIFICATE REQUEST') });
      } else if (b.type === 'ir' || b.type === 'cr' || b.type === 'kur') {
        if (b.requests.length !== 1) throw new CmpFault('badRequest', 'exactly one CertReqMsg per request is supported');
        const m = b.requests[0]!;
        certReqId = m.certReqId;
        const spki = this.checkPop(m, client);
        const san = sansOf(m) ?? (await this.subjectNames(client.subjectId));
        if (b.type === 'kur') {
          if (!client.certSerial) throw new CmpFault('notAuthorized', 'kur must be signed with the certificate being updated');
          request = await this.d.ra.submit(actor, { type: 'rekey', serial: client.certSerial, csr: '' }, { verifiedPublicKey: spki });
        } else {
          request = await this.d.ra.submit(actor, { type: 'enroll', profile: client.profile, subjectId: client.subjectId, csr: '', ...(san ? { san } : {}) }, { verifiedPublicKey: spki });
        }
      } else throw new CmpFault('badRequest', 'not a certification request');
    } catch (e) {
      return { type: replyBody, responses: [{ certReqId, status: raRefusal(e) }] };
    }
    const t: Transaction = { clientId: client.id, ourNonce: new Uint8Array(0), state: 'waiting', requestHash, requestId: request.id, certReqId, body: replyBody, expires: Date.now() + this.cfg.confirmWaitSeconds * 1000 };
    this.tx.set(key, t);
    return this.progress(t, key, request, msg.body.type === 'ir');
  }

  /** Current answer for a transaction: the certificate, still waiting, or the refusal. */
  private async progress(t: Transaction, key: string, known?: CertRequest, withCaPubs = false): Promise<PkiBody> {
    const r = known ?? (await this.d.repo.getRequest(t.requestId));
    if (!r) throw new CmpFault('systemFailure', 'request vanished');
    if (r.status === 'submitted' || r.status === 'approved' || r.status === 'ca-error') {
      t.expires = Date.now() + this.cfg.confirmWaitSeconds * 1000;
      return known
        ? { type: t.body, responses: [{ certReqId: t.certReqId, status: { status: PKI_STATUS.waiting, statusString: [`request ${r.id} is ${r.status}; poll again`] } }] }
        : { type: 'pollRep', entries: [{ certReqId: t.certReqId, checkAfter: this.cfg.checkAfterSeconds, reason: [`request ${r.id} is ${r.status}`] }] };
    }
    if (r.status === 'issued' && r.resultSerial) {
      const cert = await this.d.repo.getCertificate(r.resultSerial);
      t.state = 'confirm';
      t.certificate = cert!.der!;
      t.serial = r.resultSerial;
      t.expires = Date.now() + this.cfg.confirmWaitSeconds * 1000;
      return this.certResponse(t, withCaPubs);
    }
    this.tx.delete(key);
    return { type: t.body, responses: [{ certReqId: t.certReqId, status: { status: PKI_STATUS.rejection, failInfo: ['badRequest'], statusString: [`request ${r.id} ${r.status}${r.reason ? `: ${r.reason}` : ''}`] } }] };
  }

  private certResponse(t: Transaction, withCaPubs = false): PkiBody {
    if (!t.certificate) return { type: t.body, responses: [{ certReqId: t.certReqId, status: { status: PKI_STATUS.waiting } }] };
    return { type: t.body, caPubs: withCaPubs ? [this.d.caCert] : undefined, responses: [{ certReqId: t.certReqId, status: { status: PKI_STATUS.accepted }, certificate: t.certificate }] };
  }

  /** Without a subjectAltName in the template, the names an officer registered on the subject record. */
  private async subjectNames(subjectId: string): Promise<SanEntry[] | undefined> {
    const s = await this.d.repo.getSubject(subjectId);
    if (!s) return undefined;
    const names: SanEntry[] = [...(s.attributes.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(s.attributes.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))];
    return names.length ? names : undefined;
  }

  /** CRMF proof of possession: a signature over the CertRequest with the key in the template. */
  private checkPop(m: CertReqMsg, client: Client): Uint8Array {
    const spki = m.template.publicKey;
    if (!spki) throw new CmpFault('badCertTemplate', 'certTemplate has no publicKey');
    if (m.popo?.type === 'raVerified' && client.acceptRaVerified) return spki;
    if (m.popo?.type !== 'signature' || m.popo.withInput) throw new CmpFault('badPOP', 'a signature proof of possession (without poposkInput) is required');
    const alg = readOid(new SeqReader(readSingle(m.popo.algorithm, 0x30)).next(0x06));
    const v = defaultVerifiers.get(alg);
    if (!v || !v.verify({ algorithmOid: alg, publicKeyInfo: spki, data: m.certReqDer!, signature: m.popo.signature })) throw new CmpFault('badPOP', 'proof-of-possession signature does not verify');
    return spki;
  }

  private async confirm(b: Extract<PkiBody, { type: 'certConf' }>, t: Transaction, key: string, client: Client, sourceIp: string | null): Promise<PkiBody> {
    if (t.state !== 'confirm' || !t.certificate) throw new CmpFault('badRequest', 'nothing to confirm in this transaction');
    const s = b.statuses.find((x) => x.certReqId === t.certReqId) ?? b.statuses[0];
    if (!s) {
      // An empty certConf rejects all certificates (RFC 4210 §5.3.18).
      await this.revokeUnconfirmed(t, client, sourceIp, 'client rejected the certificate (empty certConf)');
      this.tx.delete(key);
      return { type: 'pkiconf' };
    }
    const alg = s.hashAlg ? hashName(s.hashAlg) : certHashAlgorithm(t.certificate);
    if (Buffer.compare(Buffer.from(s.certHash), certHash(t.certificate, alg)) !== 0) throw new CmpFault('badCertId', 'certHash does not match the issued certificate');
    if (s.statusInfo && s.statusInfo.status === PKI_STATUS.rejection) await this.revokeUnconfirmed(t, client, sourceIp, `client rejected the certificate: ${statusText(s.statusInfo)}`);
    this.tx.delete(key);
    return { type: 'pkiconf' };
  }

  private async revokeUnconfirmed(t: Transaction, client: Client, sourceIp: string | null, why: string): Promise<void> {
    if (!t.serial) return;
    this.d.logger.warn({ serial: t.serial, request: t.requestId, why }, 'CMP: revoking an unconfirmed certificate');
    await this.d.ra.submit(this.actor(client, sourceIp), { type: 'revoke', serial: t.serial, reason: 'cessationOfOperation', comment: why }, { selfRevocation: true }).catch((e) =>
      this.d.logger.error({ err: e, serial: t.serial }, 'CMP: could not revoke an unconfirmed certificate'),
    );
  }

  private async revoke(b: Extract<PkiBody, { type: 'rr' }>, client: Client, sourceIp: string | null): Promise<PkiBody> {
    if (b.revocations.length !== 1) throw new CmpFault('badRequest', 'exactly one RevDetails per request is supported');
    const rd = b.revocations[0]!;
    if (!rd.template.serialNumber) throw new CmpFault('badCertId', 'certDetails needs serialNumber');
    if (rd.template.issuer && Buffer.compare(Buffer.from(rd.template.issuer), Buffer.from(this.caName)) !== 0) throw new CmpFault('badCertId', 'certificate was not issued by this CA');
    const serial = serialHexOf(rd.template.serialNumber);
    const rec = await this.d.repo.getCertificate(serial);
    const ownCert = client.certSerial === serial;
    if (!rec || (!ownCert && rec.subjectId !== client.subjectId)) throw new CmpFault('badCertId', 'no such certificate for this client');
    const reasonName = (Object.entries(REVOCATION_REASONS).find(([, v]) => v === (rd.reason ?? 0))?.[0] ?? 'unspecified') as RevocationReason;
    if (reasonName === 'certificateHold' || reasonName === 'removeFromCRL') throw new CmpFault('badRequest', 'suspension is not offered over CMP');
    const status = { revCerts: [{ issuer: directoryName(this.caName), serialNumber: Buffer.from(serial, 'hex') }] };
    try {
      const r = await this.d.ra.submit(this.actor(client, sourceIp), { type: 'revoke', serial, reason: reasonName as Exclude<RevocationReason, 'certificateHold' | 'removeFromCRL'> }, { selfRevocation: this.cfg.selfRevocation });
      if (r.status === 'completed') return { type: 'rp', status: [{ status: PKI_STATUS.accepted }], ...status };
      // Officer decision pending: RFC 4210 has no polling for rr in pvno 2, so say so plainly.
      return { type: 'rp', status: [{ status: PKI_STATUS.rejection, failInfo: ['notAuthorized'], statusString: [`revocation request ${r.id} waits for an officer`] }] };
    } catch (e) {
      return { type: 'rp', status: [raRefusal(e)] };
    }
  }

  /** Expired transactions: an unconfirmed certificate is revoked; stale nonces are forgotten. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const [k, until] of this.seenNonces) if (until < now) this.seenNonces.delete(k);
    for (const [k, t] of this.tx) {
      if (t.expires > now) continue;
      this.tx.delete(k);
      if (t.state === 'confirm') {
        const c = this.macClients.get(t.clientId.replace(/^cmp:/, '')) ?? { id: t.clientId, subjectId: '', profile: this.cfg.profile, protection: { type: 'pbm', secret: '' } as Protection };
        await this.revokeUnconfirmed(t, c, null, 'no certConf within confirmWaitTime');
      }
    }
  }
}

function safeSki(cert: Uint8Array): Buffer | undefined {
  try {
    const s = inspectCertificate(cert).subjectKeyIdentifier;
    return s ? Buffer.from(s) : undefined;
  } catch {
    return undefined;
  }
}

function hashName(algId: Uint8Array): 'sha256' | 'sha384' | 'sha512' | 'sha1' {
  const id = readOid(new SeqReader(readSingle(algId, 0x30)).next(0x06));
  return ({ '2.16.840.1.101.3.4.2.1': 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512', '1.3.14.3.2.26': 'sha1' } as const)[id as '1.3.14.3.2.26'] ?? 'sha256';
}

/** subjectAltName from the template's extensions (dns/ip/email/uri); undefined when absent. */
function sansOf(m: CertReqMsg): SanEntry[] | undefined {
  for (const e of m.template.extensions ?? []) {
    const r = new SeqReader(readSingle(e, 0x30));
    if (readOid(r.next(0x06)) !== '2.5.29.17') continue;
    if (r.peekTag() === 0x01) r.next();
    const names = children(readSingle(content(r.next(0x04)), 0x30)).map(decodeGeneralName);
    return names.map((n) => {
      if (n.type === 'dns' || n.type === 'ip' || n.type === 'email' || n.type === 'uri') return { type: n.type, value: n.value };
      throw new CmpFault('badCertTemplate', `subjectAltName type ${n.type} is not supported`);
    });
  }
  return undefined;
}

/** An RA refusal as PKIStatusInfo: policy/input problems are the template's fault, CA trouble is ours. */
function raRefusal(e: unknown): { status: number; failInfo: FailInfo[]; statusString: string[] } {
  if (e instanceof CmpFault) return { status: PKI_STATUS.rejection, failInfo: [e.failInfo], statusString: [e.message] };
  if (e instanceof CmpDecodeError) return { status: PKI_STATUS.rejection, failInfo: ['badDataFormat'], statusString: [e.message] };
  if (e instanceof HttpError) {
    const fail: FailInfo = e.status === 422 ? 'badCertTemplate' : e.status === 403 || e.status === 404 ? 'notAuthorized' : e.status >= 500 ? 'systemUnavail' : 'badRequest';
    return { status: PKI_STATUS.rejection, failInfo: [fail], statusString: [e.message] };
  }
  return { status: PKI_STATUS.rejection, failInfo: ['systemFailure'], statusString: [(e as Error).message ?? 'error'] };
}
