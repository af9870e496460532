/**
 * Conformance runs over the shared third-party corpora (/work/shared/data/syslog, loghub).
 * Each returns counts and the list of mismatches so tests can assert and humans can read why.
 * Run directly for a report: `node --import tsx log-collector/test/syslog/corpora.ts`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyslogFramer } from '../../src/sources/syslog/index.js';
import { type EcsEvent, processSyslog } from '../../src/transforms/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SHARED = process.env.SOC_SHARED_DATA ?? path.resolve(here, '..', '..', '..', '..', 'shared', 'data');
export const haveShared = existsSync(path.join(SHARED, 'syslog'));

/** Fixed receive time so year-less stamps and ids are reproducible. */
export const CTX = { receivedAt: Date.parse('2026-11-29T10:00:00Z'), sourceAddress: '192.0.2.1' };

export interface Report {
  total: number;
  matched: number;
  share: number;
  mismatches: string[];
  thrown: number;
}

function report(total: number, matched: number, mismatches: string[], thrown = 0): Report {
  return { total, matched, share: total ? matched / total : 1, mismatches, thrown };
}

function safe(line: string | Buffer): EcsEvent | undefined {
  try {
    return processSyslog(line, CTX);
  } catch {
    return undefined;
  }
}

/** Wazuh decoder name → the event.dataset this collector should produce for that line. */
const WAZUH_DATASET: Array<[RegExp, string]> = [
  [/^(sshd|sudo|su|pam)$/, 'system.auth'],
  [/^kernel$/, 'iptables.log'],
  [/^(cisco-asa|pix)$/, 'cisco.asa'],
  [/^cisco-ios$/, 'cisco.ios'],
  [/^fortigate/, 'fortinet.firewall'],
  [/^paloalto$/, 'panw.panos'],
  [/^pf$/, 'pfsense.log'],
  [/^apache-errorlog$/, 'apache.error'],
  [/^nginx-errorlog$/, 'nginx.error'],
  [/^sonicwall$/, 'sonicwall.firewall'],
  [/^junos-/, 'juniper.srx'],
  [/^systemd$/, 'system.syslog'],
  [/^postfix/, 'postfix.log'],
  [/^named$/, 'bind.log'],
  [/^dovecot/, 'dovecot.log'],
  [/^squid/, 'squid.access'],
  [/^vsftpd$/, 'vsftpd.log'],
  [/^proftpd$/, 'proftpd.log'],
  [/^f5-bigip/, 'f5.bigip'],
];

/** Decoders whose lines carry addresses that must land in source.ip / destination.ip. */
const ADDRESS_DECODERS = /^(sshd|kernel|cisco-asa|pix|cisco-ios|fortigate|paloalto|pf|sonicwall|junos|named|dovecot|squid|vsftpd|proftpd|postfix|apache-errorlog)/;
const IPV4 = /\b(\d{1,3}(?:\.\d{1,3}){3})\b/g;

export function wazuh(): Report & { perDecoder: Record<string, [number, number]>; failLines: number; addresses: [number, number]; addressMisses: string[] } {
  const lines = readFileSync(path.join(SHARED, 'syslog/wazuh-ruleset-tests/log_lines.jsonl'), 'utf8').split('\n').filter(Boolean);
  let total = 0;
  let matched = 0;
  let thrown = 0;
  let failLines = 0;
  const mismatches: string[] = [];
  const perDecoder: Record<string, [number, number]> = {};
  const addresses: [number, number] = [0, 0];
  const addressMisses: string[] = [];
  for (const l of lines) {
    const rec = JSON.parse(l) as { file: string; log: string; expect: string; decoder: string };
    const ev = safe(rec.log);
    if (!ev) {
      thrown++;
      continue;
    }
    if (rec.expect !== 'pass' || !rec.decoder) {
      failLines++;
      continue;
    }
    const want = rec.file === 'kernel_usb.ini' ? 'system.syslog' : WAZUH_DATASET.find(([re]) => re.test(rec.decoder))?.[1];
    total++;
    const got = ev.event?.dataset;
    const ok = got === want;
    if (ADDRESS_DECODERS.test(rec.decoder) && rec.file !== 'kernel_usb.ini') {
      // the text after the syslog header (a relay's own address in the header does not count)
      const body = String(ev.message ?? '');
      const ips = [...body.matchAll(IPV4)].map((m) => m[1]!).filter((a) => isIP(a) === 4);
      if (ips.length) {
        addresses[1]++;
        const got = [ev.source?.ip, ev.destination?.ip];
        if (ips.some((a) => got.includes(a))) addresses[0]++;
        else addressMisses.push(`${rec.decoder}: ${rec.log.slice(0, 120)}`);
      }
    }
    const pd = (perDecoder[rec.decoder] ??= [0, 0]);
    pd[1]++;
    if (ok) {
      matched++;
      pd[0]++;
    } else mismatches.push(`${rec.decoder}: want ${want} got ${got} :: ${rec.log.slice(0, 110)}`);
  }
  return { ...report(total, matched, mismatches, thrown), perDecoder, failLines, addresses, addressMisses };
}

/** napalm-logs: compare PRI, host, tag and process id with yang.json message_details. */
export function napalm(): Report & { fields: Record<string, [number, number]> } {
  const root = path.join(SHARED, 'syslog/napalm-logs');
  const fields: Record<string, [number, number]> = { pri: [0, 0], host: [0, 0], tag: [0, 0], processId: [0, 0] };
  const mismatches: string[] = [];
  let total = 0;
  let matched = 0;
  let thrown = 0;
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f === 'syslog.msg') {
        const msg = readFileSync(p, 'utf8').replace(/\n+$/, '');
        const exp = JSON.parse(readFileSync(path.join(d, 'yang.json'), 'utf8')).message_details as Record<string, string | null>;
        const ev = safe(msg);
        if (!ev) {
          thrown++;
          continue;
        }
        const os = path.relative(root, d).split(path.sep)[0];
        const got: Record<string, unknown> = {
          pri: String(ev.log?.syslog?.priority),
          host: ev.host?.hostname,
          tag: os === 'fortinet' ? ev.fortinet?.firewall?.subtype : ev.event?.code ?? ev.process?.name,
          processId: ev.process?.pid === undefined ? null : String(ev.process.pid),
        };
        let all = true;
        for (const k of Object.keys(fields)) {
          if (k === 'processId' && exp.processId === undefined) continue;
          fields[k]![1]++;
          const want = exp[k] ?? null;
          if (String(got[k] ?? null) === String(want)) fields[k]![0]++;
          else {
            all = false;
            mismatches.push(`${path.relative(root, d)} ${k}: want ${want} got ${got[k]}`);
          }
        }
        total++;
        if (all) matched++;
      }
    }
  };
  walk(root);
  return { ...report(total, matched, mismatches, thrown), fields };
}

/** rsyslog: fuzz corpus + Snare parse; framing inputs go through the framer. */
export function rsyslog(): Report & { frames: number; snare: [number, number] } {
  const root = path.join(SHARED, 'syslog/rsyslog');
  let thrown = 0;
  let total = 0;
  let matched = 0;
  const mismatches: string[] = [];
  for (const f of readdirSync(path.join(root, 'fuzz-corpus'))) {
    total++;
    const ev = safe(readFileSync(path.join(root, 'fuzz-corpus', f)));
    if (!ev) thrown++;
    else if (ev.tags?.includes('_syslog_parse_failure')) mismatches.push(`fuzz-corpus/${f}: ${ev.error?.message}`);
    else matched++;
  }
  let frames = 0;
  for (const f of readdirSync(path.join(root, 'testsuites'))) {
    const framer = createSyslogFramer({ maxFrameSize: 8192 });
    for (const fr of [...framer.push(readFileSync(path.join(root, 'testsuites', f))), ...framer.end()]) {
      frames++;
      if (!safe(fr.data)) thrown++;
    }
  }
  const snare: [number, number] = [0, 0];
  for (const f of readdirSync(path.join(root, 'mmsnareparse'))) {
    for (const line of readFileSync(path.join(root, 'mmsnareparse', f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      snare[1]++;
      const ev = safe(line);
      if (!ev) thrown++;
      else if (ev.winlog?.event_id && ev.event?.code === ev.winlog.event_id) snare[0]++;
      else mismatches.push(`snare ${f}: ${line.slice(0, 100)}`);
    }
  }
  total += snare[1];
  matched += snare[0];
  return { ...report(total, matched, mismatches, thrown), frames, snare };
}

/** loghub OpenSSH: user.name / source.ip / event.outcome derived from the structured CSV templates. */
const SSH_EXPECT: Record<string, { user?: number | string; ip?: number | 'last'; outcome?: string }> = {
  E1: { user: 0, ip: 1, outcome: 'success' }, E2: { ip: 0 }, E3: { ip: 0 },
  E4: { user: 'admin', outcome: 'failure' }, E5: { user: 'root', outcome: 'failure' },
  E6: { ip: 0, outcome: 'failure' }, E7: { ip: 0, outcome: 'failure' },
  E8: { user: 0, ip: 1, outcome: 'failure' }, E9: { user: 0, ip: 1, outcome: 'failure' },
  E10: { user: 0, ip: 1, outcome: 'failure' }, E11: {}, E12: { user: 0, outcome: 'failure' },
  E13: { user: 0, ip: 1, outcome: 'failure' }, E14: { user: 'root', ip: 1, outcome: 'failure' },
  E15: { ip: 'last', outcome: 'failure' }, E16: { ip: 'last', outcome: 'failure' },
  E17: { ip: 'last', user: 'root', outcome: 'failure' }, E18: { outcome: 'failure' },
  E19: { ip: 'last', outcome: 'failure' }, E20: { ip: 2, user: 3, outcome: 'failure' },
  E21: { outcome: 'failure' }, E22: { user: 0, outcome: 'success' }, E23: { user: 0, outcome: 'success' },
  E24: { ip: 0 }, E25: { ip: 0 }, E26: { ip: 0 }, E27: { ip: 1 },
};

function csvRows(file: string): Array<Record<string, string>> {
  const [head, ...rows] = readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean);
  const cols = head!.split(',');
  const split = (l: string): string[] => {
    const out: string[] = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < l.length; i++) {
      const c = l[i]!;
      if (q) {
        if (c === '"' && l[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c;
      } else if (c === '"') q = true;
      else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
    }
    out.push(cur);
    return out;
  };
  return rows.map((r) => Object.fromEntries(split(r).map((v, i) => [cols[i], v])));
}

function templateValues(template: string, content: string): string[] | undefined {
  const re = new RegExp('^' + template.split('<*>').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.*?)') + '$');
  const m = re.exec(content.trim());
  return m ? m.slice(1).map((v) => v.trim()) : undefined;
}

export function loghubOpenSsh(): Report & { normalized: number; lines: number } {
  const dir = path.join(SHARED, 'loghub/OpenSSH');
  const lines = readFileSync(path.join(dir, 'OpenSSH_2k.log'), 'utf8').split('\n').filter(Boolean);
  const rows = csvRows(path.join(dir, 'OpenSSH_2k.log_structured.csv'));
  let normalized = 0;
  let thrown = 0;
  let checks = 0;
  let ok = 0;
  const mismatches: string[] = [];
  lines.forEach((line, i) => {
    const ev = safe(line);
    if (!ev) {
      thrown++;
      return;
    }
    if (ev.event?.id && ev.event?.dataset === 'system.auth') normalized++;
    const row = rows[i];
    const exp = row && SSH_EXPECT[row.EventId!];
    if (!row || !exp) return;
    const vals = templateValues(row.EventTemplate!, row.Content!) ?? [];
    const want: Record<string, string | undefined> = {};
    if (exp.user !== undefined) want.user = typeof exp.user === 'number' ? vals[exp.user] : exp.user;
    if (exp.ip !== undefined) want.ip = exp.ip === 'last' ? vals[vals.length - 1] : vals[exp.ip];
    want.outcome = exp.outcome;
    const got = { user: ev.user?.name, ip: isIP(want.ip ?? '') ? ev.source?.ip : ev.source?.domain ?? ev.source?.ip, outcome: ev.event?.outcome };
    for (const k of ['user', 'ip', 'outcome'] as const) {
      if (k !== 'outcome' && want[k] === undefined) continue;
      checks++;
      if ((got[k] ?? undefined) === (want[k] ?? undefined)) ok++;
      else mismatches.push(`line ${i + 1} ${row.EventId} ${k}: want ${want[k]} got ${got[k]}`);
    }
  });
  return { ...report(checks, ok, mismatches, thrown), normalized, lines: lines.length };
}

/** loghub Linux / Apache / Proxifier: every line yields a normalised event; spot fields checked. */
export function loghubOthers(): Record<string, Report> {
  const out: Record<string, Report> = {};
  for (const [sys, check] of [
    ['Linux', (ev: EcsEvent, row: Record<string, string>) =>
      !/^sshd\(pam_unix\)$/.test(row.Component ?? '') || !/rhost=\S/.test(row.Content ?? '') || (ev.event?.outcome === 'failure' && !!(ev.source?.ip || ev.source?.domain))],
    ['Apache', (ev: EcsEvent, row: Record<string, string>) => ev.event?.dataset === 'apache.error' && ev.log?.level === row.Level],
    ['Proxifier', (ev: EcsEvent, row: Record<string, string>) => ev.event?.dataset === 'proxifier.log' && ev.process?.name === row.Program?.replace(/ \*64$/, '')],
  ] as const) {
    const dir = path.join(SHARED, 'loghub', sys);
    const lines = readFileSync(path.join(dir, `${sys}_2k.log`), 'utf8').split('\n').filter(Boolean);
    const rows = csvRows(path.join(dir, `${sys}_2k.log_structured.csv`));
    let ok = 0;
    let thrown = 0;
    const mismatches: string[] = [];
    lines.forEach((line, i) => {
      const ev = safe(line);
      if (!ev) {
        thrown++;
        return;
      }
      if (ev.event?.id && check(ev, rows[i] ?? {})) ok++;
      else mismatches.push(`line ${i + 1}: ${line.slice(0, 100)}`);
    });
    out[sys] = report(lines.length, ok, mismatches, thrown);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const brief = (r: Report, extra: object = {}): object => ({ ...extra, total: r.total, matched: r.matched, share: +r.share.toFixed(4), thrown: r.thrown, mismatches: r.mismatches });
  const w = wazuh();
  const n = napalm();
  const r = rsyslog();
  const o = loghubOpenSsh();
  console.log(JSON.stringify({
    wazuh: brief(w, { perDecoder: w.perDecoder, failLines: w.failLines, addresses: w.addresses, addressMisses: w.addressMisses }),
    napalm: brief(n, { fields: n.fields }),
    rsyslog: brief(r, { frames: r.frames, snare: r.snare }),
    loghubOpenSSH: brief(o, { normalized: o.normalized, lines: o.lines }),
    loghubOthers: Object.fromEntries(Object.entries(loghubOthers()).map(([k, v]) => [k, brief(v)])),
  }, null, 1));
}
