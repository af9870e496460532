/**
 * Incident reports as STIX 2.1 bundles: the reporting unit (identity), the incident, an indicator for the
 * incident's entity (IP address, user, host), observed-data with the entity as an SCO, a sighting of the
 * indicator by the unit, and relationships tying them to the incident. Object ids are UUIDv5 from the
 * unit and incident id, so every report about the same incident updates the same STIX objects
 * (`modified` moves), as STIX versioning expects.
 */
import { createHash, randomUUID } from 'node:crypto';
import net from 'node:net';

/** RFC 4122 §4.3 name-based UUID (SHA-1), under the STIX 2.1 namespace for SCOs and our own for SDOs. */
export function uuidV5(name: string, namespace = '00abedb4-aa42-466c-9c01-fed23315a9b7'): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(Buffer.concat([ns, Buffer.from(name, 'utf8')])).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const EMSOC_NS = 'a3a1c5e0-7c55-5a4e-9d8e-6f1b2c3d4e5f';
const sdoId = (type: string, key: string) => `${type}--${uuidV5(`${type}|${key}`, EMSOC_NS)}`;

export interface IncidentInput {
  id: string;
  title: string;
  ruleId: string;
  entity: string;
  severity: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  firstSeen: string;
  lastSeen: string;
  alertCount: number;
  tactics?: string[];
  techniques?: string[];
  assignee?: string | null;
}

/** STIX 2.1 timestamps: RFC 3339 UTC with milliseconds. */
const ts = (s: string) => new Date(Date.parse(s)).toISOString();

/** The observable the entity string names: the first IP address in it, else a user or host name. */
export function entityObservable(entity: string): { sco: Record<string, unknown>; pattern: string } {
  const quote = (v: string) => v.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const tokens = entity.split(/[\s,;|=]+/).map((t) => t.replace(/^[[(]|[\])]$/g, ''));
  const ip = tokens.find((t) => net.isIP(t));
  if (ip) {
    const type = net.isIPv4(ip) ? 'ipv4-addr' : 'ipv6-addr';
    return { sco: { type, spec_version: '2.1', id: `${type}--${uuidV5(JSON.stringify({ value: ip }))}`, value: ip }, pattern: `[${type}:value = '${quote(ip)}']` };
  }
  const user = /user(?:\.name)?[=:]\s*([^\s,;|]+)/i.exec(entity)?.[1];
  if (user) return { sco: { type: 'user-account', spec_version: '2.1', id: `user-account--${uuidV5(JSON.stringify({ user_id: user }))}`, user_id: user }, pattern: `[user-account:user_id = '${quote(user)}']` };
  const host = entity.trim() || 'unknown';
  return { sco: { type: 'domain-name', spec_version: '2.1', id: `domain-name--${uuidV5(JSON.stringify({ value: host }))}`, value: host }, pattern: `[domain-name:value = '${quote(host)}']` };
}

export function incidentBundle(unit: { id: string; name: string }, inc: IncidentInput): Record<string, unknown> {
  const created = ts(inc.createdAt);
  const modified = ts(inc.updatedAt) < created ? created : ts(inc.updatedAt);
  const identity = {
    type: 'identity',
    spec_version: '2.1',
    id: sdoId('identity', unit.id),
    created: '2020-01-01T00:00:00.000Z',
    modified: '2020-01-01T00:00:00.000Z',
    name: unit.name,
    identity_class: 'organization',
    sectors: ['government-emergency-services'],
    x_emsoc_unit_id: unit.id,
  };
  const key = `${unit.id}|${inc.id}`;
  const { sco, pattern } = entityObservable(inc.entity);
  const incident = {
    type: 'incident',
    spec_version: '2.1',
    id: sdoId('incident', key),
    created,
    modified,
    created_by_ref: identity.id,
    name: inc.title,
    description: `Rule ${inc.ruleId} on ${inc.entity}: ${inc.alertCount} alert(s) between ${ts(inc.firstSeen)} and ${ts(inc.lastSeen)}.`,
    labels: [inc.severity, ...(inc.tactics ?? [])],
    external_references: [{ source_name: 'emsoc', external_id: inc.id }, ...(inc.techniques ?? []).filter((t) => /^T\d{4}(\.\d{3})?$/.test(t)).map((t) => ({ source_name: 'mitre-attack', external_id: t }))],
    x_emsoc_status: inc.status,
    x_emsoc_severity: inc.severity,
    x_emsoc_rule_id: inc.ruleId,
    x_emsoc_alert_count: inc.alertCount,
  };
  const indicator = {
    type: 'indicator',
    spec_version: '2.1',
    id: sdoId('indicator', key),
    created,
    modified,
    created_by_ref: identity.id,
    name: `Entity of incident ${inc.id}`,
    indicator_types: ['malicious-activity'],
    pattern,
    pattern_type: 'stix',
    valid_from: ts(inc.firstSeen),
  };
  const observed = {
    type: 'observed-data',
    spec_version: '2.1',
    id: sdoId('observed-data', key),
    created,
    modified,
    created_by_ref: identity.id,
    first_observed: ts(inc.firstSeen),
    last_observed: ts(inc.lastSeen) < ts(inc.firstSeen) ? ts(inc.firstSeen) : ts(inc.lastSeen),
    number_observed: Math.max(1, inc.alertCount),
    object_refs: [sco.id as string],
  };
  const sighting = {
    type: 'sighting',
    spec_version: '2.1',
    id: sdoId('sighting', key),
    created,
    modified,
    created_by_ref: identity.id,
    first_seen: observed.first_observed,
    last_seen: observed.last_observed,
    count: Math.max(1, inc.alertCount),
    sighting_of_ref: indicator.id,
    observed_data_refs: [observed.id],
    where_sighted_refs: [identity.id],
  };
  const rel = (source: string, type: string, target: string) => ({ type: 'relationship', spec_version: '2.1', id: sdoId('relationship', `${key}|${source}|${type}|${target}`), created, modified, relationship_type: type, source_ref: source, target_ref: target });
  return {
    type: 'bundle',
    id: `bundle--${randomUUID()}`,
    objects: [identity, incident, indicator, observed, sighting, sco, rel(indicator.id, 'indicates', incident.id), rel(observed.id, 'related-to', incident.id)],
  };
}
