/**
 * The client half of OCSP (RFC 6960): a nonce-free single-CertID request (RFC 5019 profile, so
 * responders can serve pre-signed answers) and a strict reader for the response that checks the
 * signature (the CA itself or a responder it delegated with id-kp-OCSPSigning) and returns the
 * SingleResponse for our CertID.
 */
import { createHash } from 'node:crypto';
import {
  children,
  content,
  integerContent,
  nullValue,
  octetString,
  oid,
  raw,
  readBitString,
  readOid,
  readSingle,
  readTime,
  SeqReader,
  sequence,
  unsignedInteger,
  type Tlv,
} from '../der/index.js';
import { decodeTbs } from '../lint/index.js';
import { publicKeyBits } from '../ocsp/issuer.js';
import { OID_OCSP_BASIC } from '../ocsp/types.js';
import type { VerifierRegistry } from '../verifiers.js';
import { inspectCertificate, type CertificateInfo } from '../x509/certificate.js';
import { OID } from '../x509/oids.js';

const SHA1 = '1.3.14.3.2.26';
const REASON_NAMES = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'unused', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise'];

export function reasonName(code: number | undefined): string | undefined {
  return code === undefined ? undefined : (REASON_NAMES[code] ?? `reason-${code}`);
}

export interface StatusAnswer {
  status: 'good' | 'revoked' | 'unknown';
  reason?: string;
  revokedAt?: Date;
  thisUpdate: Date;
  nextUpdate?: Date;
}

export class StatusCheckError extends Error {
  override name = 'StatusCheckError';
}

/** CertID over SHA-1 (what every responder supports), as DER. */
export function buildCertId(issuer: CertificateInfo, serial: Uint8Array): Uint8Array {
  const nameHash = createHash('sha1').update(issuer.subject).digest();
  const keyHash = createHash('sha1').update(publicKeyBits(issuer.publicKeyInfo)).digest();
  return sequence(sequence(oid(SHA1), nullValue()), octetString(nameHash), octetString(keyHash), unsignedInteger(serial));
}

export function buildOcspRequest(certId: Uint8Array): Uint8Array {
  return sequence(sequence(sequence(sequence(certId))));
}

function verifySigned(registry: VerifierRegistry, spki: Uint8Array, algTlv: Tlv, data: Uint8Array, signature: Uint8Array): boolean {
  const a = new SeqReader(algTlv);
  const algorithmOid = readOid(a.next(0x06));
  const params = a.done ? undefined : raw(a.next());
  const v = registry.get(algorithmOid);
  return v ? v.verify({ algorithmOid, algorithmParams: params, publicKeyInfo: spki, data, signature }) : false;
}

/** Certificate signed by `issuer` (signature checked). */
export function issuedBy(registry: VerifierRegistry, cert: CertificateInfo, issuer: CertificateInfo): boolean {
  if (Buffer.compare(cert.issuer, issuer.subject) !== 0) return false;
  return verifySigned(registry, issuer.publicKeyInfo, readSingle(cert.signatureAlgorithm, 0x30), cert.tbs, cert.signature);
}

/** Parses and checks an OCSPResponse for `certId`; throws StatusCheckError for anything unusable. */
export function readOcspResponse(der: Uint8Array, certId: Uint8Array, issuer: CertificateInfo, registry: VerifierRegistry, now: Date, skewMs = 300_000): StatusAnswer {
  const top = new SeqReader(readSingle(der, 0x30));
  const statusTlv = top.next(0x0a, 'responseStatus');
  const code = content(statusTlv)[0];
  if (code !== 0) throw new StatusCheckError(`OCSP responder answered status ${code}`);
  const rb = new SeqReader(new SeqReader(top.next(0xa0, 'responseBytes')).next(0x30));
  if (readOid(rb.next(0x06)) !== OID_OCSP_BASIC) throw new StatusCheckError('not a basic OCSP response');
  const basic = new SeqReader(readSingle(content(rb.next(0x04)), 0x30));
  const tbsTlv = basic.next(0x30, 'tbsResponseData');
  const sigAlg = basic.next(0x30, 'signatureAlgorithm');
  const sig = readBitString(basic.next(0x03, 'signature')).bytes;
  const certsTlv = basic.optional(0xa0);

  // Who signed: the CA, or a delegated responder certificate the CA issued for OCSP signing.
  if (!verifySigned(registry, issuer.publicKeyInfo, sigAlg, raw(tbsTlv), sig)) {
    const certs = certsTlv ? children(new SeqReader(certsTlv).next(0x30)).map((c) => raw(c)) : [];
    const delegated = certs.map((c) => inspectCertificate(c)).find((c) => {
      if (!issuedBy(registry, c, issuer)) return false;
      const view = decodeTbs(c.tbs);
      return (view.extKeyUsage ?? []).includes(OID.ocspSigning) && view.notAfter >= now && view.notBefore <= now;
    });
    if (!delegated || !verifySigned(registry, delegated.publicKeyInfo, sigAlg, raw(tbsTlv), sig)) throw new StatusCheckError('OCSP response signature does not verify');
  }
  const tbs = new SeqReader(tbsTlv);
  tbs.optional(0xa0);
  tbs.next(undefined, 'responderID');
  tbs.next(0x18, 'producedAt');
  const wanted = Buffer.from(certId);
  for (const single of children(tbs.next(0x30, 'responses'))) {
    const s = new SeqReader(single);
    const id = s.next(0x30, 'certID');
    if (!sameCertId(raw(id), wanted)) continue;
    const st = s.next(undefined, 'certStatus');
    const thisUpdate = readTime(s.next(0x18, 'thisUpdate'));
    const nu = s.optional(0xa0);
    const nextUpdate = nu ? readTime(new SeqReader(nu).next(0x18)) : undefined;
    if (thisUpdate.getTime() > now.getTime() + skewMs) throw new StatusCheckError('OCSP response thisUpdate is in the future');
    if (nextUpdate && nextUpdate.getTime() < now.getTime() - skewMs) throw new StatusCheckError('OCSP response has expired');
    if (st.tag === 0x80) return { status: 'good', thisUpdate, nextUpdate };
    if (st.tag === 0x82) return { status: 'unknown', thisUpdate, nextUpdate };
    if (st.tag === 0xa1) {
      const ri = new SeqReader(st);
      const revokedAt = readTime(ri.next(0x18, 'revocationTime'));
      const rr = ri.optional(0xa0);
      const reason = rr ? content(new SeqReader(rr).next(0x0a))[0] : undefined;
      return { status: 'revoked', revokedAt, reason: reasonName(reason), thisUpdate, nextUpdate };
    }
    throw new StatusCheckError('unknown certStatus');
  }
  throw new StatusCheckError('OCSP response does not cover the certificate asked about');
}

/** CertIDs compare on hash values and serial; NULL vs absent hash parameters must not matter. */
function sameCertId(a: Uint8Array, b: Buffer): boolean {
  const parts = (x: Uint8Array) => {
    const r = new SeqReader(readSingle(x, 0x30));
    const alg = readOid(new SeqReader(r.next(0x30)).next(0x06));
    return [alg, Buffer.from(content(r.next(0x04))).toString('hex'), Buffer.from(content(r.next(0x04))).toString('hex'), Buffer.from(integerContent(r.next(0x02))).toString('hex')].join('/');
  };
  return parts(a) === parts(b);
}
