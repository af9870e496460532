export { startConsole, type ConsoleDeps, type ConsoleOptions, type RunningConsole } from './service.js';
export { alertToDocument, alertFromDocument } from './incidents/alert-document.js';
export { readRuleState, ruleStatePath, type RuleStateFile } from './rules/state.js';
export { ON_BEHALF_OF, SOURCE_ADDRESS } from './ra/proxy.js';
export { APP_CSP } from './static-app.js';
