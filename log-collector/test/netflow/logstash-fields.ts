/**
 * Resolves the field names used by the logstash-codec-netflow expectations (shared test data) to
 * values of our decoded records, using that project's own id -> name tables (field-definitions/*.yaml).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IANA_ELEMENTS, REVERSE_ELEMENTS, REVERSE_PEN, V9_VENDOR_ELEMENTS, ValueType } from '../../src/sources/netflow/elements.js';
import type { FieldValue, FlowRecord, OptionsRecord } from '../../src/sources/netflow/types.js';

/** name -> [enterprise, id]. The yaml files are flat enough that a line parser suffices. */
export interface FieldNames {
  v9: Map<string, number[]>;
  ipfix: Map<string, Array<[number, number]>>;
}

function add<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

export function loadFieldNames(dir: string): FieldNames {
  const v9 = new Map<string, number[]>();
  let id = -1;
  for (const line of readFileSync(path.join(dir, 'netflow.yaml'), 'utf8').split('\n')) {
    const key = /^(\d+):\s*$/.exec(line);
    if (key) id = Number(key[1]);
    else if (id >= 0 && /^- :?[A-Za-z_][\w]*\s*$/.test(line)) add(v9, line.replace(/^- :?/, '').trim(), id);
  }
  const ipfix = new Map<string, Array<[number, number]>>();
  let pen = -1;
  id = -1;
  for (const line of readFileSync(path.join(dir, 'ipfix.yaml'), 'utf8').split('\n')) {
    const top = /^(\d+):\s*$/.exec(line);
    const sub = /^ {2}(\d+):\s*$/.exec(line);
    if (top) pen = Number(top[1]);
    else if (sub) id = Number(sub[1]);
    else if (pen >= 0 && id >= 0 && /^ {2}- :?[A-Za-z_][\w]*\s*$/.test(line)) add(ipfix, line.replace(/^ {2}- :?/, '').trim(), [pen, id] as [number, number]);
  }
  return { v9, ipfix };
}

/**
 * `present`: `pen:id` of the elements in the record's template (from the cache), so a name that
 * logstash maps to several ids resolves to the one the exporter actually sent. `bootMs`: the
 * exporter's announced boot time, to turn our absolute times back into logstash's raw sysUpTime.
 */
export type Event =
  | { kind: 'flow'; rec: FlowRecord; present?: Set<string>; bootMs?: number }
  | { kind: 'options'; rec: OptionsRecord; present?: Set<string>; bootMs?: number };

export const NOT_COMPARABLE = Symbol('not comparable');
/** `raw`: the element is outside our table, so `value` is a number (<= 8 octets) or hex, untyped. */
export type Resolved = { value: FieldValue | undefined; raw: boolean } | typeof NOT_COMPARABLE;

function fromTarget(r: FlowRecord, target: string): FieldValue | undefined {
  switch (target) {
    case 'direction':
      return r.direction === undefined ? undefined : r.direction === 'ingress' ? 0 : 1;
    case 'icmpTypeCode':
      return r.icmpType === undefined ? undefined : r.icmpType * 256 + r.icmpCode!;
    case 'startMs':
    case 'endMs': {
      const v = target === 'startMs' ? r.startMs : r.endMs;
      return v === undefined ? undefined : new Date(v).toISOString();
    }
    default:
      return (r as unknown as Record<string, FieldValue | undefined>)[target];
  }
}

/** Our value for one logstash field name, or NOT_COMPARABLE when we do not model it. */
export function resolve(ev: Event, field: string, names: FieldNames): Resolved {
  const v = lookup(ev, field, names);
  if (v === NOT_COMPARABLE || (typeof v === 'object' && v !== null)) return v;
  return { value: v, raw: false };
}

function lookup(ev: Event, field: string, names: FieldNames): Resolved | FieldValue | undefined {
  const r = ev.rec;
  if (field === 'version') return r.version === 'sflow5' ? 5 : r.version;
  if (field === 'flow_seq_num') return r.sequence;
  if (field === 'flowset_id') return r.templateId;
  if (r.version === 5 && ev.kind === 'flow') {
    const f = ev.rec;
    if (field === 'engine_type') return f.observationDomain >> 8;
    if (field === 'engine_id') return f.observationDomain & 0xff;
    if (field === 'sampling_interval') return f.samplingInterval ?? 0;
    if (field === 'sampling_algorithm' || field === 'flow_records') return NOT_COMPARABLE;
  }
  if (field.startsWith('scope_') && ev.kind === 'options') return ev.rec.values[`scope.${field.slice(6)}`];
  const ids: Array<[number, number]> =
    r.version === 10 ? names.ipfix.get(field) ?? [] : (names.v9.get(field) ?? []).map((id) => [0, id] as [number, number]);
  if (ids.length === 0) return NOT_COMPARABLE;
  for (const [pen, id] of ids) {
    if (ev.present !== undefined && !ev.present.has(`${pen}:${id}`)) continue;
    const got = lookupElement(ev, pen, id);
    if (got.value !== undefined) return got;
  }
  return { value: undefined, raw: false };
}

function lookupElement(ev: Event, pen: number, id: number): { value: FieldValue | undefined; raw: boolean } {
  const v9 = ev.rec.version !== 10;
  const def = pen === REVERSE_PEN ? REVERSE_ELEMENTS.get(id)
    : pen !== 0 ? undefined : (v9 && id >= 0x8000 ? V9_VENDOR_ELEMENTS : IANA_ELEMENTS).get(id);
  if (def === undefined) {
    // Elements outside our table are kept raw under a synthetic name.
    const raw = pen === 0 ? `ie${id}` : `e${pen}.ie${id}`;
    return { value: ev.kind === 'options' ? ev.rec.values[raw] : ev.rec.extras?.[raw], raw: true };
  }
  if (ev.kind === 'options') return { value: ev.rec.values[def.name], raw: false };
  const extras = ev.rec.extras;
  const extra = extras?.[def.name];
  if (extra !== undefined) return { value: extra, raw: false };
  if (def.target === undefined) return { value: undefined, raw: false };
  const value = fromTarget(ev.rec, def.target);
  // IPFIX sysUpTime elements: logstash reports them raw (ms since boot); we resolved them against the boot time.
  const init = typeof extras?.systemInitTimeMilliseconds === 'string' ? Date.parse(extras.systemInitTimeMilliseconds) : ev.bootMs;
  if (!v9 && def.type === ValueType.Uptime && typeof value === 'string' && init !== undefined) {
    return { value: Date.parse(value) - init, raw: false };
  }
  return { value, raw: false };
}

/**
 * Equality between a logstash expectation and our value; untyped raw values are read as the
 * expectation's type. 'skip' when the expectation is a structure we do not model.
 */
export function matches(expected: unknown, got: Resolved): boolean | 'skip' {
  if (got === NOT_COMPARABLE) return 'skip';
  const v = got.value;
  if (v === undefined) return false;
  if (expected !== null && typeof expected === 'object') {
    // forwarding_status: logstash splits the octet into status (2 bits) and reason (6 bits).
    const e = expected as Record<string, unknown>;
    if ('status' in e && 'reason' in e && typeof v === 'number') return v >> 6 === e.status && (v & 63) === e.reason;
    return 'skip';
  }
  if (typeof expected === 'number' && typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return Date.parse(v) === expected;
  if (typeof expected === 'string' && typeof v === 'string') {
    if (/^\d+(\.\.\d+)+$/.test(expected) && /^[0-9a-f]+$/.test(v)) return applicationId(v) === expected;
    if (/^\d{4}-\d\d-\d\dT/.test(expected) && /^\d{4}-\d\d-\d\dT/.test(v)) return Date.parse(expected) === Date.parse(v);
    if (got.raw) {
      if (/^\d+\.\d+\.\d+\.\d+$/.test(expected) && v.length === 8) return Buffer.from(v, 'hex').join('.') === expected;
      const text = Buffer.from(v, 'hex').toString('utf8').replace(/\0+$/, '');
      if (text === expected) return true;
    }
    return expected.toLowerCase() === v.toLowerCase() || expected.toLowerCase().replace(/[^0-9a-f]/g, '') === v;
  }
  if (got.raw && typeof v === 'string' && typeof expected === 'number') return v.length <= 16 && Number(BigInt(`0x${v || '0'}`)) === expected;
  return expected === v;
}

/** logstash renders applicationId as "<engine>..<selector>" with the selector in 4-octet groups. */
function applicationId(hexValue: string): string {
  const b = Buffer.from(hexValue, 'hex');
  const parts = [String(b[0])];
  for (let i = 1; i < b.length; i += 4) parts.push(String(b.subarray(i, i + 4).reduce((a, x) => a * 256 + x, 0)));
  return parts.join('..');
}
