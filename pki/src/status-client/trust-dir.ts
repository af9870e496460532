import fs from 'node:fs';
import path from 'node:path';
import { createCertificateStatusCheck } from './client.js';

/**
 * The status check relying services use, trusting the platform's CA roots found under a data directory
 * (`ca/root.pem`, and `ca-sm2/root.pem` when the SM2 root exists).
 */
export function statusCheckForDataDir(dataDir: string, opts: { timeoutMs?: number; cacheSize?: number } = {}) {
  const roots = ['ca/root.pem', 'ca-sm2/root.pem']
    .map((f) => path.join(dataDir, f))
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f, 'utf8'));
  return createCertificateStatusCheck({ caCertificatePem: roots.join('\n'), timeoutMs: opts.timeoutMs ?? 3000, cacheSize: opts.cacheSize ?? 10_000 });
}
