/**
 * CMP client over HTTP (RFC 6712): one transaction per call — request, optional polling while the CA
 * says "waiting", then certConf/pkiConf (implicit confirm is off unless configured). Every response
 * must carry our transactionID, echo our senderNonce as recipNonce and verify under the configured
 * protection; anything else is a CmpTransportError (retryable) or a CmpRejected (the CA said no).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import {
  certHash,
  certHashAlgorithm,
  cmpNonce,
  decodeMessage,
  describeBody,
  encodeCertRequest,
  inspectCertificate,
  isMacAlgorithm,
  NULL_DN,
  directoryName,
  PKI_STATUS,
  protectMessage,
  verifyMacProtection,
  verifySignatureProtection,
  defaultVerifiers,
  readSingle,
  SeqReader,
  readOid,
  type CertTemplate,
  type DecodedPkiMessage,
  type PkiBody,
  type PkiHeader,
  type PkiStatusInfo,
  type Protection,
  type Signer,
} from '@emsoc/pki';

export class CmpTransportError extends Error {
  override name = 'CmpTransportError';
}

/** The CA answered with a rejection (PKIStatus rejection / error message). Not retryable as is. */
export class CmpRejected extends Error {
  override name = 'CmpRejected';
  constructor(message: string, readonly status?: PkiStatusInfo) {
    super(message);
  }
}

export interface CmpClientOptions {
  /** e.g. http://ca.example:8080/pkix/ or http://host:8446/cmp */
  url: string;
  protection: Protection;
  /** DER Name of the RA (sender); NULL-DN when absent and MAC-protected. */
  senderName?: Uint8Array;
  /** DER Name of the CA (recipient). */
  recipientName?: Uint8Array;
  /** Certificates trusted to sign responses: a response signer must be one of these or be issued by one. */
  trusted?: Uint8Array[];
  /** Shared secret for verifying MAC-protected responses (defaults to the protection secret). */
  responseSecret?: Uint8Array | string;
  timeoutMs?: number;
  implicitConfirm?: boolean;
  /** Upper bound on total polling time for a "waiting" CA. */
  maxPollMs?: number;
  /** Cap on each checkAfter honoured (tests use small values). */
  maxPollIntervalMs?: number;
  /** HTTP keep-alive (default true; OpenSSL 3.0's mock server drops the transaction on a kept-alive connection). */
  keepAlive?: boolean;
  /** TLS options for https URLs (ca, cert, key). */
  tls?: https.AgentOptions;
}

export interface CertifyInput {
  body: 'ir' | 'cr' | 'kur' | 'p10cr';
  template?: CertTemplate;
  csr?: Uint8Array;
  /** Signature POP with the subscriber's key when the client holds it; otherwise raVerified. */
  popSigner?: Signer;
  /** Reuse for a retry of the same logical request (idempotency on CAs that recognise it). */
  transactionID?: Uint8Array;
}

export interface CertifyResult {
  certificate: Uint8Array;
  caPubs: Uint8Array[];
  extraCerts: Uint8Array[];
  transactionID: Uint8Array;
  polls: number;
}

const CONTENT_TYPE = 'application/pkixcmp';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deterministic transactionID for a logical request (RA request id): a retry reuses it. */
export function transactionIdFor(key: string): Uint8Array {
  return createHash('sha256').update(`emsoc-cmp-tx:${key}`).digest().subarray(0, 16);
}

export class CmpClient {
  private readonly agent: http.Agent | false;
  constructor(private readonly o: CmpClientOptions) {
    this.agent = o.keepAlive === false ? false : new (o.url.startsWith('https:') ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 16, ...(o.tls ?? {}) });
  }

  close(): void {
    if (this.agent) this.agent.destroy();
  }

  private header(tx: Uint8Array, nonce: Uint8Array, recipNonce: Uint8Array | undefined, implicit: boolean): PkiHeader {
    return {
      pvno: 2,
      sender: this.o.senderName ? directoryName(this.o.senderName) : this.o.protection.type === 'signature' ? directoryName(inspectCertificate(this.o.protection.certificate).subject) : NULL_DN,
      recipient: this.o.recipientName ? directoryName(this.o.recipientName) : NULL_DN,
      messageTime: new Date(),
      transactionID: tx,
      senderNonce: nonce,
      recipNonce,
      generalInfo: implicit ? [{ type: '1.3.6.1.5.5.7.4.13', value: Uint8Array.of(0x05, 0x00) }] : undefined,
    };
  }

  /** Sends one message of the transaction and returns the checked response. */
  private async exchange(body: PkiBody, tx: Uint8Array, recipNonce: Uint8Array | undefined, implicit = false): Promise<DecodedPkiMessage> {
    const nonce = cmpNonce();
    const der = protectMessage({ header: this.header(tx, nonce, recipNonce, implicit), body }, this.o.protection);
    let res: { status: number; contentType: string; body: Uint8Array };
    try {
      res = await this.post(der);
    } catch (e) {
      throw new CmpTransportError(`CMP server unreachable: ${(e as Error).message}`);
    }
    const ct = res.contentType;
    const buf = res.body;
    if (!ct.toLowerCase().startsWith(CONTENT_TYPE)) throw new CmpTransportError(`CMP server answered HTTP ${res.status} with ${ct || 'no content type'}`);
    let msg: DecodedPkiMessage;
    try {
      msg = decodeMessage(buf);
    } catch (e) {
      throw new CmpTransportError(`unreadable CMP response: ${(e as Error).message}`);
    }
    if (process.env.CMP_DEBUG) console.error("cmp", body.type, "->", describeBody(msg.body));
    this.checkResponse(msg, tx, nonce);
    return msg;
  }

  /** RFC 6712 POST; responses are capped at 1 MiB. */
  private post(der: Uint8Array): Promise<{ status: number; contentType: string; body: Uint8Array }> {
    const url = new URL(this.o.url);
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        url,
        { method: 'POST', agent: this.agent, headers: { 'content-type': CONTENT_TYPE, 'content-length': der.length, ...(this.o.keepAlive === false ? { connection: 'close' } : {}) }, timeout: this.o.timeoutMs ?? 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > 1 << 20) req.destroy(new Error('response larger than 1 MiB'));
            else chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: new Uint8Array(Buffer.concat(chunks)) }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no response within ${this.o.timeoutMs ?? 30_000} ms`)));
      req.on('error', reject);
      req.end(der);
    });
  }

  private checkResponse(msg: DecodedPkiMessage, tx: Uint8Array, nonce: Uint8Array): void {
    const h = msg.header;
    // Error messages about our message may legitimately be unprotected or lack the nonce (RFC 4210 §5.1.3.4) — still a rejection.
    const same = (a: Uint8Array | undefined, b: Uint8Array) => !!a && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
    if (!msg.protection || !h.protectionAlg) {
      if (msg.body.type === 'error') throw new CmpRejected(`CA error (unprotected): ${describeBody(msg.body)}`, msg.body.status);
      throw new CmpTransportError('CMP response is not protected');
    }
    try {
      if (isMacAlgorithm(h.protectionAlg)) {
        const secret = this.o.responseSecret ?? (this.o.protection.type !== 'signature' ? this.o.protection.secret : undefined);
        if (secret === undefined) throw new Error('MAC-protected response but no shared secret configured');
        verifyMacProtection(msg, secret);
      } else {
        verifySignatureProtection(msg, this.responseSigner(msg));
      }
    } catch (e) {
      throw new CmpTransportError(`CMP response protection: ${(e as Error).message}`);
    }
    if (!same(h.transactionID, tx)) throw new CmpTransportError('CMP response transactionID does not match the request');
    if (!same(h.recipNonce, nonce)) throw new CmpTransportError('CMP response recipNonce does not echo our senderNonce');
    if (msg.body.type === 'error') throw new CmpRejected(`CA error: ${describeBody(msg.body)}`, msg.body.status);
  }

  /** The response signer: extraCerts[0] (or a trusted cert matching senderKID), trusted directly or issued by a trusted cert. */
  private responseSigner(msg: DecodedPkiMessage): Uint8Array {
    const trusted = this.o.trusted ?? [];
    const candidates = [...(msg.extraCerts ?? []), ...trusted];
    const kid = msg.header.senderKID;
    const signer = kid ? candidates.find((c) => { const s = inspectCertificate(c).subjectKeyIdentifier; return s && Buffer.compare(Buffer.from(s), Buffer.from(kid)) === 0; }) : candidates[0];
    if (!signer) throw new Error('no certificate for the response signer');
    if (trusted.some((t) => Buffer.compare(Buffer.from(t), Buffer.from(signer)) === 0)) return signer;
    if (trusted.some((t) => issuedBy(signer, t))) return signer;
    throw new Error('response signer certificate is not trusted');
  }

  async certify(input: CertifyInput): Promise<CertifyResult> {
    const tx = input.transactionID ?? cmpNonce();
    const implicit = this.o.implicitConfirm ?? false;
    let body: PkiBody;
    if (input.body === 'p10cr') {
      if (!input.csr) throw new Error('p10cr needs a CSR');
      body = { type: 'p10cr', csr: input.csr };
    } else {
      if (!input.template) throw new Error(`${input.body} needs a certificate template`);
      const certReqDer = encodeCertRequest(0, input.template);
      const s = input.popSigner;
      body = {
        type: input.body,
        requests: [{ certReqId: 0, template: input.template, certReqDer, popo: s ? { type: 'signature', algorithm: s.algorithmIdentifier, signature: s.sign(certReqDer), withInput: false } : { type: 'raVerified' } }],
      };
    }
    let rsp = await this.exchange(body, tx, undefined, implicit);
    const reqId = input.body === 'p10cr' ? 0 : 0;
    let polls = 0;
    const started = Date.now();
    for (;;) {
      const b = rsp.body;
      if (b.type === 'ip' || b.type === 'cp' || b.type === 'kup') {
        const r = b.responses.find((x) => x.certReqId === reqId || input.body === 'p10cr') ?? b.responses[0];
        if (!r) throw new CmpRejected('CertRepMessage without a response');
        if (r.status.status === PKI_STATUS.waiting) {
          rsp = await this.poll(tx, rsp, reqId, started, ++polls, 1);
          continue;
        }
        if (r.status.status !== PKI_STATUS.accepted && r.status.status !== PKI_STATUS.grantedWithMods) throw new CmpRejected(`CA rejected the request: ${statusText(r.status)}`, r.status);
        if (!r.certificate) throw new CmpRejected('CA accepted but sent no certificate (encrypted certificates are not supported)');
        const out = { certificate: r.certificate, caPubs: b.caPubs ?? [], extraCerts: rsp.extraCerts ?? [], transactionID: tx, polls };
        const confirmedImplicitly = implicit && rsp.header.generalInfo?.some((i) => i.type === '1.3.6.1.5.5.7.4.13');
        if (!confirmedImplicitly) {
          const conf = await this.exchange({ type: 'certConf', statuses: [{ certHash: certHash(r.certificate, certHashAlgorithm(r.certificate)), certReqId: r.certReqId }] }, tx, rsp.header.senderNonce);
          if (conf.body.type !== 'pkiconf') throw new CmpTransportError(`expected pkiconf, got ${describeBody(conf.body)}`);
        }
        return out;
      }
      if (b.type === 'pollRep') {
        const e = b.entries[0];
        rsp = await this.poll(tx, rsp, reqId, started, ++polls, e?.checkAfter ?? 1);
        continue;
      }
      throw new CmpTransportError(`unexpected CMP response ${describeBody(b)} to ${input.body}`);
    }
  }

  private async poll(tx: Uint8Array, last: DecodedPkiMessage, certReqId: number, started: number, n: number, checkAfterSeconds: number): Promise<DecodedPkiMessage> {
    const wait = Math.min(Math.max(checkAfterSeconds, 0) * 1000, this.o.maxPollIntervalMs ?? 60_000);
    if (Date.now() + wait - started > (this.o.maxPollMs ?? 300_000)) throw new CmpTransportError(`CA still waiting after ${n - 1} polls; retry later with the same transaction`);
    await sleep(wait);
    return this.exchange({ type: 'pollReq', certReqIds: [certReqId] }, tx, last.header.senderNonce);
  }

  /** rr for one certificate (issuer Name DER + serial content octets); resolves when the CA accepted it. */
  async revoke(input: { issuer: Uint8Array; serialNumber: Uint8Array; reason?: number; transactionID?: Uint8Array }): Promise<void> {
    const tx = input.transactionID ?? cmpNonce();
    const rsp = await this.exchange({ type: 'rr', revocations: [{ template: { issuer: input.issuer, serialNumber: input.serialNumber }, reason: input.reason }] }, tx, undefined);
    if (rsp.body.type !== 'rp') throw new CmpTransportError(`unexpected CMP response ${describeBody(rsp.body)} to rr`);
    const s = rsp.body.status[0];
    if (!s) throw new CmpRejected('rp without status');
    if (s.status !== PKI_STATUS.accepted && s.status !== PKI_STATUS.grantedWithMods && s.status !== PKI_STATUS.revocationNotification) throw new CmpRejected(`CA refused the revocation: ${statusText(s)}`, s);
  }
}

export function statusText(s: PkiStatusInfo): string {
  const name = Object.entries(PKI_STATUS).find(([, v]) => v === s.status)?.[0] ?? String(s.status);
  return `${name}${s.failInfo?.length ? ` (${s.failInfo.join(', ')})` : ''}${s.statusString?.length ? `: ${s.statusString.join(' ')}` : ''}`;
}

/** True when `cert`'s signature verifies under `issuer`'s key and names chain. */
export function issuedBy(cert: Uint8Array, issuer: Uint8Array): boolean {
  try {
    const c = inspectCertificate(cert);
    const i = inspectCertificate(issuer);
    if (Buffer.compare(Buffer.from(c.issuer), Buffer.from(i.subject)) !== 0) return false;
    const alg = readOid(new SeqReader(readSingle(c.signatureAlgorithm, 0x30)).next(0x06));
    const v = defaultVerifiers.get(alg);
    if (!v) return false;
    return v.verify({ algorithmOid: alg, publicKeyInfo: i.publicKeyInfo, data: c.tbs, signature: c.signature });
  } catch {
    return false;
  }
}
