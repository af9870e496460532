/**
 * CA connector for a cfssl remote signer: `POST /api/v1/cfssl/authsign` with
 * `{"token": base64(HMAC-SHA256(key, request)), "request": base64(request JSON)}`.
 *
 * The RA's prepared TBS gives the subject (rendered from the RA profile's DN template) and the SANs
 * (`hosts`); validity, key usages and EKUs come from the cfssl profile named in config, so configure
 * that profile to match the RA profile. cfssl needs a CSR: keygen requests cannot go through it.
 *
 * Idempotency: cfssl has no request key, and the Debian build (1.2.0) ignores client-chosen serials.
 * One authsign is sent per attempt; the RA records the certificate under the serial cfssl chose. A
 * retry after a lost response can therefore leave one certificate at cfssl that the RA never saw (never
 * delivered); every attempt is logged with the request id and key fingerprint so it can be matched in
 * cfssl's certdb. With `clientSerials: true` (cfssl ≥ 1.3 profiles with client_provides_serial_numbers)
 * the reserved serial is sent, so a retry re-issues the same serial and a certdb refuses a duplicate.
 */
import { createHash, createHmac } from 'node:crypto';
import https from 'node:https';
import http from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { children, content, decodeGeneralName, decodeName, inspectCertificate, readOid, readSingle, SeqReader, toPem, fromPem } from '@emsoc/pki';
import type { RaRepository } from '../../store/repository.js';
import type { CaConnector, IssueRequest } from '../connector.js';
import { issuedBy } from '../cmp/client.js';
import { readCertificates, readConfigFile, remoteIssuer, statusFromRepo, tbsFields, EXT } from '../remote.js';

export const cfsslConnectorConfig = z
  .object({
    /** Base URL of `cfssl serve` (or multirootca), e.g. https://cfssl.example:8888 */
    url: z.string().url(),
    /** File holding the hex auth key (the `key` of a cfssl "standard" auth key). */
    authKeyFile: z.string(),
    profile: z.string().optional(),
    /** multirootca signer label. */
    label: z.string().optional(),
    /** PEM: the cfssl CA certificate first, then its chain. */
    caCertFile: z.string(),
    /** PEM trust anchors for an https url (default: system store). */
    tlsCaFile: z.string().optional(),
    timeoutMs: z.number().int().min(100).default(30_000),
    clientSerials: z.boolean().default(false),
    crlUrls: z.array(z.string()).default([]),
    ocspUrls: z.array(z.string()).default([]),
    caIssuersUrls: z.array(z.string()).default([]),
  })
  .strict();
export type CfsslConnectorConfig = z.infer<typeof cfsslConnectorConfig>;

export class CfsslError extends Error {
  override name = 'CfsslError';
}

const DN_KEYS: Record<string, string> = { '2.5.4.6': 'C', '2.5.4.8': 'ST', '2.5.4.7': 'L', '2.5.4.10': 'O', '2.5.4.11': 'OU' };

/** cfssl's subject override from a DER Name: CN plus one `names` entry of C/ST/L/O/OU. */
export function cfsslSubject(nameDer: Uint8Array): { CN?: string; names: Record<string, string>[] } {
  const out: { CN?: string; names: Record<string, string>[] } = { names: [] };
  const entry: Record<string, string> = {};
  for (const a of decodeName(nameDer)) {
    if (a.oid === '2.5.4.3') out.CN = a.value;
    else if (DN_KEYS[a.oid]) entry[DN_KEYS[a.oid]!] = a.value;
  }
  if (Object.keys(entry).length) out.names.push(entry);
  return out;
}

function hostsOf(sanExtension: Uint8Array | undefined): string[] {
  if (!sanExtension) return [];
  const r = new SeqReader(readSingle(sanExtension, 0x30));
  readOid(r.next(0x06));
  if (r.peekTag() === 0x01) r.next();
  return children(readSingle(content(r.next(0x04)), 0x30))
    .map(decodeGeneralName)
    .flatMap((n) => (n.type === 'dns' || n.type === 'ip' || n.type === 'email' || n.type === 'uri' ? [n.value] : []));
}

export class CfsslConnector implements CaConnector {
  readonly kind = 'cfssl';
  private readonly key: Buffer;
  private readonly chainCerts: Uint8Array[];
  private readonly agent: http.Agent;

  constructor(
    private readonly cfg: CfsslConnectorConfig,
    dataDir: string,
    private readonly repo: RaRepository,
    private readonly logger?: Logger,
  ) {
    const k = readConfigFile(dataDir, cfg.authKeyFile).toString('utf8').trim();
    if (!/^[0-9a-fA-F]{16,}$/.test(k)) throw new Error(`${cfg.authKeyFile}: expected a hex cfssl auth key`);
    this.key = Buffer.from(k, 'hex');
    this.chainCerts = readCertificates(dataDir, cfg.caCertFile);
    this.agent = cfg.url.startsWith('https:')
      ? new https.Agent({ keepAlive: true, ...(cfg.tlsCaFile ? { ca: readConfigFile(dataDir, cfg.tlsCaFile) } : {}) })
      : new http.Agent({ keepAlive: true });
  }

  issuer(opts: { crl: boolean; aia: boolean }) {
    return remoteIssuer(this.chainCerts[0]!, { crl: this.cfg.crlUrls, ocsp: this.cfg.ocspUrls, caIssuers: this.cfg.caIssuersUrls }, opts);
  }

  chain(): Uint8Array[] {
    return this.chainCerts;
  }

  /** The authsign envelope: HMAC-SHA256 over the exact request bytes that are sent base64-encoded. */
  envelope(request: Record<string, unknown>): string {
    // cfssl decodes `serial` into a big.Int, i.e. a bare JSON number: unquote it after stringifying.
    const bytes = Buffer.from(JSON.stringify(request).replace(/"serial":"(\d+)"/, '"serial":$1'), 'utf8');
    return JSON.stringify({ token: createHmac('sha256', this.key).update(bytes).digest('base64'), request: bytes.toString('base64') });
  }

  async issue(req: IssueRequest): Promise<Uint8Array> {
    if (!req.csrDer) throw new CfsslError('cfssl signs CSRs only; server-side key generation needs the embedded or CMP connector');
    const f = tbsFields(req.prepared.tbsDer, req.prepared);
    const request: Record<string, unknown> = {
      certificate_request: toPem(req.csrDer, 'CERTIFICATE REQUEST'),
      hosts: hostsOf(f.extensions.get(EXT.subjectAltName)),
      subject: cfsslSubject(f.subject),
      ...(this.cfg.profile ? { profile: this.cfg.profile } : {}),
      ...(this.cfg.label ? { label: this.cfg.label } : {}),
      ...(this.cfg.clientSerials && req.serialHex ? { serial: BigInt(`0x${req.serialHex}`).toString() } : {}),
    };
    const spkiSha256 = createHash('sha256').update(f.publicKeyInfo).digest('hex');
    this.logger?.info({ request: req.requestId, spkiSha256, profile: this.cfg.profile }, 'cfssl authsign attempt');
    const res = await this.post('/api/v1/cfssl/authsign', this.envelope(request));
    let parsed: { success?: boolean; result?: { certificate?: string }; errors?: { code: number; message: string }[] };
    try {
      parsed = JSON.parse(res.body);
    } catch {
      throw new CfsslError(`cfssl answered HTTP ${res.status} without JSON`);
    }
    if (!parsed.success || !parsed.result?.certificate) throw new CfsslError(`cfssl refused (HTTP ${res.status}): ${(parsed.errors ?? []).map((e) => `${e.code} ${e.message}`).join('; ') || 'no certificate'}`);
    const der = fromPem(parsed.result.certificate, ['CERTIFICATE']);
    const cert = inspectCertificate(der);
    if (Buffer.compare(Buffer.from(cert.publicKeyInfo), Buffer.from(f.publicKeyInfo)) !== 0) throw new CfsslError('cfssl certified a different public key');
    if (!issuedBy(der, this.chainCerts[0]!)) throw new CfsslError('the returned certificate is not signed by the configured CA');
    return der;
  }

  private post(path: string, body: string): Promise<{ status: number; body: string }> {
    const url = new URL(path, this.cfg.url);
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const rq = mod.request(url, { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: this.cfg.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 1 << 20) rq.destroy(new CfsslError('cfssl response larger than 1 MiB'));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      rq.on('timeout', () => rq.destroy(new CfsslError(`cfssl did not answer within ${this.cfg.timeoutMs} ms`)));
      rq.on('error', (e) => reject(e instanceof CfsslError ? e : new CfsslError(`cfssl unreachable: ${e.message}`)));
      rq.end(body);
    });
  }

  /** cfssl 1.2's revoke endpoint is unauthenticated and needs its certdb; revocation stays with the RA's own CRL/OCSP. */
  async revocationChanged(change: { serial: string }): Promise<void> {
    this.logger?.info({ serial: change.serial }, 'revocation recorded by the RA (cfssl is not told; see README)');
  }

  status(serial: string) {
    return statusFromRepo(this.repo, serial);
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
