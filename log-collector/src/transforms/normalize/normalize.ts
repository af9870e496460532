/**
 * ECS normalisation applied after the message parsers: defaults for `event.*`, `related.*`,
 * `ecs.version`, and a deterministic `event.id`.
 *
 * `event.id` = hex SHA-256 over (sender address, time key, raw message) joined by U+001F:
 *   - sender address: `log.source.address` (empty when unknown);
 *   - time key: the event's own timestamp when the message carried one (`@timestamp` differs
 *     from `event.created`), else the receive time truncated to the second;
 *   - raw message: `event.original`.
 * Replaying the same bytes from the same sender (and, for timestamp-less messages, within
 * the same receive second) yields the same id, so re-ingesting a capture is idempotent; two
 * identical lines from one sender with the same timestamp are treated as one event.
 */
import * as crypto from 'node:crypto';
import { type EcsEvent, sub } from '../../sources/syslog/event.js';

export const ECS_VERSION = '8.11.0';

// crypto.hash (one-shot, Node ≥ 20.12) avoids a Hash object per event; fall back when absent.
const oneShot = (crypto as unknown as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;
const sha256Hex = oneShot
  ? (s: string): string => oneShot('sha256', s, 'hex')
  : (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

/** `list` with `v` appended when it is a new non-empty string; the list is created on first use. */
function add(list: string[] | undefined, v: unknown): string[] | undefined {
  if (typeof v !== 'string' || v === '') return list;
  if (list === undefined) return [v];
  if (!list.includes(v)) list.push(v);
  return list;
}

function sideIps(list: string[] | undefined, side: EcsEvent | undefined): string[] | undefined {
  return side ? add(add(list, side.ip), side.nat?.ip) : list;
}

export function eventId(ev: EcsEvent): string {
  const e = ev.event ?? {};
  const created: string = typeof e.created === 'string' ? e.created : '';
  const ts: string = typeof ev['@timestamp'] === 'string' ? ev['@timestamp'] : '';
  const timeKey = ts && ts !== created ? ts : created.slice(0, 19);
  const sender: string = ev.log?.source?.address ?? '';
  const raw: string = typeof e.original === 'string' ? e.original : typeof ev.message === 'string' ? ev.message : '';
  return sha256Hex(`${sender}\u001f${timeKey}\u001f${raw}`);
}

export function normalize(ev: EcsEvent): EcsEvent {
  const e = sub(ev, 'event');
  if (!e.kind) e.kind = 'event';
  if (!e.dataset) e.dataset = ev.log?.syslog ? 'system.syslog' : 'generic.log';
  if (!e.module) {
    const dot = e.dataset.indexOf('.');
    e.module = dot > 0 ? e.dataset.slice(0, dot) : e.dataset;
  }
  const sev = ev.log?.syslog?.severity;
  if (sev) {
    if (e.severity === undefined) e.severity = sev.code;
    if (!ev.log.level) ev.log.level = sev.name;
  }
  // related.*: the addresses, users and host names seen anywhere in the event, in field order.
  const src = ev.source;
  const dst = ev.destination;
  const cli = ev.client;
  const srv = ev.server;
  const ips = add(sideIps(sideIps(sideIps(sideIps(undefined, src), dst), cli), srv), ev.host?.ip);
  const hosts = add(add(add(add(add(add(undefined, src?.domain), dst?.domain), cli?.domain), srv?.domain), ev.host?.hostname), ev.observer?.hostname);
  const u = ev.user;
  const users = u ? add(add(add(undefined, u.name), u.effective?.name), u.target?.name) : undefined;
  if (ips || users || hosts) {
    const r = sub(ev, 'related');
    if (ips) r.ip = ips;
    if (users) r.user = users;
    if (hosts) r.hosts = hosts;
  }
  ev.ecs = { version: ECS_VERSION };
  if (!e.id) e.id = eventId(ev);
  return ev;
}
