import fs from 'node:fs';
import path from 'node:path';
import { createCertificateStatusCheck } from './client.js';

/** The platform's CA roots under a data directory (the SM2 root exists once the RA has an SM2 profile). */
export const platformCaFiles = (dataDir: string): string[] => ['ca/root.pem', 'ca-sm2/root.pem'].map((f) => path.join(dataDir, f));

/** The PEM text of those of `files` that exist, concatenated. */
export function pemOfExistingFiles(files: readonly string[]): string {
  return files
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
}

/**
 * The status check relying services use, trusting the platform's CA roots found under a data directory
 * (`ca/root.pem`, and `ca-sm2/root.pem` when the SM2 root exists).
 */
export function statusCheckForDataDir(dataDir: string, opts: { timeoutMs?: number; cacheSize?: number } = {}) {
  return createCertificateStatusCheck({ caCertificatePem: pemOfExistingFiles(platformCaFiles(dataDir)), timeoutMs: opts.timeoutMs ?? 3000, cacheSize: opts.cacheSize ?? 10_000 });
}
