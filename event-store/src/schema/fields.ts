/**
 * The one declaration of the ECS fields we type. Elasticsearch templates, SQLite columns, the query
 * compilers and document validation are all generated from this table; a field not listed here is a
 * dynamic keyword (strings) on both engines.
 */
export type FieldType = 'keyword' | 'text' | 'ip' | 'date' | 'long' | 'double' | 'boolean';

export interface FieldDef {
  type: FieldType;
  /** SQLite keeps this field in its own typed, indexed column (must be single-valued in ECS). */
  hot?: boolean;
}

export const FIELDS: Readonly<Record<string, FieldDef>> = {
  '@timestamp': { type: 'date', hot: true },
  message: { type: 'text' },
  tags: { type: 'keyword' },

  'event.id': { type: 'keyword' },
  'event.kind': { type: 'keyword', hot: true },
  'event.category': { type: 'keyword' },
  'event.type': { type: 'keyword' },
  'event.action': { type: 'keyword', hot: true },
  'event.outcome': { type: 'keyword', hot: true },
  'event.dataset': { type: 'keyword', hot: true },
  'event.module': { type: 'keyword' },
  'event.provider': { type: 'keyword' },
  'event.code': { type: 'keyword' },
  'event.severity': { type: 'long', hot: true },
  'event.risk_score': { type: 'double' },
  'event.duration': { type: 'long' },
  'event.created': { type: 'date' },
  'event.ingested': { type: 'date' },
  'event.start': { type: 'date' },
  'event.end': { type: 'date' },
  'event.original': { type: 'text' },
  'event.reason': { type: 'text' },

  'source.ip': { type: 'ip', hot: true },
  'source.port': { type: 'long', hot: true },
  'source.bytes': { type: 'long' },
  'source.packets': { type: 'long' },
  'source.domain': { type: 'keyword' },
  'source.mac': { type: 'keyword' },
  'destination.ip': { type: 'ip', hot: true },
  'destination.port': { type: 'long', hot: true },
  'destination.bytes': { type: 'long' },
  'destination.packets': { type: 'long' },
  'destination.domain': { type: 'keyword' },
  'client.ip': { type: 'ip' },
  'server.ip': { type: 'ip' },
  'observer.ip': { type: 'ip' },
  'observer.hostname': { type: 'keyword' },
  'observer.name': { type: 'keyword' },
  'observer.type': { type: 'keyword' },
  'observer.vendor': { type: 'keyword' },
  'host.ip': { type: 'ip' },
  'host.hostname': { type: 'keyword', hot: true },
  'host.name': { type: 'keyword' },
  'related.ip': { type: 'ip' },
  'related.user': { type: 'keyword' },
  'related.hosts': { type: 'keyword' },

  'network.bytes': { type: 'long' },
  'network.packets': { type: 'long' },
  'network.transport': { type: 'keyword', hot: true },
  'network.protocol': { type: 'keyword' },
  'network.direction': { type: 'keyword' },
  'network.community_id': { type: 'keyword' },

  'http.response.status_code': { type: 'long' },
  'http.request.method': { type: 'keyword' },
  'url.original': { type: 'keyword' },
  'url.domain': { type: 'keyword' },
  'user_agent.original': { type: 'keyword' },

  'user.name': { type: 'keyword', hot: true },
  'user.id': { type: 'keyword' },
  'user.domain': { type: 'keyword' },

  'log.level': { type: 'keyword' },
  'log.logger': { type: 'keyword' },
  'log.syslog.facility.code': { type: 'long' },
  'log.syslog.facility.name': { type: 'keyword' },
  'log.syslog.severity.code': { type: 'long' },
  'log.syslog.severity.name': { type: 'keyword' },
  'log.syslog.hostname': { type: 'keyword' },
  'log.syslog.appname': { type: 'keyword' },
  'log.syslog.procid': { type: 'keyword' },
  'log.syslog.msgid': { type: 'keyword' },
  'log.syslog.priority': { type: 'long' },
  'log.syslog.version': { type: 'keyword' },

  'rule.id': { type: 'keyword' },
  'rule.name': { type: 'keyword' },
  'rule.ruleset': { type: 'keyword' },

  'process.name': { type: 'keyword' },
  'process.pid': { type: 'long' },
  'file.path': { type: 'keyword' },
  'file.hash.sha256': { type: 'keyword' },
  'error.message': { type: 'text' },
  'error.type': { type: 'keyword' },
  'error.code': { type: 'keyword' },
  'ecs.version': { type: 'keyword' },

  // SOC records (alerts, incidents) share these.
  'kibana.alert.status': { type: 'keyword' },
  'incident.status': { type: 'keyword' },
  'incident.severity': { type: 'keyword' },
  'incident.assignee': { type: 'keyword' },
  'deadletter.dataset': { type: 'keyword' },
  'deadletter.reason': { type: 'text' },
};

/** Field names analysts and callers may use: ECS-style dotted identifiers (and `@timestamp`). */
const FIELD_NAME = /^(?:@timestamp|[A-Za-z_][A-Za-z0-9_]{0,63}(?:\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,9})$/;
export const MAX_FIELD_LENGTH = 256;

export function isValidFieldName(name: string): boolean {
  return typeof name === 'string' && name.length <= MAX_FIELD_LENGTH && FIELD_NAME.test(name);
}

/** Unknown fields are dynamic keywords, as the Elasticsearch templates declare. */
export function fieldType(name: string): FieldType {
  return FIELDS[name]?.type ?? 'keyword';
}

export function isHot(name: string): boolean {
  return FIELDS[name]?.hot === true;
}

/** SQLite column name of a hot field: dots and `@` become safe identifier characters. */
export function hotColumn(name: string): string {
  if (!isHot(name)) throw new Error(`not a hot field: ${name}`);
  return name === '@timestamp' ? 'ts' : 'f_' + name.replace(/\./g, '_');
}

export const HOT_FIELDS: readonly string[] = Object.keys(FIELDS).filter(isHot);
/** Hot fields other than `@timestamp` (which every document has): the typed columns beside `ts`. */
export const HOT_VALUE_FIELDS: readonly string[] = HOT_FIELDS.filter((f) => f !== '@timestamp');
export const TEXT_FIELD = 'message';
