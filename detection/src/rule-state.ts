import fs from 'node:fs';
import path from 'node:path';

/**
 * Which library rules are switched off, in `<dataDir>/detection/rule-state.json`:
 * `{ "version": 1, "disabled": { "<rule id>": { "at": ISO, "by": account } } }`.
 * The console writes it (atomically); the collector's detection stage reads it and skips those rules.
 */
export interface RuleStateFile {
  version: 1;
  disabled: Record<string, { at: string; by: string }>;
}

export const ruleStatePath = (dataDir: string) => path.join(dataDir, 'detection', 'rule-state.json');

export function readRuleState(file: string): RuleStateFile {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as RuleStateFile;
    if (v && v.version === 1 && v.disabled && typeof v.disabled === 'object') return v;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} is unreadable: ${(e as Error).message}`);
  }
  return { version: 1, disabled: {} };
}

export function setRuleEnabled(file: string, id: string, enabled: boolean, by: string, at: Date): boolean {
  const state = readRuleState(file);
  const was = !(id in state.disabled);
  if (enabled) delete state.disabled[id];
  else state.disabled[id] = { at: at.toISOString(), by };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o644 });
  fs.renameSync(tmp, file);
  return was;
}
