/**
 * The reporting unit's key and certificate: TLS client certificate for mTLS to the superior unit and
 * signing certificate for every message. Configured files (issued by the RA) win; otherwise the first
 * start bootstraps one from the embedded development CA under <dataDir>/uplink/ (CN = unit id).
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { PlatformConfig } from '@emsoc/common/config';
import { issueTlsServerCertificate, loadOrCreateDevCa } from '@emsoc/pki';
import { statusUrls } from '@emsoc/ra-service/ca/embedded';

export interface UnitIdentity {
  unitId: string;
  unitName: string;
  certPem: string;
  keyPem: string;
  privateKey: KeyObject;
  /** Leaf first, then intermediates (no root needed, but harmless). */
  chainDer: Buffer[];
  fingerprint: string;
}

export const pemBlocks = (pem: string): string[] => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

export function unitFiles(dataDir: string) {
  const dir = path.join(dataDir, 'uplink');
  return { dir, cert: path.join(dir, 'unit.pem'), key: path.join(dir, 'unit-key.pem'), chain: path.join(dir, 'unit-chain.pem') };
}

export function loadUnitIdentity(config: PlatformConfig): UnitIdentity {
  let certFile: string;
  let keyFile: string;
  let chainFile: string | undefined;
  if (config.uplink.certificate) {
    ({ certFile, keyFile, chainFile } = config.uplink.certificate);
  } else {
    const f = unitFiles(config.dataDir);
    if (!fs.existsSync(f.cert)) {
      // The CDP names this unit's RA CRL, so the superior unit's revocation check has somewhere to look.
      const ca = loadOrCreateDevCa(path.join(config.dataDir, 'ca'), { crlUrls: [statusUrls(config.publicHost, config.ra.statusPort).crl] });
      const host = config.publicHost;
      issueTlsServerCertificate(
        ca,
        { clientAuth: true, commonName: config.unit.id, name: 'unit', ...(net.isIP(host) ? { ipAddresses: [host] } : { dnsNames: [host] }) },
        f.dir,
      );
    }
    ({ cert: certFile, key: keyFile, chain: chainFile } = f);
  }
  const certPem = fs.readFileSync(certFile, 'utf8');
  const keyPem = fs.readFileSync(keyFile, 'utf8');
  const chainPem = chainFile && fs.existsSync(chainFile) ? fs.readFileSync(chainFile, 'utf8') : certPem;
  const blocks = pemBlocks(chainPem);
  const leaf = new X509Certificate(certPem);
  const chainDer = [leaf.raw, ...blocks.map((b) => new X509Certificate(b).raw).filter((d) => !d.equals(leaf.raw))];
  const privateKey = createPrivateKey(keyPem);
  if (!leaf.checkPrivateKey(privateKey)) throw new Error(`unit key ${keyFile} does not belong to certificate ${certFile}`);
  return { unitId: config.unit.id, unitName: config.unit.name, certPem, keyPem, privateKey, chainDer, fingerprint: leaf.fingerprint256.replace(/:/g, '').toLowerCase() };
}
