import type { Logger } from 'pino';
import type { PlatformConfig } from '@emsoc/common';
import type { RaRepository } from '../store/repository.js';
import type { CaConnector } from './connector.js';
import { EmbeddedCa, statusUrls } from './embedded.js';
import { cfsslConnectorConfig, CfsslConnector } from './cfssl/connector.js';
import { cmpConnectorConfig, CmpConnector } from './cmp/connector.js';

type Factory = (ctx: { config: PlatformConfig; repo: RaRepository; logger?: Logger }) => Promise<CaConnector>;

/** Settings of one connector under `config.ra.ca.<name>`, checked by that connector's own schema. */
function section<T>(config: PlatformConfig, name: string, schema: { parse(x: unknown): T }): T {
  const raw = (config.ra.ca as Record<string, unknown>)[name];
  if (!raw) throw new Error(`config.ra.ca.${name} is required for connector "${name}"`);
  return schema.parse(raw);
}

/** `config.ra.ca.connector` → implementation (settings under `config.ra.ca.cmp` / `config.ra.ca.cfssl`). */
export const CONNECTORS: Record<string, Factory> = {
  embedded: async ({ config, repo }) => EmbeddedCa.load(config.dataDir, statusUrls(config.publicHost, config.ra.statusPort), repo),
  cmp: async ({ config, repo, logger }) => new CmpConnector(section(config, 'cmp', cmpConnectorConfig), config.dataDir, repo, logger?.child({ component: 'ca-cmp' })),
  cfssl: async ({ config, repo, logger }) => new CfsslConnector(section(config, 'cfssl', cfsslConnectorConfig), config.dataDir, repo, logger?.child({ component: 'ca-cfssl' })),
};

export async function openConnector(config: PlatformConfig, repo: RaRepository, logger?: Logger): Promise<CaConnector> {
  const name = config.ra.ca.connector;
  const factory = CONNECTORS[name];
  if (!factory) throw new Error(`CA connector "${name}" is not implemented yet (available: ${Object.keys(CONNECTORS).join(', ')})`);
  return factory({ config, repo, logger });
}
