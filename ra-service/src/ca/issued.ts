import { decodeName, inspectCertificate, nameToString, readSingle, readTlv } from '@emsoc/pki';
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

/**
 * True when `der` is a certificate whose TBS is byte for byte `tbsDer` (the embedded CA signs exactly
 * what was prepared): its serial, validity and subject are then the prepared ones, no decoding needed.
 */
export function signedAsPrepared(der: Uint8Array, tbsDer: Uint8Array): boolean {
  try {
    const outer = readSingle(der, 0x30);
    const tbs = readTlv(der, outer.contentStart, outer.end);
    return tbs.end - tbs.start === tbsDer.length && Buffer.from(der.buffer, der.byteOffset + tbs.start, tbsDer.length).equals(tbsDer);
  } catch {
    return false;
  }
}
