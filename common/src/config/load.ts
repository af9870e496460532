import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { platformConfigSchema, type PlatformConfig } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Environment overrides: `SOC_DATA_DIR` for the data directory, and `SOC__a__b=value` for any key
 * (`SOC__ra__port=9444`, `SOC__store__engine=sqlite`). Values are parsed as JSON when they look like it.
 */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  if (env.SOC_DATA_DIR) raw.dataDir = env.SOC_DATA_DIR;
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('SOC__') || v === undefined) continue;
    const keys = k.slice(5).split('__').filter(Boolean);
    let cur = raw;
    for (const key of keys.slice(0, -1)) {
      if (typeof cur[key] !== 'object' || cur[key] === null) cur[key] = {};
      cur = cur[key] as Record<string, unknown>;
    }
    let value: unknown = v;
    if (/^(true|false|null|-?\d+(\.\d+)?|\[.*\]|\{.*\})$/s.test(v)) {
      try {
        value = JSON.parse(v);
      } catch {
        value = v;
      }
    }
    cur[keys[keys.length - 1]!] = value;
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('\n');
}

export interface LoadedConfig {
  config: PlatformConfig;
  /** The file the config came from, if any. */
  source?: string;
}

/** Reads the YAML file (if any), applies environment overrides, validates, resolves paths. */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = opts.file ?? env.SOC_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (e) {
      throw new ConfigError(`config file ${file} is not valid YAML: ${(e as Error).message}`);
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new ConfigError(`config file ${file} must be a mapping at the top level`);
    }
    raw = (parsed as Record<string, unknown>) ?? {};
  }
  applyEnv(raw, env);
  const result = platformConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`invalid configuration${file ? ` in ${file}` : ''}:\n${describeIssues(result.error)}`);
  }
  const config = result.data;
  config.dataDir = path.resolve(cwd, config.dataDir);
  return { config, ...(file ? { source: path.resolve(cwd, file) } : {}) };
}
