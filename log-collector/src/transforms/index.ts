/**
 * Event transforms for collected logs: message parsing (vendor/application fields),
 * ECS normalisation and enrichment (assets, IOCs).
 *
 *   const enr = await loadEnrichment(policiesDir);
 *   const ev = processSyslog(frame.data, { receivedAt, sourceAddress }, enr);
 */
import { parseSyslog, type SyslogContext } from '../sources/syslog/parse.js';
import type { EcsEvent } from '../sources/syslog/event.js';
import { parseMessage } from './parse/index.js';
import { normalize } from './normalize/index.js';
import type { Enrichment } from './enrich/index.js';

export { parseMessage, createDefaultRegistry, ParserRegistry, type MessageParser } from './parse/index.js';
export { normalize, eventId, ECS_VERSION } from './normalize/index.js';
export * from './enrich/index.js';
export type { EcsEvent };

/** parseSyslog → parseMessage → normalize → enrich (when given). Never throws. */
export function processSyslog(input: string | Buffer, ctx: SyslogContext = {}, enrichment?: Enrichment): EcsEvent {
  const ev = parseSyslog(input, ctx);
  parseMessage(ev);
  normalize(ev);
  if (enrichment) enrichment.enrich(ev);
  return ev;
}
