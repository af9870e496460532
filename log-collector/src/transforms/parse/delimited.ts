/** Comma-separated vendor formats: Palo Alto PAN-OS and pfSense filterlog. */
import { classify, embeddedTimestamp, endpoint, type EcsEvent, int, sub, userName } from './util.js';

/** CSV split honouring "quoted, fields" (PAN-OS quotes fields that contain commas). */
export function splitCsv(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= s.length) {
    if (s.charCodeAt(i) === 34) {
      let j = i + 1;
      let v = '';
      for (;;) {
        const q = s.indexOf('"', j);
        if (q < 0) {
          v += s.slice(j);
          j = s.length;
          break;
        }
        v += s.slice(j, q);
        if (s.charCodeAt(q + 1) === 34) {
          v += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      out.push(v);
      const c = s.indexOf(',', j);
      if (c < 0) break;
      i = c + 1;
    } else {
      const c = s.indexOf(',', i);
      if (c < 0) {
        out.push(s.slice(i));
        break;
      }
      out.push(s.slice(i, c));
      i = c + 1;
    }
  }
  return out;
}

/** PAN-OS CSV begins `FUTURE_USE,receive time,serial,TYPE,...`; relays may put a header before it. */
const PAN_START = /(^|\s)\d*,\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d,/;

export function parsePanos(ev: EcsEvent, msg: string): boolean {
  const start = PAN_START.exec(msg);
  if (!start) return false;
  const f = splitCsv(msg.slice(start.index + start[1]!.length));
  const type = f[3];
  if (!type || !/^[A-Z]+$/.test(type) || !/^\d{4}\/\d\d\/\d\d /.test(f[1] ?? '')) return false;
  const panos: EcsEvent = { type, sub_type: f[4] || undefined, serial_number: f[2] || undefined };
  ev.panw = { panos };
  const obs = sub(ev, 'observer');
  obs.vendor = 'Palo Alto Networks';
  obs.product = 'PAN-OS';
  if (f[2]) obs.serial_number = f[2];
  if (type === 'TRAFFIC' || type === 'THREAT') {
    const action = f[30];
    const denied = !!action && /deny|drop|block|reset/.test(action);
    classify(ev, {
      dataset: 'panw.panos',
      category: type === 'THREAT' ? ['intrusion_detection'] : ['network'],
      type: type === 'THREAT' ? ['info'] : ['connection', denied ? 'denied' : 'allowed'],
      outcome: action ? (denied ? 'failure' : 'success') : undefined,
      action: action || type.toLowerCase(),
      kind: type === 'THREAT' ? 'alert' : undefined,
    });
    endpoint(ev, 'source', f[7], f[24]);
    endpoint(ev, 'destination', f[8], f[25]);
    if (f[11]) sub(ev, 'rule').name = f[11];
    if (f[12]) userName(ev, f[12]);
    if (f[14]) sub(ev, 'network').application = f[14];
    if (f[29]) sub(ev, 'network').transport = f[29];
    Object.assign(panos, { source_zone: f[16], destination_zone: f[17], session_id: f[22], action });
    if (type === 'THREAT') {
      if (f[31]) sub(ev, 'url').original = f[31];
      if (f[32]) sub(ev, 'threat').name = f[32];
      panos.threat = { category: f[33], severity: f[34] };
    }
  } else if (type === 'SYSTEM') {
    classify(ev, { dataset: 'panw.panos', category: ['host'], type: ['info'], action: f[8] || 'system' });
    if (f[8]) ev.event.code = f[8];
    if (f[14]) panos.description = f[14];
  } else if (type === 'CONFIG') {
    classify(ev, { dataset: 'panw.panos', category: ['configuration'], type: ['change'], action: f[9] || 'config', outcome: f[12] === 'Succeeded' ? 'success' : f[12] ? 'failure' : undefined });
    if (f[10]) userName(ev, f[10]);
    if (f[7]) endpoint(ev, 'source', f[7]);
  } else {
    classify(ev, { dataset: 'panw.panos', category: ['host'], type: ['info'], action: type.toLowerCase() });
  }
  if (!ev.event.code) ev.event.code = type;
  embeddedTimestamp(ev, f[6] || f[1]); // generated time, else receive time (device local)
  return true;
}

/** pfSense / OPNsense `filterlog`: rule,sub,anchor,tracker,iface,reason,action,dir,ipver,... */
export function parseFilterlog(ev: EcsEvent, msg: string): boolean {
  const f = msg.split(',');
  if (f.length < 10) return false;
  const action = f[6];
  const ver = f[8];
  let proto: string | undefined;
  let src: string | undefined;
  let dst: string | undefined;
  let rest = 0;
  if (ver === '4') {
    proto = f[16];
    src = f[18];
    dst = f[19];
    rest = 20;
  } else if (ver === '6') {
    proto = f[12];
    src = f[15];
    dst = f[16];
    rest = 17;
  } else return false;
  const denied = action === 'block' || action === 'reject';
  classify(ev, {
    dataset: 'pfsense.log', category: ['network'], type: ['connection', denied ? 'denied' : 'allowed'],
    outcome: denied ? 'failure' : 'success', action: action || 'filterlog',
  });
  const ports = proto === 'tcp' || proto === 'udp';
  endpoint(ev, 'source', src, ports ? f[rest] : undefined);
  endpoint(ev, 'destination', dst, ports ? f[rest + 1] : undefined);
  if (proto) sub(ev, 'network').transport = proto;
  sub(ev, 'network').direction = f[7] === 'in' ? 'inbound' : f[7] === 'out' ? 'outbound' : undefined;
  if (f[4]) sub(ev, 'observer').ingress = { interface: { name: f[4] } };
  if (f[3]) sub(ev, 'rule').id = f[3];
  const len = int(f[ver === '4' ? 17 : 14]);
  if (len !== undefined) sub(ev, 'source').bytes = len;
  return true;
}

export const panosParser = {
  name: 'panos',
  match: (msg: string): boolean => msg.includes('/') && msg.includes(',') && PAN_START.test(msg),
  parse: parsePanos,
};

export const filterlogParser = { name: 'filterlog', programs: ['filterlog'], parse: parseFilterlog };
