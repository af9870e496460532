import fs from 'node:fs';
import type { Logger } from 'pino';
import { alertToDocument, createEngine, loadEngineSupport, loadRuleDir, readRuleState, ruleDirStamp, ruleStatePath, type Engine, type StatusLookup } from '@emsoc/detection';
import { gauge } from '@emsoc/common/metrics';
import type { DetectionStage } from './event-pipeline.js';

export interface DetectionStageOptions {
  rulesDir: string;
  policiesDir: string;
  dataDir: string;
  logger: Logger;
  statusLookup?: StatusLookup;
  /** How often rule files and the console's enable/disable state are checked for changes. */
  reloadCheckMs?: number;
}

/** Changes when a rule file or the console's enable/disable state changes. */
const stamp = (dir: string, stateFile: string): string => `${ruleDirStamp(dir)}|${fs.existsSync(stateFile) ? fs.statSync(stateFile).mtimeMs : 0}`;

/**
 * The streaming detection stage of the collector: every event is evaluated as it arrives against the
 * enabled rules of the library; alerts come back as documents for the `alerts` dataset. Rule files and
 * the console's enable/disable switches are re-read when they change (hot reload keeps the correlation
 * state of unchanged rules).
 */
export function createDetectionStage(o: DetectionStageOptions): { stage: DetectionStage; engine: Engine; close(): void } {
  const stateFile = ruleStatePath(o.dataDir);
  const support = loadEngineSupport(o.policiesDir);
  const enabledRules = () => {
    const { rules, errors } = loadRuleDir(o.rulesDir);
    for (const e of errors) o.logger.warn({ rule: e }, 'rule not loaded');
    const disabled = readRuleState(stateFile).disabled;
    return rules.filter((r) => !(r.id && r.id in disabled));
  };
  const engine = createEngine({ rules: enabledRules(), ...support, mode: 'live', ...(o.statusLookup ? { statusLookup: o.statusLookup } : {}) });
  for (const r of engine.refused) o.logger.warn({ rule: r.ruleId, reason: r.reason }, 'rule refused by the engine');
  gauge('emsoc_detection_rules_loaded', 'Rules compiled into the live detection engine, by kind', ['kind'], function () {
    const r = engine.stats().rules;
    this.set({ kind: 'detection' }, r.detection);
    this.set({ kind: 'correlation' }, r.correlation);
    this.set({ kind: 'refused' }, r.refused);
  });
  gauge('emsoc_detection_correlation_groups', 'Open correlation groups (bounded; evictions are counted)', ['state'], function () {
    const c = engine.stats().correlation;
    this.set({ state: 'open' }, c.groups);
    this.set({ state: 'evicted' }, c.evictedGroups);
    this.set({ state: 'expired' }, c.expiredGroups);
  });
  let last = stamp(o.rulesDir, stateFile);
  const timer = setInterval(() => {
    try {
      const now = stamp(o.rulesDir, stateFile);
      if (now === last) return;
      last = now;
      const result = engine.reload(enabledRules());
      o.logger.info({ added: result.added.length, removed: result.removed.length, changed: result.changed.length, refused: result.refused.length }, 'detection rules reloaded');
    } catch (e) {
      o.logger.error({ err: String(e) }, 'rule reload failed; keeping the running rules');
    }
  }, o.reloadCheckMs ?? 5000);
  timer.unref();
  const stage: DetectionStage = (doc) => {
    const alerts = engine.process(doc);
    if (alerts.length === 0) return [];
    const now = new Date();
    return alerts.map((a) => alertToDocument(a, now).doc);
  };
  return { stage, engine, close: () => clearInterval(timer) };
}
