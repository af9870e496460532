/** Smaller formats: SonicWall key=value, Snare-forwarded Windows events, Proxifier. */
import { classify, embeddedTimestamp, endpoint, type EcsEvent, sub, userName } from './util.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
import { parseKv } from './util.js';

/** SonicWall: `id=firewall sn=.. time=".." fw=.. pri=5 c=64 m=36 msg="TCP connection dropped" src=1.2.3.4:4507:WAN dst=...` */
export function parseSonicwall(ev: EcsEvent, msg: string): boolean {
  const kv = parseKv(msg);
  if (!kv.sn || !kv.m || !kv.id) return false;
  ev.sonicwall = { firewall: kv };
  const text = kv.msg ?? '';
  const denied = /drop|denied|block|reject|fail/i.test(text);
  const auth = /login|logged|auth/i.test(text);
  classify(ev, {
    dataset: 'sonicwall.firewall', category: auth ? ['authentication'] : ['network'],
    type: auth ? ['info'] : ['connection', ...(denied ? ['denied'] : [])],
    outcome: denied ? 'failure' : undefined, action: text || 'sonicwall',
  });
  ev.event.code = kv.m;
  const ep = (side: 'source' | 'destination', v?: string): void => {
    if (!v) return;
    // ip:port:interface, or :port:interface when the address is in srcV6/dstV6
    const parts = v.split(':');
    const addr = parts[0] || (side === 'source' ? kv.srcV6 : kv.dstV6);
    endpoint(ev, side, addr, parts[1]);
  };
  ep('source', kv.src);
  ep('destination', kv.dst);
  if (kv.proto) sub(ev, 'network').transport = kv.proto.split('/')[0];
  userName(ev, kv.usr ?? kv.user);
  const obs = sub(ev, 'observer');
  obs.vendor = 'SonicWall';
  obs.serial_number = kv.sn;
  if (kv.fw) obs.ip = kv.fw;
  return true;
}

const SNARE_AUTH: Record<string, ['success' | 'failure', string]> = {
  '4624': ['success', 'logged-in'], '4625': ['failure', 'logon-failed'], '4634': ['success', 'logged-out'],
  '4648': ['success', 'explicit-credential-logon'], '4771': ['failure', 'kerberos-preauth-failed'],
  '4776': ['success', 'credential-validated'],
};
const SNARE_IAM: Record<string, [string[], string]> = {
  '4720': [['user', 'creation'], 'added-user-account'], '4722': [['user', 'change'], 'enabled-user-account'],
  '4724': [['user', 'change'], 'reset-password'], '4725': [['user', 'change'], 'disabled-user-account'],
  '4726': [['user', 'deletion'], 'deleted-user-account'], '4728': [['group', 'change'], 'added-member-to-group'],
  '4732': [['group', 'change'], 'added-member-to-group'], '4740': [['user', 'change'], 'locked-out-user-account'],
};

/** Snare agent tab-separated Windows event: `MSWinEventLog<TAB>crit<TAB>Security<TAB>rec<TAB>time<TAB>4624<TAB>...` */
export function parseSnare(ev: EcsEvent, msg: string): boolean {
  const start = msg.indexOf('MSWinEventLog');
  if (start < 0) return false;
  const f = msg.slice(start).split('\t');
  if (f.length < 12) return false;
  const [, , channel, record, , eventId, provider, user, , evType, computer, category, , description] = f;
  const winlog: EcsEvent = { channel, record_id: record, event_id: eventId, provider_name: provider, computer_name: computer, task: category };
  ev.winlog = winlog;
  const outcome = /Success/.test(evType ?? '') ? 'success' : /Failure/.test(evType ?? '') ? 'failure' : undefined;
  const auth = SNARE_AUTH[eventId ?? ''];
  const iam = SNARE_IAM[eventId ?? ''];
  if (auth) classify(ev, { dataset: 'windows.security', category: ['authentication'], type: ['info'], outcome: auth[0], action: auth[1] });
  else if (iam) classify(ev, { dataset: 'windows.security', category: ['iam'], type: iam[0], outcome: outcome ?? 'success', action: iam[1] });
  else if (eventId === '4688') classify(ev, { dataset: 'windows.security', category: ['process'], type: ['start'], outcome, action: 'created-process' });
  else classify(ev, { dataset: channel === 'Security' ? 'windows.security' : 'windows.forwarded', category: ['host'], type: ['info'], outcome, action: (category || 'event').toLowerCase().replace(/\s+/g, '-') });
  ev.event.code = eventId;
  if (computer && !ev.host?.hostname) sub(ev, 'host').hostname = computer;
  if (user && user !== 'N/A') userName(ev, user);
  const d = description ?? '';
  const acct = /New Logon:.*?Account Name:\s+(\S+)/.exec(d) ?? /Account For Which Logon Failed:.*?Account Name:\s+(\S+)/.exec(d) ?? /Account Name:\s+(\S+)/.exec(d);
  if (acct && acct[1] !== '-' && !ev.user?.name) userName(ev, acct[1]);
  const addr = /Source Network Address:\s+(\S+)/.exec(d);
  if (addr) endpoint(ev, 'source', addr[1]);
  if (d) ev.message = d.trim();
  return true;
}

const PROXIFIER = /^\[(\d\d\.\d\d \d\d:\d\d:\d\d)\] (.+?) - (.*)$/;

/** Proxifier client log: `[10.30 16:49:06] chrome.exe - host:443 open through proxy p:5070 HTTPS`. */
export function parseProxifier(ev: EcsEvent, msg: string): boolean {
  const m = PROXIFIER.exec(msg);
  if (!m) return false;
  // `MM.DD hh:mm:ss`, no year: resolved like a BSD syslog stamp.
  const month = MONTHS[Number(m[1]!.slice(0, 2)) - 1];
  if (month) embeddedTimestamp(ev, `${month} ${m[1]!.slice(3, 5)} ${m[1]!.slice(6)}`);
  const proc = m[2]!.replace(/ \*64$/, '');
  sub(ev, 'process').name = proc;
  const text = m[3]!;
  const target = /^([^\s:]+):(\d+) (open|close|error)/.exec(text) ?? /^([^\s:]+):(\d+) (matching|resolve)/.exec(text);
  const action = target ? target[3]! : /^\S+ (open|close|error)/.exec(text)?.[1] ?? 'proxy-event';
  classify(ev, {
    dataset: 'proxifier.log', category: ['network'], type: ['connection', ...(action === 'open' ? ['start'] : action === 'close' ? ['end'] : [])],
    outcome: action === 'error' ? 'failure' : undefined, action,
  });
  if (target) endpoint(ev, 'destination', target[1], target[2]);
  const bytes = /(?<!\d)(\d+) bytes(?: \([\d.]+ \w+\))? sent, (?<!\d)(\d+) bytes(?: \([\d.]+ \w+\))? received/.exec(text);
  if (bytes) {
    sub(ev, 'source').bytes = Number(bytes[1]);
    sub(ev, 'destination').bytes = Number(bytes[2]);
  }
  return true;
}

export const sonicwallParser = { name: 'sonicwall', match: (msg: string): boolean => msg.startsWith('id=') && msg.includes(' sn='), parse: parseSonicwall };
export const snareParser = { name: 'snare', match: (msg: string): boolean => msg.includes('MSWinEventLog\t'), parse: parseSnare };
export const proxifierParser = { name: 'proxifier', match: (msg: string): boolean => msg.charCodeAt(0) === 91 && msg.charCodeAt(3) === 46, parse: parseProxifier };
