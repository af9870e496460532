/** RFC 5424 §6.2.1 facility and severity names (keywords as used by syslog.conf / ECS examples). */
export const FACILITY_NAMES: readonly string[] = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv',
  'ftp', 'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3',
  'local4', 'local5', 'local6', 'local7',
];

export const SEVERITY_NAMES: readonly string[] = [
  'emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug',
];

export interface Priority {
  priority: number;
  facility: { code: number; name: string };
  severity: { code: number; name: string };
}

const cache: Priority[] = [];
for (let p = 0; p < 192; p++) {
  cache.push({
    priority: p,
    facility: { code: p >> 3, name: FACILITY_NAMES[p >> 3]! },
    severity: { code: p & 7, name: SEVERITY_NAMES[p & 7]! },
  });
}

/** Decoded PRI value; a fresh object each call so callers may mutate the event. */
export function decodePriority(pri: number): Priority | undefined {
  const c = cache[pri];
  if (!c) return undefined;
  return { priority: c.priority, facility: { code: c.facility.code, name: c.facility.name }, severity: { code: c.severity.code, name: c.severity.name } };
}
