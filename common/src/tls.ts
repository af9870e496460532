import fs from 'node:fs';
import path from 'node:path';
import type { SecureContextOptions } from 'node:tls';

/** Where the bootstrap writes each listener's certificate: <dataDir>/tls/<name>.pem and <name>-key.pem, CA at <dataDir>/ca/root.pem. */
export function tlsPaths(dataDir: string, name: string) {
  return {
    cert: path.join(dataDir, 'tls', `${name}.pem`),
    key: path.join(dataDir, 'tls', `${name}-key.pem`),
    ca: path.join(dataDir, 'ca', 'root.pem'),
  };
}

export interface ListenerTls extends SecureContextOptions {
  cert: string;
  key: string;
  ca: string;
}

/** Loads a listener's certificate, key and the trust anchor used to verify client certificates. */
export function loadListenerTls(dataDir: string, name: string): ListenerTls {
  const p = tlsPaths(dataDir, name);
  for (const f of [p.cert, p.key, p.ca]) {
    if (!fs.existsSync(f)) throw new Error(`TLS material missing: ${f} (the platform bootstrap creates it at first start)`);
  }
  return {
    cert: fs.readFileSync(p.cert, 'utf8'),
    key: fs.readFileSync(p.key, 'utf8'),
    ca: fs.readFileSync(p.ca, 'utf8'),
    minVersion: 'TLSv1.2',
  };
}
