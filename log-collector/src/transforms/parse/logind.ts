/** systemd-logind session lifecycle → `system.auth` session events. */
import { classify, type EcsEvent, sub, userName } from './util.js';

const DATASET = 'system.auth';

export function parseLogind(ev: EcsEvent, msg: string): boolean {
  let m = /^New session (\S+) of user (\S+?)\.?$/.exec(msg);
  if (m) {
    classify(ev, { dataset: DATASET, category: ['session'], type: ['start'], outcome: 'success', action: 'session-new' });
    userName(ev, m[2]);
    sub(ev, 'session').id = m[1]; // not ECS core; kept for correlation with "Removed session"
    return true;
  }
  if ((m = /^Removed session (\S+?)\.?$/.exec(msg)) || (m = /^Session (\S+) logged out/.exec(msg))) {
    classify(ev, { dataset: DATASET, category: ['session'], type: ['end'], outcome: 'success', action: 'session-removed' });
    sub(ev, 'session').id = m[1];
    return true;
  }
  if (/^(New seat|Watching system buttons|Power key pressed|System is (rebooting|powering down))/.test(msg)) {
    classify(ev, { dataset: DATASET, category: ['host'], type: ['info'], action: 'logind-message' });
    return true;
  }
  return false;
}

export const logindParser = { name: 'systemd-logind', programs: ['systemd-logind'], parse: parseLogind };
