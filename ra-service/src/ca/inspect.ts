import { decodeTbs } from '@emsoc/pki/lint/index';
import { inspectCertificate } from '@emsoc/pki/x509/certificate';
import type { CertificateRecord, SanEntry } from '../model.js';

/** Key and names of a certificate this RA issued (read back from its stored DER). */
export function inspectIssued(cert: CertificateRecord): { publicKeyInfo: Uint8Array; sans: SanEntry[] } {
  if (!cert.der) throw new Error(`certificate ${cert.serial} has no DER`);
  const info = inspectCertificate(cert.der);
  const view = decodeTbs(info.tbs);
  const sans: SanEntry[] = [];
  for (const n of view.subjectAltNames?.names ?? []) {
    if (n.type === 'dns' || n.type === 'ip' || n.type === 'email' || n.type === 'uri') sans.push({ type: n.type, value: n.value });
  }
  return { publicKeyInfo: info.publicKeyInfo, sans };
}
