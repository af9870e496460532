/**
 * ArcSight Common Event Format: `CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|k=v ...`
 * (header pipes escaped as `\|`, extension values may contain spaces and `\=`). Also F5 BIG-IP
 * native `01010251:0:` message ids.
 */
import { classify, endpoint, type EcsEvent, int, sub, userName } from './util.js';

/** Vendor → dataset for products this platform has a module for; others use cef.log. */
const DATASETS: Record<string, string> = { F5: 'f5.bigip' };

function headerFields(s: string): [string[], number] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < s.length && out.length < 7; i++) {
    const c = s[i];
    if (c === '\\' && (s[i + 1] === '|' || s[i + 1] === '\\')) {
      cur += s[++i];
    } else if (c === '|') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  return [out, i];
}

function extension(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(?:^|\s)([\w.[\]-]+)=/g;
  const keys: Array<[string, number, number]> = [];
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > 0 && s[m.index - 1] === '\\') continue;
    keys.push([m[1]!, m.index, re.lastIndex]);
  }
  for (let k = 0; k < keys.length; k++) {
    const [key, , vStart] = keys[k]!;
    const vEnd = k + 1 < keys.length ? keys[k + 1]![1] : s.length;
    out[key] = s.slice(vStart, vEnd).trim().replace(/\\([=\\])/g, '$1').replace(/\\n/g, '\n');
  }
  return out;
}

export function parseCef(ev: EcsEvent, msg: string): boolean {
  const at = msg.indexOf('CEF:');
  if (at < 0) return false;
  const [h, end] = headerFields(msg.slice(at + 4));
  if (h.length < 7) return false;
  const [version, vendor, product, devVersion, sigId, name, severity] = h;
  const ext = extension(msg.slice(at + 4 + end));
  const labelled: Record<string, string> = {};
  for (let i = 1; i <= 6; i++) {
    const label = ext[`cs${i}Label`];
    if (label && ext[`cs${i}`] !== undefined) labelled[label] = ext[`cs${i}`]!;
  }
  const act = ext.act ?? ext.outcome;
  const denied = !!act && /block|deny|drop|reject|alert/i.test(act);
  classify(ev, {
    dataset: DATASETS[vendor!] ?? 'cef.log', category: ['network'], type: ['info'],
    outcome: act ? (denied ? 'failure' : 'success') : undefined, action: act ?? name,
  });
  ev.event.code = sigId;
  ev.event.severity = int(severity);
  ev.cef = { version, name, extensions: ext, labels: labelled };
  ev.observer = { ...(ev.observer ?? {}), vendor, product, version: devVersion };
  if (ext.dvchost) ev.observer.hostname = ext.dvchost;
  endpoint(ev, 'source', ext.src ?? ext.sourceAddress, ext.spt);
  endpoint(ev, 'destination', ext.dst ?? ext.destinationAddress, ext.dpt);
  if (ext.suser) userName(ev, ext.suser);
  if (ext.request) sub(ev, 'url').original = ext.request;
  if (ext.requestMethod) ev.http = { request: { method: ext.requestMethod } };
  ev.message = name;
  return true;
}

export function parseF5(ev: EcsEvent, msg: string): boolean {
  const m = /(?:^|: )([0-9a-f]{8}):(\d): (.*)$/.exec(msg);
  if (!m) return false;
  classify(ev, { dataset: 'f5.bigip', category: ['host'], type: ['info'], action: m[1] });
  ev.event.code = m[1];
  const server = /server = ([\d.]+):(\d+)/.exec(m[3]!);
  if (server) endpoint(ev, 'destination', server[1], server[2]);
  return true;
}

export const cefParser = { name: 'cef', match: (msg: string): boolean => msg.includes('CEF:'), parse: parseCef };
export const f5Parser = { name: 'f5', match: (msg: string): boolean => /(?:^|: )[0-9a-f]{8}:\d: /.test(msg), parse: parseF5 };
