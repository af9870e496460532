/**
 * Fluent records → ECS. The tag becomes `event.dataset` and `fluent.tag`; the text of the record
 * (`message`, `log`, journald `MESSAGE`, winevtlog `Message`) becomes `message` and goes through the same
 * message parsers as syslog, with the program from journald/syslog fields, so an sshd line from a Fluent
 * Bit host is the same authentication event as one sent over syslog. The record itself is kept under
 * `fluent.record`. `event.id` is a hash of tag, time and record, so a chunk resent after a lost ack
 * lands on the same documents.
 */
import type { EcsDocument } from '@emsoc/event-store/contract';
import { stableId } from '@emsoc/common/ecs';
import { parseMessage, normalize, type Enrichment, type EcsEvent } from '../../transforms/index.js';
import { parseSyslog } from '../syslog/parse.js';
import { DEADLETTER_DATASET } from '../../pipeline/routing.js';
import type { ForwardEntry } from './protocol.js';

export interface ForwardReceipt {
  remoteAddress: string;
  receivedAt: Date;
  /** SHA-256 of the verified client certificate, when the client presented one. */
  clientCertificate?: string;
}

const TEXT_FIELDS = ['message', 'log', 'MESSAGE', 'Message', 'msg'];
const HOST_FIELDS = ['host', 'hostname', '_HOSTNAME', 'Computer', 'HOSTNAME'];
const PROGRAM_FIELDS = ['SYSLOG_IDENTIFIER', 'ident', 'program', '_COMM', 'ProviderName'];
const PID_FIELDS = ['_PID', 'SYSLOG_PID', 'pid'];

function firstString(r: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = r[k];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return undefined;
}

/** A tag as a store dataset name; tags that would route elsewhere (flows, dead letters) are prefixed. */
export function datasetForTag(tag: string): string {
  const ds = tag.toLowerCase().replace(/[^a-z0-9_.-]/g, '_').slice(0, 100);
  return ds.endsWith('.flow') || ds === DEADLETTER_DATASET ? `fluent.${ds}` : ds;
}

function isoOf(sec: number, nsec: number): string | undefined {
  const ms = sec * 1000 + Math.floor(nsec / 1e6);
  if (!Number.isFinite(ms) || ms > 8.64e15) return undefined;
  return new Date(ms).toISOString();
}

export function forwardEntryToEcs(tag: string, e: ForwardEntry, r: ForwardReceipt, enrichment?: Enrichment): EcsDocument {
  const created = r.receivedAt.toISOString();
  const rec = e.record;
  const text = firstString(rec, TEXT_FIELDS);
  const ev: EcsEvent = {
    '@timestamp': isoOf(e.sec, e.nsec) ?? created,
    event: {
      id: stableId('forward', tag, e.sec, e.nsec, JSON.stringify(rec, jsonSafe)),
      created,
      dataset: datasetForTag(tag),
    },
    log: { source: { address: r.remoteAddress } },
    fluent: { tag, record: JSON.parse(JSON.stringify(rec, jsonSafe)) as unknown },
  };
  if (text !== undefined) {
    ev.message = text;
    ev.event.original = text;
  }
  const host = firstString(rec, HOST_FIELDS);
  if (host) ev.host = { hostname: host };
  const program = firstString(rec, PROGRAM_FIELDS);
  if (text !== undefined && !program && /^syslog(\.|$)/.test(tag)) fromSyslogLine(ev, text, r.receivedAt);
  else if (program) {
    ev.process = { name: program };
    const pid = Number(firstString(rec, PID_FIELDS) ?? rec.pid);
    if (Number.isInteger(pid) && pid >= 0) ev.process.pid = pid;
  }
  if (r.clientCertificate) ev.tls = { client: { hash: { sha256: r.clientCertificate } } };
  // The parsers set their own dataset (system.auth, ...): let them, and keep the tag in fluent.tag.
  const dataset = ev.event.dataset;
  delete ev.event.dataset;
  if (text !== undefined) parseMessage(ev);
  ev.event.dataset ??= dataset;
  normalize(ev);
  if (enrichment) enrichment.enrich(ev);
  return ev as EcsDocument;
}

/** Tags `syslog.*` carry whole syslog lines (tailed auth.log/secure): take program, pid, host and time from the header. */
function fromSyslogLine(ev: EcsEvent, line: string, receivedAt: Date): void {
  const p = parseSyslog(line, { receivedAt });
  if (p.process) ev.process = p.process;
  if (p.log?.syslog && Object.keys(p.log.syslog).length > 0) ev.log.syslog = p.log.syslog;
  if (p.host?.hostname && !ev.host) ev.host = { hostname: p.host.hostname };
  if (p['@timestamp'] !== p.event.created) ev['@timestamp'] = p['@timestamp'];
  if (typeof p.message === 'string') ev.message = p.message;
}

/** Binary values and big integers from MessagePack as JSON text. */
function jsonSafe(_key: string, v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'bigint') return v.toString();
  return v;
}
