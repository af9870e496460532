/**
 * Juniper Junos / SRX: `TAG: text` after a daemon name (rpd, mgd, eswd...), RT_FLOW/RT_IDS
 * session records in text or RFC 5424 structured-data form (`[junos@2636.1.1.1.2.39 source-address="..."]`),
 * including SRX lines relayed with an embedded 5424 header.
 */
import { parseStructuredData } from '../../sources/syslog/structured-data.js';
import { classify, endpoint, type EcsEvent, sub, userName } from './util.js';

const DAEMONS = [
  'rpd', 'mgd', 'eswd', 'l2ald', 'lacpd', 'chassisd', 'craftd', 'xntpd', 'dcd', 'dfwd', 'kmd', 'pfed', 'mib2d',
  'snmpd', 'alarmd', 'cosd', 'fpc0', 'fpc1', 'RT_FLOW', 'RT_IDS', 'RT_UTM', 'RT_SCREEN', 'RT_NAT', 'junos-flow',
  'junos-ids', 'login', 'cli', 'bfdd', 'ppmd', 'jdhcpd', 'auditd', 'smid', 'inetd', 'license-check',
];
const DAEMON_SET = new Set(DAEMONS.map((d) => d.toLowerCase()));
const TAG = /^([A-Z][A-Z0-9]*_[A-Z0-9_]+):?\s(.*)$/s;
/** Daemon-internal function tags (`bgp_recv:`, `bgp_read_message:2764:`), accepted from known daemons only. */
const FUNC_TAG = /^([a-z][a-z0-9_]*_[a-z0-9_]+)(?::\d+)?:\s(.*)$/s;
const EMBEDDED_5424 = /^(\d{4}-\d\d-\d\dT\S+) (\S+) (\S+) (\S+) (\S+) (\[.*)$/s;
const SESSION_TEXT = /^session (created|closed|denied) ([\d.a-fA-F:]+)\/(\d+)->([\d.a-fA-F:]+)\/(\d+)(?: 0x\w+)? (\S+)/;

// SD parameter names come from a small vocabulary: convert each once (bounded, so odd senders cannot grow it).
const underscored = new Map<string, string>();
function underscoreName(k: string): string {
  let u = underscored.get(k);
  if (u === undefined) {
    u = k.includes('-') ? k.replaceAll('-', '_') : k;
    if (underscored.size < 4096) underscored.set(k, u);
  }
  return u;
}

type SdParams = Record<string, string | string[]>;
const PROTO_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp' };

/** First value of an SD parameter (repeated names are arrays). */
function first(p: SdParams, k: string): string | undefined {
  const v = p[k];
  return Array.isArray(v) ? v[0] : v;
}

/** The `junos@…` SD-ID, if any. */
function junosId(sd: Record<string, unknown>): string | undefined {
  for (const k in sd) if (k.startsWith('junos@')) return k;
  return undefined;
}

function fromSd(ev: EcsEvent, p: SdParams): void {
  endpoint(ev, 'source', first(p, 'source-address'), first(p, 'source-port'));
  endpoint(ev, 'destination', first(p, 'destination-address'), first(p, 'destination-port'));
  const proto = first(p, 'protocol-name') ?? first(p, 'protocol-id');
  if (proto) sub(ev, 'network').transport = /^\d+$/.test(proto) ? PROTO_NAMES[proto] ?? proto : proto;
  if (first(p, 'policy-name')) sub(ev, 'rule').name = first(p, 'policy-name');
  if (first(p, 'attack-name')) sub(ev, 'rule').name = first(p, 'attack-name');
  if (first(p, 'username') && first(p, 'username') !== 'N/A') userName(ev, first(p, 'username'));
  const obs: EcsEvent = sub(ev, 'observer');
  if (first(p, 'source-zone-name')) obs.ingress = { zone: first(p, 'source-zone-name') };
  if (first(p, 'destination-zone-name')) obs.egress = { zone: first(p, 'destination-zone-name') };
  if (first(p, 'application') && first(p, 'application') !== 'UNKNOWN') sub(ev, 'network').application = first(p, 'application')!.toLowerCase();
  const j = sub(ev, 'juniper');
  const srx: Record<string, string | string[]> = j.srx ?? {};
  for (const k in p) srx[underscoreName(k)] = p[k]!;
  j.srx = srx;
}

function classifyTag(ev: EcsEvent, tag: string, text: string): void {
  const srx = /^(RT_|FLOW_|IDP_|AV_|APPTRACK_)/.test(tag);
  const dataset = srx ? 'juniper.srx' : 'juniper.junos';
  if (/SESSION_DENY|_DROP|SCREEN|ATTACK/.test(tag) || tag.startsWith('RT_IDS')) {
    classify(ev, { dataset, category: tag.startsWith('RT_FLOW') ? ['network'] : ['intrusion_detection'], type: ['connection', 'denied'], outcome: 'failure', action: tag.toLowerCase() });
  } else if (/SESSION_(CREATE|CLOSE)/.test(tag)) {
    classify(ev, { dataset, category: ['network'], type: ['connection', tag.includes('CLOSE') ? 'end' : 'start', 'allowed'], outcome: 'success', action: tag.toLowerCase() });
  } else if (/LOGIN|AUTH/.test(tag)) {
    const failed = /FAIL/.test(tag) || /fail/i.test(text);
    classify(ev, { dataset, category: ['authentication'], type: ['info'], outcome: failed ? 'failure' : 'success', action: tag.toLowerCase() });
  } else if (/^UI_(COMMIT|CFG|LOAD|CMDLINE|RESTART|CHILD)/.test(tag)) {
    classify(ev, { dataset, category: ['configuration'], type: ['change'], outcome: 'success', action: tag.toLowerCase() });
  } else {
    classify(ev, { dataset, category: srx ? ['network'] : ['host'], type: ['info'], action: tag.toLowerCase() });
  }
}

export function parseJunos(ev: EcsEvent, msg: string): boolean {
  const sd = ev.log?.syslog?.structured_data as Record<string, Record<string, string | string[]>> | undefined;
  const msgid: string | undefined = ev.log?.syslog?.msgid;
  const junosSd = sd && junosId(sd);
  if (msgid && junosSd) {
    sub(ev, 'event').code = msgid;
    classifyTag(ev, msgid, msg);
    fromSd(ev, sd[junosSd]!);
    return true;
  }
  const emb = EMBEDDED_5424.exec(msg);
  if (emb) {
    const parsed = parseStructuredData(emb[6]!, 0);
    const id = junosId(parsed.data);
    if (id) {
      sub(ev, 'event').code = emb[5];
      sub(ev, 'observer').hostname = emb[2];
      classifyTag(ev, emb[5]!, msg);
      fromSd(ev, parsed.data[id]!);
      const rest = emb[6]!.slice(parsed.end).trim();
      if (rest) ev.message = rest;
      return true;
    }
  }
  const prog = String(ev.process?.name ?? '').toLowerCase();
  const daemon = DAEMON_SET.has(prog);
  if (daemon) {
    // Dual routing engines prefix the host name with re0./re1.; the device is the same.
    const host = ev.host?.hostname;
    if (typeof host === 'string' && /^re[0-9]\./.test(host)) ev.host.hostname = host.slice(4);
  }
  const t = TAG.exec(msg) ?? (daemon && prog !== 'kernel' ? FUNC_TAG.exec(msg) : null);
  if (!t) {
    if (!daemon) return false;
    classify(ev, { dataset: 'juniper.junos', category: ['host'], type: ['info'], action: `${prog}-message` });
    return true;
  }
  const tag = t[1]!;
  const text = t[2]!;
  sub(ev, 'event').code = tag;
  classifyTag(ev, tag, text);
  const s = SESSION_TEXT.exec(text);
  if (s) {
    endpoint(ev, 'source', s[2], s[3]);
    endpoint(ev, 'destination', s[4], s[5]);
    sub(ev, 'network').application = s[6];
  }
  const u = /\bUser '([^']+)'|for user '([^']+)'|user (\S+) from/.exec(text);
  if (u) userName(ev, u[1] ?? u[2] ?? u[3]);
  const from = /from (?:host )?'?(\d{1,3}(?:\.\d{1,3}){3})'?|ssh-connection '([\d.a-fA-F:]+) (\d+)/.exec(text);
  if (from) endpoint(ev, 'source', from[1] ?? from[2], from[3]);
  if (!s && !from) {
    const peer = /(?:[Pp]acket from|neighbor|peer) (\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:]+?)(?::(\d+))?\b/.exec(text);
    if (peer) endpoint(ev, 'destination', peer[1]);
  }
  return true;
}

export const junosParser = {
  name: 'junos',
  programs: DAEMONS.map((d) => d.toLowerCase()),
  match: (msg: string, ev: EcsEvent): boolean =>
    (ev.log?.syslog?.structured_data !== undefined && ev.log?.syslog?.msgid !== undefined) || /^\d{4}-\d\d-\d\dT\S+ \S+ RT_/.test(msg),
  parse: parseJunos,
};
