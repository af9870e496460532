/** Starts the embedded CA's CMP endpoint when `config.ra.ca.cmpServer.enabled` (embedded connector only). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { PlatformConfig } from '@emsoc/common';
import type { RegistrationAuthority } from '../../ra.js';
import type { RaRepository } from '../../store/repository.js';
import type { CaConnector } from '../connector.js';
import { EmbeddedCa } from '../embedded.js';
import { cmpServerConfig, CmpServer } from './server.js';

export const DEFAULT_CMP_PORT = 8448;

export async function startCmpEndpoint(o: { config: PlatformConfig; ca: CaConnector; ra: RegistrationAuthority; repo: RaRepository; logger: Logger }): Promise<{ port: number; server: CmpServer; close(): Promise<void> } | undefined> {
  const raw = (o.config.ra.ca as Record<string, unknown>).cmpServer;
  if (!raw) return undefined;
  const cfg = cmpServerConfig.parse(raw);
  if (!cfg.enabled) return undefined;
  if (!(o.ca instanceof EmbeddedCa)) throw new Error('ra.ca.cmpServer needs the embedded CA connector');
  const server = new CmpServer(cfg, { ra: o.ra, repo: o.repo, caCert: o.ca.ca.certificateDer, caSigner: o.ca.ca.signer, logger: o.logger, dataDir: o.config.dataDir });
  const listener = http.createServer(server.httpHandler());
  listener.headersTimeout = 10_000;
  listener.requestTimeout = 30_000;
  listener.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(cfg.port ?? DEFAULT_CMP_PORT, o.config.bind, () => resolve());
  });
  const port = (listener.address() as AddressInfo).port;
  o.logger.info({ port, path: cfg.path, clients: cfg.clients.map((c) => c.reference), signatureClients: cfg.signatureClients }, 'CMP endpoint listening');
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close();
        listener.close(() => resolve());
        listener.closeAllConnections?.();
      }),
  };
}
