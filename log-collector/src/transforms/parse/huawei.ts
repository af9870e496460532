/**
 * Huawei VRP information-center messages:
 * `%%01SHELL/5/LOGIN(s):The user succeeded in logging in to VTY0. (UserType=SSH, UserName=admin, Ip=10.1.1.1, VpnName=)`.
 * `event.code` is `MODULE/SEVERITY/BRIEF`.
 */
import { SEVERITY_NAMES } from '../../sources/syslog/priority.js';
import { classify, endpoint, type EcsEvent, sub, userName } from './util.js';

const TAG = /^%%(\d{2})([A-Z0-9_-]+)\/(\d)\/([A-Z0-9_]+)(?:\((\w+)\))?(?:\[\d+\])?:\s?(.*)$/s;

export function parseHuawei(ev: EcsEvent, msg: string): boolean {
  const m = TAG.exec(msg);
  if (!m) return false;
  const [, version, module, sevText, brief, kind, text] = m;
  const sev = Number(sevText);
  const params: Record<string, string> = {};
  const paren = /\(([^()]*=[^()]*)\)\s*$/.exec(text!);
  if (paren) {
    for (const part of paren[1]!.split(/,\s*/)) {
      const eq = part.indexOf('=');
      if (eq > 0) params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
  }
  const auth = /LOGIN|LOGOUT|AUTH|PASSWORD|USER/.test(brief!) || module === 'SSH' || module === 'AAA';
  const failed = /FAIL/.test(brief!) || /fail/i.test(text!);
  classify(ev, {
    dataset: 'huawei.vrp',
    category: auth ? ['authentication'] : module === 'CFM' || /CMD|CONFIG/.test(brief!) ? ['configuration'] : ['host'],
    type: ['info'],
    outcome: auth || failed ? (failed ? 'failure' : 'success') : undefined,
    action: brief!.toLowerCase(),
  });
  ev.event.code = `${module}/${sev}/${brief}`;
  ev.event.severity = sev;
  sub(ev, 'log').level = SEVERITY_NAMES[sev];
  sub(ev, 'huawei').vrp = { module, version, brief, log_type: kind, params };
  userName(ev, params.UserName ?? params.User ?? params.USER);
  const addr = params.Ip ?? params.IP ?? params.IPAddress ?? params.SourceIP ?? params.SrcIp ?? params.UserAddress;
  if (addr) endpoint(ev, 'source', addr);
  return true;
}

export const huaweiParser = {
  name: 'huawei',
  match: (msg: string): boolean => msg.startsWith('%%'),
  parse: parseHuawei,
};
