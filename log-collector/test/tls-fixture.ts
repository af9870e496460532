/** Throw-away CA, server and client certificates made with the openssl CLI, for TLS listener tests. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TlsFixture {
  dir: string;
  ca: string;
  server: { key: string; cert: string };
  /** Client certificates issued by the same CA, by name. */
  client(name: string): { key: string; cert: string; serial: string };
  cleanup(): void;
}

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function issue(dir: string, name: string, subject: string, ext: string): void {
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`], dir);
}

export function makeTlsFixture(): TlsFixture {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collector-tls-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Test RA CA'], dir);
  issue(dir, 'server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return {
    dir,
    ca: read('ca.crt'),
    server: { key: read('server.key'), cert: read('server.crt') },
    client(name: string) {
      if (!fs.existsSync(path.join(dir, `${name}.crt`))) issue(dir, name, `/CN=${name}`, 'extendedKeyUsage=clientAuth\n');
      const serial = openssl(['x509', '-in', `${name}.crt`, '-noout', '-serial'], dir).trim().replace(/^serial=/, '').toLowerCase();
      return { key: read(`${name}.key`), cert: read(`${name}.crt`), serial };
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
