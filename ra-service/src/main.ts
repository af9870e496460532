/**
 * Runs the RA service standalone:
 *   node --import tsx ra-service/src/main.ts [--config platform.yaml] [--ingest-token-file FILE]
 * Expects the platform bootstrap to have created <dataDir>/ca/ (dev CA) and <dataDir>/tls/ra.{crt,key}.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, IdentityStore, loadConfig, loadRolePolicy } from '@emsoc/common';
import { startRaService } from './service.js';

const HELP = `Usage: ra-service [--config FILE] [--ingest-token-file FILE]

Starts the registration authority: HTTPS API on bind:ra.port (default 8444) and
CRL/CA-certificate status listener on bind:ra.statusPort (default 8446, plain HTTP).

  --config FILE             platform configuration (YAML); SOC_CONFIG and SOC__* env also apply
  --ingest-token-file FILE  forward audit records to the collector ingest with this Bearer token
                            (default $SOC_RA_INGEST_TOKEN_FILE)
  --help                    show this help
`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { config: { type: 'string' }, 'ingest-token-file': { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
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
