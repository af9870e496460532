import { decodeName, inspectCertificate, nameToString } from '@emsoc/pki';
import { decodeTbs } from '@emsoc/pki/lint/index';

/** Hex of a serial's magnitude (no DER sign octet), the form the RA stores serials in. */
export function serialHexOf(integerContent: Uint8Array): string {
  let i = 0;
  while (i < integerContent.length - 1 && integerContent[i] === 0) i++;
  return Buffer.from(integerContent.subarray(i)).toString('hex');
}

/** Record fields as the CA actually issued them (a remote CA chooses serial and may adjust validity). */
export function issuedCertificateFields(der: Uint8Array): { serial: string; notBefore: string; notAfter: string; subjectDn: string } {
  const info = inspectCertificate(der);
  const view = decodeTbs(info.tbs);
  return { serial: serialHexOf(info.serialNumber), notBefore: view.notBefore.toISOString(), notAfter: view.notAfter.toISOString(), subjectDn: nameToString(decodeName(info.subject)) };
}
