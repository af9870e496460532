/** Web server logs: NCSA common/combined access lines, Apache and nginx error lines. */
import { classify, embeddedTimestamp, endpoint, type EcsEvent, int, ip, sub, userName } from './util.js';

const ACCESS = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "(?:(\S+) (\S+?)(?: (HTTP\/[\d.]+))?|([^"]*))" (\d{3}) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?/;
const APACHE_ERROR = /^(?:\[((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [^\]]+)\] )?\[(?:(\w*):)?(emerg|alert|crit|error|warn|notice|info|debug|trace\d)\](?: \[pid (\d+)[^\]]*\])?(?: \[client ([^\]]+)\])? ?(.*)$/;
const NGINX_ERROR = /^(\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d) \[(\w+)\] (?:(\d+)[#:](\d+):? )?(.*)$/;

function isNginx(ev: EcsEvent): boolean {
  return String(ev.process?.name ?? '').toLowerCase().startsWith('nginx');
}

export function parseAccessLog(ev: EcsEvent, msg: string): boolean {
  const m = ACCESS.exec(msg);
  if (!m) return false;
  const status = Number(m[9]);
  classify(ev, {
    dataset: isNginx(ev) ? 'nginx.access' : 'apache.access', category: ['web'], type: ['access'],
    outcome: status < 400 ? 'success' : 'failure', action: 'http-request',
  });
  endpoint(ev, 'source', m[1]);
  if (m[3] !== '-') userName(ev, m[3]);
  const req: EcsEvent = {};
  const http: EcsEvent = { request: req, response: { status_code: status } };
  if (m[5]) {
    req.method = m[5];
    sub(ev, 'url').original = m[6];
    const q = m[6]!.indexOf('?');
    ev.url.path = q >= 0 ? m[6]!.slice(0, q) : m[6];
    if (q >= 0) ev.url.query = m[6]!.slice(q + 1);
    if (m[7]) http.version = m[7].slice(5);
  } else if (m[8]) {
    sub(ev, 'url').original = m[8];
  }
  const bytes = int(m[10]);
  if (bytes !== undefined) http.response.body = { bytes };
  if (m[11] && m[11] !== '-') req.referrer = m[11];
  ev.http = http;
  if (m[12] && m[12] !== '-') ev.user_agent = { original: m[12] };
  return true;
}

export function parseWebError(ev: EcsEvent, msg: string): boolean {
  let m = APACHE_ERROR.exec(msg);
  if (m) {
    classify(ev, { dataset: 'apache.error', category: ['web'], type: ['error'], action: 'error-log' });
    sub(ev, 'log').level = m[3];
    embeddedTimestamp(ev, m[1]);
    if (m[2]) sub(ev, 'apache').error = { module: m[2] };
    if (m[4]) sub(ev, 'process').pid = Number(m[4]);
    if (m[5]) {
      const c = m[5];
      const plain = ip(c);
      if (plain) endpoint(ev, 'source', plain);
      else {
        const colon = c.lastIndexOf(':');
        endpoint(ev, 'source', c.slice(0, colon), c.slice(colon + 1));
      }
    }
    ev.message = m[6];
    return true;
  }
  m = NGINX_ERROR.exec(msg);
  if (m) {
    classify(ev, { dataset: 'nginx.error', category: ['web'], type: ['error'], action: 'error-log' });
    sub(ev, 'log').level = m[2];
    embeddedTimestamp(ev, m[1]);
    if (m[3]) sub(ev, 'process').pid = Number(m[3]);
    const client = /, client: ([^,\s]+)/.exec(m[5]!);
    if (client) endpoint(ev, 'source', client[1]);
    const req = /, request: "(\S+) (\S+)/.exec(m[5]!);
    if (req) {
      ev.http = { request: { method: req[1] } };
      ev.url = { original: req[2] };
    }
    return true;
  }
  return false;
}

export const accessLogParser = {
  name: 'http-access',
  programs: ['nginx', 'httpd', 'apache', 'apache2', 'apache-access', 'nginx-access'],
  match: (msg: string): boolean => msg.includes('] "') && msg.includes(' [') ,
  parse: parseAccessLog,
};

export const webErrorParser = {
  name: 'http-error',
  programs: ['nginx', 'httpd', 'apache', 'apache2', 'apache-error', 'nginx-error'],
  match: (msg: string): boolean => msg.charCodeAt(0) === 91 /* [ */ || (msg.charCodeAt(4) === 47 && msg.charCodeAt(7) === 47),
  parse: parseWebError,
};
