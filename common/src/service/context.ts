import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { loadConfig, type PlatformConfig } from '../config/index.js';
import { createLogger } from '../log.js';
import { IdentityStore } from '../auth/identity-store.js';
import { loadRolePolicy, type RolePolicy } from '../auth/roles.js';

export interface ServiceContext {
  config: PlatformConfig;
  logger: Logger;
  identity: IdentityStore;
  roles: RolePolicy;
}

/**
 * What every service process starts from: `--config FILE` (or SOC_CONFIG), validated config, a logger
 * named after the service, and the shared identity store. `--help` prints usage and exits.
 */
export function serviceContext(name: string, argv = process.argv.slice(2)): ServiceContext {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      `Usage: ${name} [--config FILE]\n\nRuns the ${name} service of the platform.\n` +
        `  -c, --config FILE   YAML configuration (default: $SOC_CONFIG, else built-in defaults)\n` +
        `  -h, --help          this text\n\nEnvironment: SOC_DATA_DIR, SOC__<section>__<key>=value overrides.\n`,
    );
    process.exit(0);
  }
  const { config } = loadConfig(values.config ? { file: values.config } : {});
  const logger = createLogger(name, config.log.level);
  const roles = loadRolePolicy();
  const identity = new IdentityStore(path.join(config.dataDir, 'identity.db'), roles);
  return { config, logger, identity, roles };
}
