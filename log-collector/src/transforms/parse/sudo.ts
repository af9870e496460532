/**
 * sudo: `alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls -l`
 * and failures: `alice : 3 incorrect password attempts ; TTY=...`, `alice : user NOT in sudoers ; ...`.
 */
import { parsePam } from './pam.js';
import { classify, type EcsEvent, sub, userName } from './util.js';

const DATASET = 'system.auth';
const LINE = /^\s*(\S+) : (?:([^=;]*?) ; )?((?:[A-Z]+=.*?)(?: ; [A-Z]+=.*?)*)$/;

const FAILURES: Array<[RegExp, string]> = [
  [/incorrect password attempts?/, 'sudo-incorrect-password'],
  [/user NOT in sudoers/, 'sudo-not-in-sudoers'],
  [/user NOT authorized on host/, 'sudo-not-authorized-on-host'],
  [/command not allowed/, 'sudo-command-not-allowed'],
  [/a password is required/, 'sudo-password-required'],
  [/authentication failure/, 'sudo-authentication-failure'],
];

/** `KEY=value ; KEY=value` → fields (a part without `=` after its first character is skipped). */
function sudoFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let start = 0;
  for (;;) {
    let end = text.indexOf(' ; ', start);
    const last = end < 0;
    if (last) end = text.length;
    const eq = text.indexOf('=', start);
    if (eq > start && eq < end) fields[text.slice(start, eq)] = text.slice(eq + 1, end);
    if (last) return fields;
    start = end + 3;
  }
}

export function parseSudo(ev: EcsEvent, msg: string): boolean {
  const m = LINE.exec(msg);
  if (!m) {
    if (msg.startsWith('pam_')) return parsePam(ev, msg, 'sudo', DATASET);
    return false;
  }
  userName(ev, m[1]);
  const fields = sudoFields(m[3]!);
  if (fields.USER) sub(sub(ev, 'user'), 'effective').name = fields.USER;
  if (fields.GROUP) sub(sub(sub(ev, 'user'), 'effective'), 'group').name = fields.GROUP;
  const proc = sub(ev, 'process');
  if (fields.COMMAND) {
    proc.command_line = fields.COMMAND;
    const sp = fields.COMMAND.indexOf(' ');
    proc.executable = sp < 0 ? fields.COMMAND : fields.COMMAND.slice(0, sp);
  }
  if (fields.PWD) proc.working_directory = fields.PWD;
  if (fields.TTY) sub(sub(ev, 'system'), 'auth').sudo = { tty: fields.TTY };
  const problem = m[2];
  if (problem) {
    const hit = FAILURES.find(([re]) => re.test(problem));
    classify(ev, {
      dataset: DATASET, category: ['authentication'], type: ['info'], outcome: 'failure',
      action: hit ? hit[1] : 'sudo-failure',
    });
    sub(ev, 'event').reason = problem;
  } else {
    classify(ev, { dataset: DATASET, category: ['process'], type: ['start'], outcome: 'success', action: 'sudo-command' });
  }
  return true;
}

export const sudoParser = { name: 'sudo', programs: ['sudo'], parse: parseSudo };
