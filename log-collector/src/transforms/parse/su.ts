/** su (util-linux, shadow, BSD and old Linux variants) → `system.auth`. */
import { parsePam } from './pam.js';
import { classify, type EcsEvent, sub, userName } from './util.js';

const DATASET = 'system.auth';
const PATTERNS: Array<[RegExp, 'success' | 'failure', number, number]> = [
  // [regex, outcome, group of the acting user, group of the target user]
  [/^'su (\S+)' (?:failed|succeeded) for (\S+) on/, 'failure', 2, 1],
  [/^FAILED SU \(to (\S+)\) (\S+) on/, 'failure', 2, 1],
  [/^\(to (\S+)\) (\S+) on/, 'success', 2, 1],
  [/^BAD SU (\S+) to (\S+)/, 'failure', 1, 2],
  [/^failed: \S+ changing from (\S+) to (\S+)/, 'failure', 1, 2],
  [/^(\S+) to (\S+) on /, 'success', 1, 2],
  [/^Successful su for (\S+) by (\S+)/, 'success', 2, 1],
];

export function parseSu(ev: EcsEvent, msg: string): boolean {
  for (const [re, outcome0, actor, target] of PATTERNS) {
    const m = re.exec(msg);
    if (!m) continue;
    const outcome = re === PATTERNS[0]![0] && msg.includes(' succeeded ') ? 'success' : outcome0;
    classify(ev, {
      dataset: DATASET, category: ['authentication'], type: [outcome === 'success' ? 'start' : 'info'],
      outcome, action: outcome === 'success' ? 'su-succeeded' : 'su-failed',
    });
    userName(ev, m[actor]);
    sub(sub(ev, 'user'), 'effective').name = m[target];
    return true;
  }
  if (msg.startsWith('pam_') || /^(authentication failure|session|check pass)/.test(msg)) {
    return parsePam(ev, msg, 'su', DATASET);
  }
  return false;
}

export const suParser = { name: 'su', programs: ['su'], parse: parseSu };
