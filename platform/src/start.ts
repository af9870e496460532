import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type PlatformConfig } from '@emsoc/common/config';
import { createLogger } from '@emsoc/common/log';
import { IdentityStore, loadRolePolicy } from '@emsoc/common/auth';
import { repoRoot } from '@emsoc/common/paths';
import { bootstrapPki } from './bootstrap-pki.js';
import { bootstrapIdentity } from './bootstrap-identity.js';
import { Supervisor } from './supervisor.js';

const HELP = `Usage: npm start [-- --config FILE]

Starts the whole platform: log collector, RA service (with the embedded development CA standing in for the
ministry CA) and the SOC console, each as its own process, on embedded defaults (SQLite under ./data).

  -c, --config FILE   YAML configuration (default: $SOC_CONFIG, else built-in defaults)
  -h, --help          this text

Environment: SOC_DATA_DIR (data directory), SOC__<section>__<key>=value (any config key).
`;

/** The uplink runs when it has something to do: report upwards, receive from below, or both. */
const uplinkHasRole = (config: PlatformConfig) => config.uplink.enabled && (config.uplink.upper !== undefined || config.uplink.receiver.enabled);

/** The uplink's roles in one line: where it reports to, and whether it receives from lower units. */
function uplinkLine(config: PlatformConfig): string {
  const u = config.uplink;
  if (!u.enabled) return 'disabled';
  if (!uplinkHasRole(config)) return 'not configured (no uplink.upper, uplink.receiver.enabled false)';
  const roles = [u.upper ? `reports to ${u.upper.url}` : 'no superior unit configured', u.receiver.enabled ? `receives at https://${config.bind}:${u.port}/api/v1/uplink/reports` : 'not receiving'];
  return roles.join('; ');
}

function summary(config: PlatformConfig, adminTokenFile: string | undefined): string {
  const c = config.collector;
  const h = config.bind;
  const on = (enabled: boolean, s: string) => (enabled ? s : `${s} (disabled)`);
  const lines = [
    '',
    'EMSOC platform is running',
    `  data directory          ${config.dataDir}`,
    `  development CA root     ${path.join(config.dataDir, 'ca', 'root.pem')}  (embedded stand-in for the ministry CA)`,
    `  SOC console + API       https://${h}:${config.console.port}/`,
    `  RA API                  https://${h}:${config.ra.port}/api/v1/  (OpenAPI: /api/v1/openapi.json)`,
    `  CRL / OCSP / CMP        http://${h}:${config.ra.statusPort}/`,
    `  syslog                  ${on(c.syslogUdp.enabled, `udp ${h}:${c.syslogUdp.port}`)}, ${on(c.syslogTcp.enabled, `tcp ${h}:${c.syslogTcp.port}`)}, ${on(c.syslogTls.enabled, `tls ${h}:${c.syslogTls.port}`)}`,
    `  NetFlow/IPFIX           ${on(c.netflow.enabled, `udp ${h}:${c.netflow.port}`)}`,
    `  HTTP ingest + metrics   ${on(c.http.enabled, `https://${h}:${c.http.port}/api/v1/ingest`)}`,
    `  uplink (reports)        ${uplinkLine(config)}`,
    `  event store             ${config.store.engine === 'sqlite' ? `SQLite ${path.join(config.dataDir, 'events.db')}` : `${config.store.engine} ${config.store.urls.join(', ')}`}`,
  ];
  if (adminTokenFile) lines.push(`  initial admin token     ${adminTokenFile}  (mode 0600; shown once, keep it safe)`);
  lines.push('Press Ctrl-C to stop.', '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  let config: PlatformConfig;
  let source: string | undefined;
  try {
    ({ config, source } = loadConfig(values.config ? { file: values.config } : {}));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = createLogger('platform', config.log.level);
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const pki = bootstrapPki(config);
  if (pki.caCreated) logger.info({ root: path.join(config.dataDir, 'ca', 'root.pem') }, 'created the embedded development CA (stand-in for the ministry CA)');
  const roles = loadRolePolicy();
  const identity = new IdentityStore(path.join(config.dataDir, 'identity.db'), roles);
  const ids = bootstrapIdentity(identity, roles, config.dataDir);
  identity.close();

  // Children read the same validated config: pass the file, and the resolved data dir.
  const env = { SOC_DATA_DIR: config.dataDir, ...(source ? { SOC_CONFIG: source } : {}) };
  const supervisor = new Supervisor(logger);
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'stopping the platform');
    await supervisor.stopAll();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    // The collector first, so the RA's audit forwarder finds its ingest endpoint.
    await supervisor.start({ name: 'log-collector', entry: path.join(repoRoot, 'log-collector/src/main.ts'), env });
    await supervisor.start({
      name: 'ra-service',
      entry: path.join(repoRoot, 'ra-service/src/main.ts'),
      env: { ...env, SOC_RA_INGEST_TOKEN_FILE: ids.raIngestTokenFile },
    });
    await supervisor.start({ name: 'soc-console', entry: path.join(repoRoot, 'soc-console/server/src/main.ts'), env });
    if (uplinkHasRole(config)) await supervisor.start({ name: 'uplink', entry: path.join(repoRoot, 'uplink/src/main.ts'), env });
  } catch (e) {
    logger.fatal({ err: (e as Error).message }, 'platform failed to start');
    await supervisor.stopAll(3000);
    process.exit(1);
  }
  process.stdout.write(summary(config, ids.adminTokenFile));
  logger.info({ pids: { collector: supervisor.pid('log-collector'), ra: supervisor.pid('ra-service'), console: supervisor.pid('soc-console') } }, 'platform ready');
}

await main();
