/** DNS (BIND named), proxy (Squid access log) and FTP servers (vsftpd, ProFTPD). */
import { classify, endpoint, type EcsEvent, int, sub, userName } from './util.js';

export function parseNamed(ev: EcsEvent, msg: string): boolean {
  const m = /^client (?:@0x[0-9a-f]+ )?([0-9a-fA-F.:]+)#(\d+)(?: \(([^)]+)\))?: (.*)$/.exec(msg);
  if (!m) {
    classify(ev, { dataset: 'bind.log', category: ['network'], type: ['info'], action: 'named-message' });
    return true;
  }
  endpoint(ev, 'source', m[1], m[2]);
  const text = m[4]!;
  const q = /^query: (\S+) (\S+) (\S+)/.exec(text);
  const denied = /denied|refused|REFUSED/.test(text);
  classify(ev, {
    dataset: 'bind.log', category: ['network'], type: denied ? ['protocol', 'denied'] : ['protocol'],
    outcome: denied ? 'failure' : q ? 'success' : undefined, action: q ? 'query' : text.split(/[ :(]/)[0] || 'client',
  });
  const name = q?.[1] ?? m[3];
  if (name) ev.dns = { question: { name, class: q?.[2], type: q?.[3] } };
  return true;
}

const SQUID = /^(\d+)\.(\d+)\s+(\d+) (\S+) ([A-Z_]+)\/(\d{3}) (\d+) (\S+) (\S+) (\S+) ([A-Z_]+)\/(\S+) (\S+)/;

export function parseSquid(ev: EcsEvent, msg: string): boolean {
  const m = SQUID.exec(msg);
  if (!m) return false;
  const status = Number(m[6]);
  const denied = /DENIED/.test(m[5]!);
  classify(ev, { dataset: 'squid.access', category: ['web', 'network'], type: denied ? ['access', 'denied'] : ['access'], outcome: denied || status >= 400 ? 'failure' : 'success', action: m[5] });
  ev['@timestamp'] = new Date(Number(m[1]) * 1000 + Number(m[2]!.padEnd(3, '0').slice(0, 3))).toISOString();
  endpoint(ev, 'source', m[4]);
  ev.http = { request: { method: m[8] }, response: { status_code: status, bytes: int(m[7]) } };
  ev.url = { original: m[9] };
  if (m[10] !== '-') userName(ev, m[10]);
  if (m[12] !== '-') endpoint(ev, 'destination', m[12]);
  sub(ev, 'event').duration = Number(m[3]) * 1e6;
  return true;
}

export function parseVsftpd(ev: EcsEvent, msg: string): boolean {
  const m = /^\[pid (\d+)\] (?:\[([^\]]+)\] )?(CONNECT|(?:OK|FAIL) [A-Z]+): Client "([^"]+)"(?:, "([^"]*)")?/.exec(msg);
  if (!m) return false;
  const verb = m[3]!;
  const login = verb.endsWith('LOGIN');
  classify(ev, {
    dataset: 'vsftpd.log', category: login ? ['authentication'] : verb === 'CONNECT' ? ['network'] : ['file'],
    type: ['info'], outcome: verb.startsWith('FAIL') ? 'failure' : verb.startsWith('OK') ? 'success' : undefined,
    action: verb.toLowerCase().replace(' ', '-'),
  });
  sub(ev, 'process').pid = Number(m[1]);
  if (m[2]) userName(ev, m[2]);
  endpoint(ev, 'source', m[4]);
  if (m[5]) ev.file = { path: m[5] };
  return true;
}

export function parseProftpd(ev: EcsEvent, msg: string): boolean {
  const client = /\(([^[\s()]*)\[([^\]]+)\]\)/.exec(msg);
  if (client) endpoint(ev, 'source', client[2]);
  const refused = /refused connect from (\S+)/.exec(msg);
  if (refused) endpoint(ev, 'source', refused[1]);
  const user = /\b(?:USER|ANON) (\S+?)(?::| \()/.exec(msg);
  if (user) userName(ev, user[1]);
  const ok = /Login successful/.test(msg);
  const failed = /Login failed|Incorrect password|no such user|refused|Fatal|denied/i.test(msg);
  const isLogin = !!user || /[Ll]ogin/.test(msg);
  classify(ev, {
    dataset: 'proftpd.log', category: isLogin ? ['authentication'] : ['network'], type: ['info'],
    outcome: ok ? 'success' : failed ? 'failure' : undefined, action: ok ? 'login-successful' : failed ? 'ftp-failure' : 'ftp-message',
  });
  return true;
}

export const namedParser = { name: 'named', programs: ['named', 'bind'], parse: parseNamed };
export const squidParser = { name: 'squid', programs: ['squid'], match: (msg: string): boolean => /^\d{9,}\.\d+\s/.test(msg), parse: parseSquid };
export const vsftpdParser = { name: 'vsftpd', programs: ['vsftpd'], match: (msg: string): boolean => msg.startsWith('[pid '), parse: parseVsftpd };
export const proftpdParser = { name: 'proftpd', programs: ['proftpd'], parse: parseProftpd };
