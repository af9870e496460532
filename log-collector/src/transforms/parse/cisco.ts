/**
 * Cisco-style `%FACILITY-SEVERITY-MNEMONIC: text` messages: ASA/PIX/FTD (numeric message IDs)
 * and IOS/IOS-XE/NX-OS/Arista EOS (mnemonics). `event.code` is the ASA message ID or the full
 * `FACILITY-SEVERITY-MNEMONIC` tag.
 */
import { SEVERITY_NAMES } from '../../sources/syslog/priority.js';
import { classify, endpoint, type EcsEvent, type Outcome, sub, userName } from './util.js';

const TAG = /^%([A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*?)-([0-7])-([A-Z0-9_]+):?\s?/;
/** Text before the tag that devices add: uptime stamps, relay prefixes (`00:00:46: %LINK-...`). */
const LEAD = /^[^%]{0,160}?: (?=%[A-Z])/;
const ASA_FACILITIES = new Set(['ASA', 'PIX', 'FTD', 'FWSM']);
const IPV4 = '\\d{1,3}(?:\\.\\d{1,3}){3}';
const ADDR = `(?:([\\w.-]+):)?(${IPV4}|[0-9a-fA-F]*:[0-9a-fA-F:]+)(?:\\/(\\w+))?`;
const CONN = new RegExp(`\\b(?:for|from) ${ADDR}(?: \\([^)]*\\))?(?:\\([^)]*\\))? to ${ADDR}`);
const SRC_DST = new RegExp(`\\bsrc ${ADDR} dst ${ADDR}`);
const ACL = new RegExp(`access-list (\\S+) (permitted|denied|est-allowed) (\\w+) ([\\w.-]+)\\/(${IPV4}|[0-9a-fA-F:]+)\\((\\d+)\\)(?:\\([^)]*\\))? -> ([\\w.-]+)\\/(${IPV4}|[0-9a-fA-F:]+)\\((\\d+)\\)`);
/** Address pairs and single addresses in ASA texts without the usual `for/from ... to ...` form. */
const PAIR_FALLBACK = new RegExp(`(?:src = |SRC |packet: )(${IPV4}),? (?:dest = |DEST |= )(${IPV4})`);
const SOURCE_FALLBACK = new RegExp(`^(${IPV4}) |(?:from(?: laddr)?(?: IP)?|server =|IP =|remote-peer =|[Ss]ource:?|local-host \\S*?:|src \\S+?:) ?(${IPV4})(?:\\/(\\d+))?`);
const DEST_FALLBACK = new RegExp(`\\bAddress (${IPV4})\\b`);
const USER = /\b(?:[Uu]ser(?:name)?|user name)\s*(?:=\s*|: ?)?['"]?([^'"\s,:)\]]+)['"]?/;
const ASA_CONN_IDS = /^(30[0-9]|106|108|110|209|313|400|410|419|431|500|710|733)/;
const ASA_AUTH_IDS = /^(109|113|502|605|611|713|716|722|734|751|772)/;

function outcomeOf(text: string): Outcome | undefined {
  if (/\b(Deny|Denied|denied|Rejected|rejected|failed|Failed|FAILED|Discard|drop(?:ped)?|blocked)\b/.test(text)) return 'failure';
  if (/\b(permitted|Permitted|Built|Successful|successful|Success|accepted|Accepted|allowed)\b/.test(text)) return 'success';
  return undefined;
}

function parseAsa(ev: EcsEvent, id: string, text: string): void {
  let m: RegExpExecArray | null;
  const outcome = outcomeOf(text);
  const isConn = ASA_CONN_IDS.test(id);
  const isAuth = ASA_AUTH_IDS.test(id);
  const category = isAuth ? ['authentication']
    : id.startsWith('111') ? ['configuration']
    : id.startsWith('733') || id.startsWith('4000') ? ['intrusion_detection']
    : isConn ? ['network'] : ['host'];
  const type = category[0] === 'network'
    ? (outcome === 'failure' ? ['connection', 'denied'] : outcome === 'success' ? ['connection', 'allowed'] : ['connection'])
    : category[0] === 'configuration' ? ['change'] : ['info'];
  classify(ev, { dataset: 'cisco.asa', category, type, outcome, action: id });
  if ((m = ACL.exec(text))) {
    const asa = sub(sub(ev, 'cisco'), 'asa');
    asa.rule_name = m[1];
    asa.source_interface = m[4];
    asa.destination_interface = m[7];
    sub(ev, 'network').transport = m[3]!.toLowerCase();
    endpoint(ev, 'source', m[5], m[6]);
    endpoint(ev, 'destination', m[8], m[9]);
  } else if ((m = SRC_DST.exec(text)) || (m = CONN.exec(text))) {
    // "Built outbound ... for <outside> to <inside>": the inside host initiated it.
    const swap = /^Built outbound\b/.test(text);
    // Each side is three groups (interface, address, port): 1-3 and 4-6.
    const si = swap ? 4 : 1;
    const di = swap ? 1 : 4;
    endpoint(ev, 'source', m[si + 1], portNumber(m[si + 2]));
    endpoint(ev, 'destination', m[di + 1], portNumber(m[di + 2]));
    const asa = sub(sub(ev, 'cisco'), 'asa');
    if (m[si]) asa.source_interface = m[si];
    if (m[di]) asa.destination_interface = m[di];
    const proto = /\b(TCP|UDP|ICMP|GRE|ESP|SCTP|tcp|udp|icmp)\b/.exec(text);
    if (proto) sub(ev, 'network').transport = proto[1]!.toLowerCase();
  } else {
    const pair = PAIR_FALLBACK.exec(text);
    const one = pair ? null : SOURCE_FALLBACK.exec(text);
    if (pair) {
      endpoint(ev, 'source', pair[1]);
      endpoint(ev, 'destination', pair[2]);
    } else if (one) {
      endpoint(ev, 'source', one[1] ?? one[2], one[3]);
    } else {
      const dst = DEST_FALLBACK.exec(text);
      if (dst) endpoint(ev, 'destination', dst[1]);
    }
  }
  const acl = /access-group "([^"]+)"/.exec(text);
  if (acl) sub(sub(ev, 'cisco'), 'asa').rule_name = acl[1];
  const u = USER.exec(text);
  if (u && !/^(authentication|authorization|name)$/i.test(u[1]!)) userName(ev, u[1]);
}

function portNumber(p: string | undefined): string | undefined {
  return p && /^\d+$/.test(p) ? p : undefined;
}

function parseIos(ev: EcsEvent, tag: string, facility: string, mnemonic: string, text: string): void {
  // Arista EOS names the agent (Ebra, Bgp, ConfigAgent) before the tag; IOS sends none.
  const eos = typeof ev.process?.name === 'string' && /^[A-Z][a-z]/.test(ev.process.name);
  const dataset = eos ? 'arista.eos' : 'cisco.ios';
  let m: RegExpExecArray | null;
  if (facility === 'SEC_LOGIN' || /LOGIN_(SUCCESS|FAILED)/.test(mnemonic)) {
    const ok = /SUCCESS/.test(mnemonic);
    classify(ev, { dataset, category: ['authentication'], type: [ok ? 'start' : 'info'], outcome: ok ? 'success' : 'failure', action: mnemonic.toLowerCase() });
    const u = /\[user: ([^\]]*)\]/.exec(text);
    if (u) userName(ev, u[1]);
    const src = /\[Source: ([^\]]+)\]/.exec(text);
    if (src) endpoint(ev, 'source', src[1]);
    const lp = /\[localport: (\d+)\]/.exec(text);
    if (lp) sub(ev, 'destination').port = Number(lp[1]);
    const r = /\[Reason: ([^\]]+)\]/.exec(text);
    if (r) sub(ev, 'event').reason = r[1];
    return;
  }
  if (/^CONFIG/.test(mnemonic) && facility === 'SYS') {
    classify(ev, { dataset, category: ['configuration'], type: ['change'], outcome: 'success', action: mnemonic.toLowerCase() });
    const by = /\bby (\S+?)(?: on \S+)?(?: \(([^)]+)\))?\.?$/.exec(text) ?? /\bby (\S+)/.exec(text);
    if (by && by[1] !== 'console') userName(ev, by[1]);
    if (by?.[2]) endpoint(ev, 'source', by[2]);
    return;
  }
  if ((m = /list (\S+) (permitted|denied) (\w+) ([\d.a-fA-F:]+)(?:\((\d+)\))?(?: \([^)]*\))? -> ([\d.a-fA-F:]+)(?:\((\d+)\))?/.exec(text))) {
    const denied = m[2] === 'denied';
    classify(ev, { dataset, category: ['network'], type: ['connection', denied ? 'denied' : 'allowed'], outcome: denied ? 'failure' : 'success', action: mnemonic.toLowerCase() });
    sub(ev, 'rule').name = m[1];
    sub(ev, 'network').transport = m[3]!.toLowerCase();
    endpoint(ev, 'source', m[4], m[5]);
    endpoint(ev, 'destination', m[6], m[7]);
    return;
  }
  if ((m = /Sig:(\d+) Subsig:(\d+) Sev:(\d+) (.*?) \[([\d.]+):(\d+) -> ([\d.]+):(\d+)\]/.exec(text))) {
    classify(ev, { dataset, category: ['intrusion_detection'], type: ['info'], action: mnemonic.toLowerCase(), kind: 'alert' });
    sub(ev, 'rule').id = `${m[1]}:${m[2]}`;
    ev.rule.name = m[4];
    endpoint(ev, 'source', m[5], m[6]);
    endpoint(ev, 'destination', m[7], m[8]);
    return;
  }
  const category = /UPDOWN|CHANGED|ADJCHG|ADJCHANGE|STATE_CHANGE|NEIGHBOR/.test(mnemonic) ? ['network'] : ['host'];
  classify(ev, { dataset, category, type: ['info'], action: mnemonic.toLowerCase() });
  const intf = /\bInterface ([\w/.:-]+)/.exec(text);
  if (intf) sub(ev, 'observer').ingress = { interface: { name: intf[1] } };
  const peer = /\b(?:peer|neighbor|Nbr|ip:?)\s*(\d{1,3}(?:\.\d{1,3}){3})/.exec(text);
  if (peer) endpoint(ev, 'destination', peer[1]);
  void tag;
}

export function parseCisco(ev: EcsEvent, message: string): boolean {
  const lead = message.charCodeAt(0) === 37 ? null : LEAD.exec(message);
  const msg = lead ? message.slice(lead[0].length) : message;
  const m = TAG.exec(msg);
  if (!m) return false;
  const facility = m[1]!;
  const sev = Number(m[2]);
  const mnemonic = m[3]!;
  const text = msg.slice(m[0].length);
  const tag = `${facility}-${sev}-${mnemonic}`;
  sub(ev, 'log').level = SEVERITY_NAMES[sev];
  sub(ev, 'event').severity = sev;
  if (ASA_FACILITIES.has(facility)) {
    ev.event.code = mnemonic;
    sub(ev, 'cisco').asa = { message_id: mnemonic };
    sub(ev, 'observer').product = facility;
    ev.observer.vendor = 'Cisco';
    parseAsa(ev, mnemonic, text);
  } else {
    ev.event.code = tag;
    sub(ev, 'cisco').ios = { facility, mnemonic };
    parseIos(ev, tag, facility, mnemonic, text);
  }
  return true;
}

export const ciscoParser = {
  name: 'cisco',
  match: (msg: string): boolean =>
    (msg.charCodeAt(0) === 37 /* % */ && msg.charCodeAt(1) !== 37) || (msg.includes(': %') && LEAD.test(msg)),
  parse: parseCisco,
};
