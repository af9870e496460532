import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { PlatformConfig } from '@emsoc/common/config';
import { tlsPaths } from '@emsoc/common/tls';
import { issueTlsServerCertificate, loadOrCreateDevCa } from '@emsoc/pki';

/** The listeners that need a certificate; clientAuth where the service also dials out with it. */
const LISTENERS = [
  { name: 'console', clientAuth: true }, // presents itself to the RA when acting on behalf of a signed-in user
  { name: 'ra', clientAuth: false },
  { name: 'collector', clientAuth: false },
] as const;

/**
 * First start: the embedded development CA (stand-in for the ministry CA) and a certificate for every
 * TLS listener, naming localhost, the bind address and the public host. Existing files are kept.
 */
export function bootstrapPki(config: PlatformConfig): { caCreated: boolean; issued: string[] } {
  const caDir = path.join(config.dataDir, 'ca');
  const caCreated = !fs.existsSync(path.join(caDir, 'root.pem'));
  const ca = loadOrCreateDevCa(caDir);
  const names = new Set([config.publicHost, config.bind].filter((h) => h !== '0.0.0.0' && h !== '::'));
  const ipAddresses = [...names].filter((h) => net.isIP(h));
  if (!ipAddresses.includes('127.0.0.1')) ipAddresses.push('127.0.0.1');
  const dnsNames = [...names].filter((h) => !net.isIP(h));
  const issued: string[] = [];
  for (const l of LISTENERS) {
    if (fs.existsSync(tlsPaths(config.dataDir, l.name).cert)) continue;
    issueTlsServerCertificate(ca, { dnsNames, ipAddresses, clientAuth: l.clientAuth, name: l.name, commonName: `emsoc-${l.name}` }, path.join(config.dataDir, 'tls'));
    issued.push(l.name);
  }
  return { caCreated, issued };
}
