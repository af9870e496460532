export { createEngine, DEFAULT_LIMITS, type Engine, type EngineOptions, type EngineStats, type EngineLimits, type ReloadResult } from './engine.js';
export type { Alert } from './alert.js';
export { loadRuleDir, parseRuleText, loadPlaceholders, listRuleFiles, type RuleLoadError, type LoadResult } from './loader.js';
export { loadPipelines, parsePipeline, type Pipeline } from './pipeline.js';
export { parseRuleDoc, type Rule, type DetectionRule, type CorrelationRule } from './rule-parser.js';
export { groupIntoIncidents, type Incident } from './incidents.js';
export { parseAttackTags } from './attack-tags.js';
export type { StatusLookup } from './eval-context.js';
