import { SFLOW_DEFAULT_PORT } from './listen.js';

/**
 * Where the sFlow listener binds. The config schema has no `collector.sflow` section yet (it belongs to
 * common/); until it does, `SOC_COLLECTOR_SFLOW_PORT` sets the port and `SOC_COLLECTOR_SFLOW=off`
 * disables it. Once the section exists it wins.
 */
export function sflowListenerSettings(collector: object, env: NodeJS.ProcessEnv = process.env): { enabled: boolean; port: number } {
  const fromConfig = (collector as { sflow?: { enabled?: boolean; port?: number } }).sflow;
  if (fromConfig) return { enabled: fromConfig.enabled ?? true, port: fromConfig.port ?? SFLOW_DEFAULT_PORT };
  const port = Number(env.SOC_COLLECTOR_SFLOW_PORT ?? SFLOW_DEFAULT_PORT);
  const off = /^(off|0|false|no)$/i.test(env.SOC_COLLECTOR_SFLOW ?? '');
  return { enabled: !off && Number.isInteger(port) && port > 0 && port < 65536, port };
}
