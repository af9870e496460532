/** Transport-free syslog input: RFC 6587 framing and RFC 5424/3164 header parsing. */
export { createSyslogFramer } from './framer.js';
export type { SyslogFramer, SyslogFramerOptions, SyslogFrame, FramingMode } from './framer.js';
export { parseSyslog, programName } from './parse.js';
export type { SyslogContext } from './parse.js';
export { parseStructuredData } from './structured-data.js';
export type { StructuredData } from './structured-data.js';
export { decodePriority, FACILITY_NAMES, SEVERITY_NAMES } from './priority.js';
export { DEFAULT_TIMEZONE, isValidTimezone, zonedTimeToUtc } from './timestamp.js';
export { type EcsEvent, getPath, setPath, markFailure, PARSE_FAILURE_TAG } from './event.js';
