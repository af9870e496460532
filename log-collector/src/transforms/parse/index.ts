/** The default set of message parsers and `parseMessage()`. */
import type { EcsEvent } from '../../sources/syslog/event.js';
import { auditParser } from './audit.js';
import { cefParser, f5Parser } from './cef.js';
import { ciscoParser } from './cisco.js';
import { filterlogParser, panosParser } from './delimited.js';
import { fortinetParser } from './fortinet.js';
import { accessLogParser, webErrorParser } from './http.js';
import { huaweiParser } from './huawei.js';
import { junosParser } from './junos.js';
import { logindParser } from './logind.js';
import { dovecotParser, postfixParser } from './mail.js';
import { namedParser, proftpdParser, squidParser, vsftpdParser } from './network-services.js';
import { proxifierParser, snareParser, sonicwallParser } from './misc-vendors.js';
import { netfilterParser } from './netfilter.js';
import { pamParser } from './pam.js';
import { ParserRegistry } from './registry.js';
import { shadowUtilsParser } from './shadow-utils.js';
import { sshdParser } from './sshd.js';
import { suParser } from './su.js';
import { sudoParser } from './sudo.js';

export { ParserRegistry, type MessageParser } from './registry.js';

/** A registry with every built-in parser; pattern order puts the cheapest, most specific first. */
export function createDefaultRegistry(): ParserRegistry {
  return new ParserRegistry()
    .register(sshdParser)
    .register(sudoParser)
    .register(suParser)
    .register(logindParser)
    .register(shadowUtilsParser)
    .register(ciscoParser)
    .register(huaweiParser)
    .register(netfilterParser)
    .register(auditParser)
    .register(fortinetParser)
    .register(sonicwallParser)
    .register(panosParser)
    .register(filterlogParser)
    .register(snareParser)
    .register(junosParser)
    .register(pamParser)
    .register(accessLogParser)
    .register(webErrorParser)
    .register(proxifierParser)
    .register(postfixParser)
    .register(dovecotParser)
    .register(namedParser)
    .register(squidParser)
    .register(vsftpdParser)
    .register(proftpdParser)
    .register(cefParser)
    .register(f5Parser);
}

const defaultRegistry = createDefaultRegistry();

/** Extract vendor/application fields from `ev.message`; returns the parser used, if any. */
export function parseMessage(ev: EcsEvent, registry: ParserRegistry = defaultRegistry): string | undefined {
  return registry.parse(ev);
}
