/** OpenSSH server messages → `system.auth` authentication events. */
import { parsePam } from './pam.js';
import { classify, endpoint, type EcsEvent, type Outcome, stripSuffix, sub, userName } from './util.js';

const DATASET = 'system.auth';

const AUTH = /^(Accepted|Failed|Postponed) (\S+) for (invalid user )?(.*?) from (\S+) port (\d+)(?: (ssh\d?))?(?::? (.*))?$/;
const INVALID_USER = /^Invalid user (.*?) from (\S+)(?: port (\d+))?$/;
const USERAUTH_INVALID = /^input_userauth_request: invalid user (.*)$/;
const TOO_MANY = /^Disconnecting(?: (?:authenticating|invalid) user (\S+) (\S+) port (\d+))?: Too many authentication failures(?: for (?:invalid user )?(\S+))?/;
const DISCONNECTING = /^Disconnecting (?:authenticating |invalid )?user (\S+) (\S+) port (\d+)/;
const MAX_ATTEMPTS = /^(?:error: )?maximum authentication attempts exceeded for (invalid user )?(\S+) from (\S+) port (\d+)/;
const RECEIVED_DISCONNECT = /^(?:error: )?Received disconnect from (\S+?)(?: port (\d+))?:\s*(\d+): (.*)$/;
const DISCONNECTED = /^Disconnected from (?:(?:authenticating |invalid )?user (\S+) )?(\S+) port (\d+)/;
const CLOSED = /^Connection (closed|reset) by (?:(?:authenticating|invalid) user (\S+) )?(\S+)(?: port (\d+))?/;
const NO_IDENT = /^Did not receive identification string from (\S+)(?: port (\d+))?/;
const REVERSE = /^reverse mapping checking getaddrinfo for (\S+) \[(\S+)\] failed/;
const MAPS_TO = /^Address (\S+) maps to (\S+), but this does not map back/;
const NOT_ALLOWED = /^User (\S+) from (\S+) not allowed because (.*)$/;
const REPEATED = /^message repeated (\d+) times: \[\s*(.*?)\s*\]$/;
const PAM_ERROR = /^error: PAM: (.*?) for (?:illegal user |invalid user )?(\S+) from (\S+)/;
const READ_ERROR = /^Read error from remote host (\S+?)(?: port (\d+))?: (.*)$/;
const LISTENING = /^Server listening on (\S+) port (\d+)/;
const TIMEOUT = /^(?:fatal: )?Timeout before authentication for (\S+?)(?: port (\d+))?$/;
const BAD_PROTOCOL = /^Bad protocol version identification '.*' from (\S+?)(?: port (\d+))?$/;
const NEGOTIATE = /^(?:fatal: )?Unable to negotiate with (\S+?)(?: port (\d+))?:/;
const KEX = /^(?:error: )?kex_exchange_identification: .*$/;

function auth(ev: EcsEvent, action: string, outcome: Outcome | undefined, type = 'info'): void {
  classify(ev, { dataset: DATASET, category: ['authentication'], type: [type], outcome, action });
}

export function parseSshd(ev: EcsEvent, message: string): boolean {
  const [msg, preauth] = stripSuffix(message, '[preauth]');
  if (preauth) sub(sub(ev, 'system'), 'auth').ssh = { preauth: true };
  let m: RegExpExecArray | null;
  if ((m = AUTH.exec(msg))) {
    const verb = m[1]!;
    const outcome: Outcome | undefined = verb === 'Accepted' ? 'success' : verb === 'Failed' ? 'failure' : undefined;
    auth(ev, `${verb.toLowerCase()}-${m[2]}`, outcome, verb === 'Accepted' ? 'start' : 'info');
    userName(ev, m[4]);
    endpoint(ev, 'source', m[5], m[6]);
    const ssh = sub(sub(sub(ev, 'system'), 'auth'), 'ssh'); // keeps `preauth` when set above
    ssh.method = m[2];
    if (m[3]) ssh.invalid_user = true;
    if (m[8]) ssh.signature = m[8];
    return true;
  }
  if ((m = INVALID_USER.exec(msg))) {
    auth(ev, 'invalid-user', 'failure');
    userName(ev, m[1]);
    endpoint(ev, 'source', m[2], m[3]);
    return true;
  }
  if ((m = USERAUTH_INVALID.exec(msg))) {
    auth(ev, 'invalid-user', 'failure');
    userName(ev, m[1]);
    return true;
  }
  if ((m = TOO_MANY.exec(msg))) {
    auth(ev, 'too-many-authentication-failures', 'failure', 'end');
    userName(ev, m[4] ?? m[1]);
    endpoint(ev, 'source', m[2], m[3]);
    return true;
  }
  if ((m = DISCONNECTING.exec(msg))) {
    auth(ev, 'disconnecting', /invalid user/.test(msg) ? 'failure' : undefined, 'end');
    userName(ev, m[1]);
    endpoint(ev, 'source', m[2], m[3]);
    return true;
  }
  if ((m = MAX_ATTEMPTS.exec(msg))) {
    auth(ev, 'maximum-authentication-attempts-exceeded', 'failure', 'end');
    userName(ev, m[2]);
    endpoint(ev, 'source', m[3], m[4]);
    return true;
  }
  if ((m = REPEATED.exec(msg))) {
    const inner = parseSshd(ev, m[2]!);
    sub(sub(ev, 'system'), 'auth').repeated = Number(m[1]);
    return inner;
  }
  if ((m = RECEIVED_DISCONNECT.exec(msg))) {
    const reason = m[4]!;
    const failed = /Auth fail|No more user authentication methods|Too many authentication failures/i.test(reason);
    auth(ev, 'received-disconnect', failed ? 'failure' : undefined, 'end');
    endpoint(ev, 'source', m[1], m[2]);
    sub(ev, 'event').reason = reason;
    return true;
  }
  if ((m = DISCONNECTED.exec(msg))) {
    auth(ev, 'disconnected', undefined, 'end');
    userName(ev, m[1]);
    endpoint(ev, 'source', m[2], m[3]);
    return true;
  }
  if ((m = CLOSED.exec(msg))) {
    auth(ev, m[1] === 'closed' ? 'connection-closed' : 'connection-reset', undefined, 'end');
    userName(ev, m[2]);
    endpoint(ev, 'source', m[3], m[4]);
    return true;
  }
  if ((m = NO_IDENT.exec(msg))) {
    auth(ev, 'no-identification-string', undefined);
    endpoint(ev, 'source', m[1], m[2]);
    return true;
  }
  if ((m = REVERSE.exec(msg))) {
    auth(ev, 'reverse-mapping-failed', undefined);
    endpoint(ev, 'source', m[2]);
    sub(ev, 'source').domain = m[1];
    return true;
  }
  if ((m = MAPS_TO.exec(msg))) {
    auth(ev, 'reverse-mapping-failed', undefined);
    endpoint(ev, 'source', m[1]);
    sub(ev, 'source').domain = m[2];
    return true;
  }
  if ((m = NOT_ALLOWED.exec(msg))) {
    auth(ev, 'user-not-allowed', 'failure');
    userName(ev, m[1]);
    endpoint(ev, 'source', m[2]);
    sub(ev, 'event').reason = m[3];
    return true;
  }
  if ((m = PAM_ERROR.exec(msg))) {
    auth(ev, 'pam-error', 'failure');
    userName(ev, m[2]);
    endpoint(ev, 'source', m[3]);
    sub(ev, 'event').reason = m[1];
    return true;
  }
  if (parsePam(ev, msg, 'sshd', DATASET)) return true;
  if (/^PAM service\(sshd\) ignoring max retries/.test(msg)) {
    auth(ev, 'max-retries-exceeded', 'failure');
    return true;
  }
  if ((m = READ_ERROR.exec(msg))) {
    classify(ev, { dataset: DATASET, category: ['network'], type: ['connection', 'end'], action: 'read-error' });
    endpoint(ev, 'source', m[1], m[2]);
    sub(ev, 'event').reason = m[3];
    return true;
  }
  if ((m = TIMEOUT.exec(msg))) {
    auth(ev, 'timeout-before-authentication', 'failure', 'end');
    endpoint(ev, 'source', m[1], m[2]);
    return true;
  }
  if ((m = BAD_PROTOCOL.exec(msg)) || (m = NEGOTIATE.exec(msg))) {
    auth(ev, 'negotiation-failed', 'failure');
    endpoint(ev, 'source', m[1], m[2]);
    return true;
  }
  if ((m = LISTENING.exec(msg))) {
    classify(ev, { dataset: DATASET, category: ['process'], type: ['start'], action: 'server-listening' });
    return true;
  }
  if (KEX.test(msg)) {
    auth(ev, 'key-exchange-failed', 'failure');
    return true;
  }
  // Other sshd chatter (debug, channel errors): still an sshd event.
  classify(ev, { dataset: DATASET, category: ['authentication'], type: ['info'], action: 'sshd-message' });
  const ipm = /\bfrom (\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]+:[0-9a-fA-F:.]+)(?: port (\d+))?/.exec(msg);
  if (ipm) endpoint(ev, 'source', ipm[1], ipm[2]);
  return true;
}

export const sshdParser = { name: 'sshd', programs: ['sshd', 'sshd-session', 'sshd-auth'], parse: parseSshd };
