/** Starts the status port (CRL, OCSP, CA certificates) for the embedded CA and its SM2 root. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { PlatformConfig } from '@emsoc/common';
import { statusUrls, type EmbeddedCa } from '../ca/embedded.js';
import type { Profile } from '../policy/profiles.js';
import type { RaRepository } from '../store/repository.js';
import { statusAuthority, type StatusAuthority } from './authority.js';
import { issueDelegatedResponder } from './delegated-responder.js';
import { statusRequestHandler } from './http.js';
import { StatusService, type StatusOptions } from './service.js';

export const SM2_CA_NAME = 'sm2-root';

export interface StatusListener {
  port: number;
  status: StatusService;
  close(): Promise<void>;
}

/**
 * `options` defaults come from `config.ra.ca.status` (e.g. `{ maxPropagationSeconds: 60 }`) when
 * present, so operators can tune the bound without a code change.
 */
export async function startStatusListener(o: {
  config: PlatformConfig;
  ca: EmbeddedCa;
  repo: RaRepository;
  profiles: Map<string, Profile>;
  logger: Logger;
  options?: Partial<StatusOptions>;
}): Promise<StatusListener> {
  const { config, ca } = o;
  const url = (name: string) => statusUrls(config.publicHost, config.ra.statusPort, name);
  const sm2Profiles = new Set([...o.profiles.values()].filter((p) => p.signature === 'sm2-with-sm3').map((p) => p.id));
  const root = statusAuthority(ca.crlName, ca.ca.certificateDer, ca.ca.signer, (id) => !sm2Profiles.has(id), () => issueDelegatedResponder(ca.ca, ca.crlName));
  const authorities: StatusAuthority[] = [root];
  if (sm2Profiles.size) {
    const sm2 = ca.enableSm2(url(SM2_CA_NAME));
    authorities.push(statusAuthority(SM2_CA_NAME, sm2.certificateDer, sm2.signer, (id) => sm2Profiles.has(id)));
  }
  const fromConfig = (config.ra.ca as Record<string, unknown>).status as Partial<StatusOptions> | undefined;
  const status = new StatusService(
    authorities,
    o.repo,
    (profileId) => authorities.find((a) => a.issues(profileId)),
    { crl: (n) => url(n).crl, deltaCrl: (n) => url(n).deltaCrl },
    o.logger,
    { ...fromConfig, ...o.options },
  );
  await status.start();
  ca.onStatusChange = (serial) => status.changed(serial);
  const server = http.createServer(statusRequestHandler(status));
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.ra.statusPort, config.bind, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    status,
    close: () =>
      new Promise<void>((resolve) => {
        status.close();
        ca.onStatusChange = undefined;
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
