/**
 * Strict CRL reader for the status client: checks the issuer name and signature against the CA,
 * then answers for one serial. Revoked serials are indexed once per downloaded CRL (a Map from
 * serial hex), so every later lookup against the cached CRL is O(1).
 */
import { children, content, integerContent, raw, readBitString, readOid, readSingle, readTime, SeqReader } from '../der/index.js';
import type { VerifierRegistry } from '../verifiers.js';
import type { CertificateInfo } from '../x509/certificate.js';
import { OID } from '../x509/oids.js';
import { reasonName, StatusCheckError } from './ocsp.js';

export interface CrlIndex {
  thisUpdate: Date;
  nextUpdate?: Date;
  delta: boolean;
  revoked: Map<string, { revokedAt: Date; reason?: string }>;
}

export function readCrl(der: Uint8Array, issuer: CertificateInfo, registry: VerifierRegistry): CrlIndex {
  const top = new SeqReader(readSingle(der, 0x30));
  const tbsTlv = top.next(0x30, 'tbsCertList');
  const algTlv = top.next(0x30, 'signatureAlgorithm');
  const sig = readBitString(top.next(0x03, 'signatureValue')).bytes;
  top.end('CertificateList');
  const a = new SeqReader(algTlv);
  const algorithmOid = readOid(a.next(0x06));
  const params = a.done ? undefined : raw(a.next());
  const v = registry.get(algorithmOid);
  if (!v || !v.verify({ algorithmOid, algorithmParams: params, publicKeyInfo: issuer.publicKeyInfo, data: raw(tbsTlv), signature: sig })) {
    throw new StatusCheckError('CRL signature does not verify with the issuing CA key');
  }
  const t = new SeqReader(tbsTlv);
  if (t.peekTag() === 0x02) t.next(0x02);
  t.next(0x30, 'signature');
  if (Buffer.compare(raw(t.next(0x30, 'issuer')), issuer.subject) !== 0) throw new StatusCheckError('CRL issued by another CA');
  const thisUpdate = readTime(t.next(undefined, 'thisUpdate'));
  const nextUpdate = !t.done && (t.peekTag() === 0x17 || t.peekTag() === 0x18) ? readTime(t.next()) : undefined;
  const revoked = new Map<string, { revokedAt: Date; reason?: string }>();
  if (!t.done && t.peekTag() === 0x30) {
    for (const e of children(t.next(0x30))) {
      const r = new SeqReader(e);
      const serial = Buffer.from(integerContent(r.next(0x02))).toString('hex').replace(/^(00)+(?=..)/, '');
      const revokedAt = readTime(r.next(undefined, 'revocationDate'));
      let reason: string | undefined;
      if (!r.done) {
        for (const ext of children(r.next(0x30))) {
          const er = new SeqReader(ext);
          if (readOid(er.next(0x06)) !== OID.cRLReason) continue;
          if (er.peekTag() === 0x01) er.next();
          reason = reasonName(content(readSingle(content(er.next(0x04)), 0x0a))[0]);
        }
      }
      revoked.set(serial, { revokedAt, reason });
    }
  }
  let delta = false;
  const exts = t.optional(0xa0);
  if (exts) {
    for (const ext of children(new SeqReader(exts).next(0x30))) {
      const id = readOid(new SeqReader(ext).next(0x06));
      if (id === OID.deltaCRLIndicator) delta = true;
    }
  }
  return { thisUpdate, nextUpdate, delta, revoked };
}
