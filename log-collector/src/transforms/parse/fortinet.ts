/**
 * FortiGate key=value logs (FortiOS 3.x–7.x field names): traffic, UTM and event logs.
 * All pairs are kept under `fortinet.firewall.*`; the common ones are mapped to ECS.
 */
import { classify, embeddedTimestamp, endpoint, type EcsEvent, int, sub, userName } from './util.js';
import { parseKv } from './util.js';

const PROTO: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '47': 'gre', '50': 'esp', '58': 'ipv6-icmp', '132': 'sctp' };
const DENY = /(?:^|-)(?:deny|denied|block|blocked|drop|dropped|reset|reject|dpd)$|fail/;
const ALLOW = /^(accept|accepted|allow|allowed|pass|passthrough|permit|close|start|success|succeeded|login|timeout|client-rst|server-rst|tunnel-up|ip-conn)$/;

export function parseFortinet(ev: EcsEvent, msg: string): boolean {
  const kv = parseKv(msg);
  const type = kv.type;
  if (!type || !(kv.devid || kv.device_id || kv.logid || kv.log_id || kv.devname)) return false;
  ev.fortinet = { firewall: kv };
  const subtype = kv.subtype;
  const action = kv.action ?? kv.status;
  const status = kv.status;
  const failed = (action && DENY.test(action)) || (status && DENY.test(status));
  const ok = !failed && ((action && ALLOW.test(action)) || (status && ALLOW.test(status)));
  const text = `${kv.logdesc ?? ''} ${kv.msg ?? ''}`;
  let category = ['network'];
  let evType = ['connection'];
  if (type === 'utm' || type === 'virus' || type === 'ips' || type === 'attack' || type === 'webfilter' || type === 'anomaly') {
    category = subtype === 'virus' || type === 'virus' ? ['malware'] : subtype === 'webfilter' || type === 'webfilter' ? ['web'] : ['intrusion_detection'];
    evType = ['info'];
  } else if (type === 'event') {
    if (/login|logout|auth/i.test(text) || kv.action === 'login' || kv.action === 'logout') {
      category = ['authentication'];
      evType = ['info'];
    } else if (subtype === 'vpn') {
      category = ['network'];
      evType = ['info'];
    } else if (/config|attribute|object/i.test(text) || kv.cfgpath) {
      category = ['configuration'];
      evType = ['change'];
    } else {
      category = ['host'];
      evType = ['info'];
    }
  }
  if (category[0] === 'network' && evType[0] === 'connection') evType.push(failed ? 'denied' : 'allowed');
  classify(ev, {
    dataset: 'fortinet.firewall', category, type: evType,
    outcome: failed ? 'failure' : ok ? 'success' : undefined, action: action ?? subtype ?? type,
  });
  const e = ev.event;
  if (kv.logid ?? kv.log_id) e.code = kv.logid ?? kv.log_id;
  if (kv.logdesc) e.reason = kv.logdesc;
  endpoint(ev, 'source', kv.srcip ?? kv.src ?? kv.remip, kv.srcport ?? kv.src_port ?? kv.remport);
  endpoint(ev, 'destination', kv.dstip ?? kv.dst ?? kv.locip, kv.dstport ?? kv.dst_port ?? kv.locport);
  const ui = /^\w+\(([^)]+)\)$/.exec(kv.ui ?? '');
  if (ui && !ev.source?.ip) endpoint(ev, 'source', ui[1]);
  if (kv.proto) sub(ev, 'network').transport = PROTO[kv.proto] ?? kv.proto;
  if (kv.service) sub(ev, 'network').protocol = kv.service.toLowerCase();
  const sent = int(kv.sentbyte ?? kv.sent);
  const rcvd = int(kv.rcvdbyte ?? kv.rcvd);
  if (sent !== undefined) sub(ev, 'source').bytes = sent;
  if (rcvd !== undefined) sub(ev, 'destination').bytes = rcvd;
  if (kv.user && kv.user !== 'N/A') userName(ev, kv.user);
  else if (kv.srcuser) userName(ev, kv.srcuser);
  if (kv.policyid) sub(ev, 'rule').id = kv.policyid;
  const obs = sub(ev, 'observer');
  obs.vendor = 'Fortinet';
  obs.product = 'FortiGate';
  if (kv.devname) obs.name = kv.devname;
  if (kv.devid ?? kv.device_id) obs.serial_number = kv.devid ?? kv.device_id;
  if (kv.srcintf) obs.ingress = { interface: { name: kv.srcintf } };
  if (kv.dstintf) obs.egress = { interface: { name: kv.dstintf } };
  // No syslog header (FortiGate sends bare key=value): the device name identifies the host.
  if (kv.devname && !ev.host?.hostname) sub(ev, 'host').hostname = kv.devname;
  if (kv.level) sub(ev, 'log').level = kv.level;
  if (kv.date && kv.time) {
    const tz = kv.tz && /^[+-]\d{4}$/.test(kv.tz) ? kv.tz : '';
    embeddedTimestamp(ev, `${kv.date}T${kv.time}${tz}`);
  }
  return true;
}

export const fortinetParser = {
  name: 'fortinet',
  match: (msg: string): boolean => (msg.includes('devid=') || msg.includes('device_id=') || msg.includes('logid=')) && msg.includes('type='),
  parse: parseFortinet,
};
