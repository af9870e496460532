/**
 * Runs the RA service standalone:
 *   node --import tsx ra-service/src/main.ts [--config platform.yaml] [--ingest-token-file FILE]
 * Expects the platform bootstrap to have created <dataDir>/ca/ (dev CA) and <dataDir>/tls/ra.{crt,key}.
 */
import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, IdentityStore, loadConfig, loadRolePolicy } from '@emsoc/common';
import { verifyAuditTrail } from './audit/checkpoints.js';
import { startRaService } from './service.js';
import { openRepository } from './store/open.js';

const HELP = `Usage: ra-service [--config FILE] [--ingest-token-file FILE]
       ra-service verify-audit [--config FILE] [--public-key FILE]

Starts the registration authority: HTTPS API on bind:ra.port (default 8444) and
CRL/CA-certificate status listener on bind:ra.statusPort (default 8446, plain HTTP).

  --config FILE             platform configuration (YAML); SOC_CONFIG and SOC__* env also apply
  --ingest-token-file FILE  forward audit records to the collector ingest with this Bearer token
                            (default $SOC_RA_INGEST_TOKEN_FILE)
  --help                    show this help

verify-audit checks the audit chain and signed checkpoints straight from the database (no running
service needed; public key default <dataDir>/ra/audit-signing-pub.pem) and exits 1 if it is broken.
`;

/** Offline verification for auditors: reads the database directly, trusts only the public key file. */
async function verifyOffline(configFile: string | undefined, publicKeyFile: string | undefined): Promise<number> {
  const { config } = loadConfig({ file: configFile });
  const repo = await openRepository(config);
  try {
    const pub = createPublicKey(fs.readFileSync(publicKeyFile ?? path.join(config.dataDir, 'ra', 'audit-signing-pub.pem'), 'utf8'));
    const report = await verifyAuditTrail(repo, pub);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await repo.close();
  }
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: { config: { type: 'string' }, 'ingest-token-file': { type: 'string' }, 'public-key': { type: 'string' }, help: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (args.positionals.length > 1 || (args.positionals[0] && args.positionals[0] !== 'verify-audit')) throw new Error(`unknown command ${args.positionals.join(' ')}`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.positionals[0] === 'verify-audit') return verifyOffline(args.values.config, args.values['public-key']);
  const { config } = loadConfig({ file: args.values.config });
  const logger = createLogger('ra', config.log.level);
  const identity = new IdentityStore(path.join(config.dataDir, 'identity.db'), loadRolePolicy());
  const ingestTokenFile = args.values['ingest-token-file'] ?? process.env.SOC_RA_INGEST_TOKEN_FILE;
  const svc = await startRaService({ config, logger, identity, ingestTokenFile });
  // Readiness for the platform supervisor (IPC), when started by it.
  process.send?.({ ready: true });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('RA service stopping');
  await svc.close();
  identity.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`ra-service: ${(e as Error).message}\n`);
    process.send?.({ error: (e as Error).message });
    process.exit(1);
  },
);
