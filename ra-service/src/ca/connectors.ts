import type { PlatformConfig } from '@emsoc/common';
import type { RaRepository } from '../store/repository.js';
import type { CaConnector } from './connector.js';
import { EmbeddedCa, statusUrls } from './embedded.js';

type Factory = (ctx: { config: PlatformConfig; repo: RaRepository }) => Promise<CaConnector>;

/** `config.ra.ca.connector` → implementation. CMP and cfssl register here when they are written. */
export const CONNECTORS: Record<string, Factory> = {
  embedded: async ({ config, repo }) => EmbeddedCa.load(config.dataDir, statusUrls(config.publicHost, config.ra.statusPort), repo),
};

export async function openConnector(config: PlatformConfig, repo: RaRepository): Promise<CaConnector> {
  const name = config.ra.ca.connector;
  const factory = CONNECTORS[name];
  if (!factory) throw new Error(`CA connector "${name}" is not implemented yet (available: ${Object.keys(CONNECTORS).join(', ')})`);
  return factory({ config, repo });
}
