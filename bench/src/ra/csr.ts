// bench: library — shared by the RA benchmarks (not a benchmark itself).
import { generateKeyPairSync, sign } from 'node:crypto';
import { algorithmIdentifier, bitString, constructed, encodeName, integer, oid, sequence, set, subjectAltNameExtension, toPem } from '@emsoc/pki';

/** A PKCS#10 request for a fresh P-256 key, CN and one DNS SAN (extensionRequest attribute) = `dns`. */
export function p256Csr(dns: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const extReq = sequence(oid('1.2.840.113549.1.9.14'), set(sequence(subjectAltNameExtension([{ type: 'dns', value: dns }], false))));
  const cri = sequence(integer(0), encodeName([{ type: 'CN', value: dns }]), spki, constructed(0xa0, [extReq]));
  const sig = sign('sha256', cri, { key: privateKey, dsaEncoding: 'der' });
  return toPem(sequence(cri, algorithmIdentifier('1.2.840.10045.4.3.2'), bitString(sig)), 'CERTIFICATE REQUEST');
}
