/**
 * Officer CLI for the RA REST API.
 *   node --import tsx ra-service/src/cli.ts <command> [options]     (each command has --help)
 * Signs in with an API token file (--token-file, or SOC_RA_TOKEN_FILE) or a client certificate
 * (--cert/--key) issued by this RA.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RaClient, type RaResponse } from './client.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  url: { type: 'string' },
  ca: { type: 'string' },
  'token-file': { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
const COMMON_HELP = `Connection:
  --url URL          RA API (default $SOC_RA_URL or https://127.0.0.1:8444)
  --ca FILE          trust anchor (default $SOC_DATA_DIR/ca/root.pem or ./data/ca/root.pem)
  --token-file FILE  API token (default $SOC_RA_TOKEN_FILE)
  --cert FILE --key FILE   client certificate sign-in instead of a token
  --json             print raw JSON
  -h, --help         this help`;

interface Command {
  usage: string;
  summary: string;
  options?: Options;
  run(c: RaClient, v: Record<string, string | boolean | undefined>, pos: string[]): Promise<number>;
}

function need(pos: string[], n: number, what: string): string[] {
  if (pos.length < n) throw new UsageError(`missing ${what}`);
  return pos;
}

class UsageError extends Error {}

function print(res: RaResponse, asJson: boolean, render?: (j: any) => string): number {  
  if (res.status >= 400) {
    process.stderr.write(`error ${res.status}: ${res.json?.error ?? res.body.toString('utf8')}\n`);
    if (res.json?.details) process.stderr.write(`${JSON.stringify(res.json.details, null, 2)}\n`);
    return 1;
  }
  process.stdout.write(asJson || !render ? `${JSON.stringify(res.json, null, 2)}\n` : render(res.json));
  return 0;
}

const reqLine = (r: any) => `${r.id}  ${r.type.padEnd(7)} ${r.status.padEnd(9)} ${String(r.profile ?? '-').padEnd(22)} ${r.requester.name.padEnd(12)} ${r.createdAt}${r.resultSerial ? `  → ${r.resultSerial}` : ''}\n`;  
const reqDetail = (r: any) =>  
  reqLine(r) +
  `  approvals ${r.approvals.length}/${r.approvalsRequired}: ${r.approvals.map((a: any) => `${a.officerName}@${a.at}`).join(', ') || '-'}\n` +  
  r.transitions.map((t: any) => `  ${t.at}  ${String(t.from ?? '-').padEnd(9)} → ${t.to.padEnd(9)} by ${t.actor} from ${t.sourceIp ?? '-'}${t.reason ? ` (${t.reason})` : ''}\n`).join('') +  
  (r.san?.length ? `  SAN: ${r.san.map((s: any) => `${s.type}:${s.value}`).join(', ')}\n` : '') +  
  (r.reason ? `  reason: ${r.reason}\n` : '');

/**
 * A command that posts an optional text field (`--comment` or `--reason`) to
 * /api/v1/<collection>/<id>/<verb> and prints the resulting request.
 */
function postAction(collection: 'requests' | 'certificates', verb: string, summary: string, field: 'comment' | 'reason' = 'comment'): Command {
  const arg = collection === 'requests' ? 'REQUEST-ID' : 'SERIAL';
  return {
    usage: `${verb} ${arg} [--${field} TEXT]`,
    summary,
    options: { [field]: { type: 'string' } },
    async run(c, v, pos) {
      const [id] = need(pos, 1, collection === 'requests' ? 'request id' : 'serial');
      const text = v[field];
      return print(await c.post(`/api/v1/${collection}/${id}/${verb}`, text ? { [field]: text } : {}), Boolean(v.json), reqDetail);
    },
  };
}

const COMMANDS: Record<string, Command> = {
  submit: {
    usage: 'submit --profile ID (--subject-id ID | --subject FILE.json) --csr FILE [--san type:value ...] [--comment TEXT]',
    summary: 'submit an enrollment request with a PKCS#10 CSR (PEM or DER file)',
    options: { profile: { type: 'string' }, 'subject-id': { type: 'string' }, subject: { type: 'string' }, csr: { type: 'string' }, san: { type: 'string', multiple: true }, comment: { type: 'string' } },
    async run(c, v) {
      if (!v.profile || !v.csr || !(v['subject-id'] || v.subject)) throw new UsageError('--profile, --csr and --subject-id or --subject are required');
      const raw = fs.readFileSync(String(v.csr));
      const csr = raw.includes('-----BEGIN') ? raw.toString('utf8') : `-----BEGIN CERTIFICATE REQUEST-----\n${raw.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
      const san = (v.san as unknown as string[] | undefined)?.map((s) => ({ type: s.slice(0, s.indexOf(':')), value: s.slice(s.indexOf(':') + 1) }));
      const body = {
        type: 'enroll',
        profile: v.profile,
        ...(v['subject-id'] ? { subjectId: v['subject-id'] } : { subject: JSON.parse(fs.readFileSync(String(v.subject), 'utf8')) }),
        csr,
        ...(san ? { san } : {}),
        ...(v.comment ? { comment: v.comment } : {}),
      };
      return print(await c.post('/api/v1/requests', body), Boolean(v.json), reqDetail);
    },
  },
  list: {
    usage: 'list [--status submitted|approved|issued|completed|rejected|cancelled|failed|ca-error] [--type TYPE] [--mine] [--limit N]',
    summary: 'list requests (newest first)',
    options: { status: { type: 'string' }, type: { type: 'string' }, mine: { type: 'boolean' }, limit: { type: 'string' } },
    async run(c, v) {
      const q = new URLSearchParams();
      if (v.status) q.set('status', String(v.status));
      if (v.type) q.set('type', String(v.type));
      if (v.mine) q.set('mine', 'true');
      if (v.limit) q.set('limit', String(v.limit));
      return print(await c.get(`/api/v1/requests?${q}`), Boolean(v.json), (j) => j.items.map(reqLine).join('') || '(none)\n');
    },
  },
  show: {
    usage: 'show REQUEST-ID | show --certificate SERIAL',
    summary: 'show a request (approvals, transitions) or a certificate',
    options: { certificate: { type: 'string' } },
    async run(c, v, pos) {
      if (v.certificate) {
        return print(await c.get(`/api/v1/certificates/${v.certificate}`), Boolean(v.json), (x) =>
          `${x.serial}  ${x.status}  ${x.profile}\n  ${x.subjectDn}\n  ${x.notBefore} … ${x.notAfter}${x.revokedAt ? `\n  revoked ${x.revokedAt} (${x.revocationReason})` : ''}\n`,
        );
      }
      const [id] = need(pos, 1, 'request id');
      return print(await c.get(`/api/v1/requests/${id}`), Boolean(v.json), reqDetail);
    },
  },
  approve: postAction('requests', 'approve', 'approve a request (not your own; each officer once)'),
  reject: {
    usage: 'reject REQUEST-ID --reason TEXT',
    summary: 'reject a request with a reason',
    options: { reason: { type: 'string' } },
    async run(c, v, pos) {
      const [id] = need(pos, 1, 'request id');
      if (!v.reason) throw new UsageError('--reason is required');
      return print(await c.post(`/api/v1/requests/${id}/reject`, { reason: v.reason }), Boolean(v.json), reqDetail);
    },
  },
  retry: postAction('requests', 'retry', 'retry a request in ca-error (CA connector failure, or a key recovery that failed after its last approval)'),
  cancel: postAction('requests', 'cancel', 'cancel a submitted request', 'reason'),
  revoke: {
    usage: 'revoke SERIAL --reason unspecified|keyCompromise|cACompromise|affiliationChanged|superseded|cessationOfOperation|privilegeWithdrawn|aACompromise [--comment TEXT]',
    summary: 'request revocation (needs approval by another officer)',
    options: { reason: { type: 'string' }, comment: { type: 'string' } },
    async run(c, v, pos) {
      const [serial] = need(pos, 1, 'serial');
      if (!v.reason) throw new UsageError('--reason is required');
      return print(await c.post(`/api/v1/certificates/${serial}/revoke`, { reason: v.reason, ...(v.comment ? { comment: v.comment } : {}) }), Boolean(v.json), reqDetail);
    },
  },
  suspend: postAction('certificates', 'suspend', 'request suspension (certificateHold)'),
  resume: postAction('certificates', 'resume', 'request resumption of a suspended certificate'),
  recover: postAction('certificates', 'recover', 'request recovery of an archived encryption key (dual certificates; two other officers approve)'),
  'recovered-key': {
    usage: 'recovered-key REQUEST-ID --out-dir DIR',
    summary: 'pick up a recovered key once: writes <serial>.p12, <serial>.pem and <serial>.sm2 (envelope), prints the one-time password',
    options: { 'out-dir': { type: 'string' } },
    async run(c, v, pos) {
      const [id] = need(pos, 1, 'request id');
      if (!v['out-dir']) throw new UsageError('--out-dir is required (the key is handed out once)');
      const dir = String(v['out-dir']);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const res = await c.post(`/api/v1/requests/${id}/recovered-key`, {});
      if (res.status >= 400) return print(res, false);
      const k = res.json;
      const file = (ext: string) => path.join(dir, `${k.encryptionSerial}.${ext}`);
      fs.writeFileSync(file('p12'), Buffer.from(k.pkcs12, 'base64'), { mode: 0o600 });
      fs.writeFileSync(file('pem'), k.certificate);
      if (k.envelope) fs.writeFileSync(file('sm2'), Buffer.from(k.envelope, 'base64'), { mode: 0o600 });
      const files = { pkcs12: file('p12'), certificate: file('pem'), envelope: k.envelope ? file('sm2') : null };
      process.stdout.write(
        v.json
          ? `${JSON.stringify({ requestId: k.requestId, encryptionSerial: k.encryptionSerial, oneTimePassword: k.oneTimePassword, envelopeFor: k.envelopeFor, files }, null, 2)}\n`
          : `encryption key ${k.encryptionSerial} recovered (shown once)\n  PKCS#12     ${files.pkcs12}\n  password    ${k.oneTimePassword}\n  certificate ${files.certificate}\n` +
              (k.envelope ? `  envelope    ${files.envelope} (for signing certificate ${k.envelopeFor}; openssl pkeyutl -decrypt -inkey <signing key>)\n` : '  envelope    none (no valid SM2 signing certificate)\n'),
      );
      return 0;
    },
  },
  download: {
    usage: 'download SERIAL [--format pem|der] [--chain] [--out FILE]',
    summary: 'download a certificate',
    options: { format: { type: 'string' }, chain: { type: 'boolean' }, out: { type: 'string' } },
    async run(c, v, pos) {
      const [serial] = need(pos, 1, 'serial');
      const res = await c.get(`/api/v1/certificates/${serial}/download?format=${v.format ?? 'pem'}&chain=${v.chain ? 'true' : 'false'}`);
      if (res.status >= 400) return print(res, false);
      if (v.out) fs.writeFileSync(String(v.out), res.body);
      else process.stdout.write(res.body);
      return 0;
    },
  },
  'audit-verify': {
    usage: 'audit-verify',
    summary: 'verify the audit hash chain and signed checkpoints (exit 1 when broken)',
    async run(c, v) {
      const res = await c.post('/api/v1/audit/verify');
      const code = print(res, Boolean(v.json), (r) =>
        `${r.ok ? 'OK' : 'BROKEN'}: ${r.records} records, ${r.checkpoints} checkpoints, head ${r.lastSeq} ${r.headHash}\n` + r.problems.map((p: any) => `  #${p.seq}: ${p.problem}\n`).join(''),  
      );
      return code === 0 && !res.json.ok ? 1 : code;
    },
  },
};

function usage(): string {
  return `Usage: ra-cli <command> [options]\n\nCommands:\n${Object.entries(COMMANDS)
    .map(([n, c]) => `  ${n.padEnd(13)} ${c.summary}`)
    .join('\n')}\n\nRun "ra-cli <command> --help" for a command's options.\n\n${COMMON_HELP}\n`;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const help = `Usage: ra-cli ${cmd.usage}\n\n${cmd.summary}\n\n${COMMON_HELP}\n`;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...COMMON, ...(cmd.options ?? {}) }, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${help}`);
    return 2;
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) {
    process.stdout.write(help);
    return 0;
  }
  const dataDir = process.env.SOC_DATA_DIR ?? 'data';
  const caFile = String(v.ca ?? path.join(dataDir, 'ca', 'root.pem'));
  const tokenFile = (v['token-file'] as string | undefined) ?? process.env.SOC_RA_TOKEN_FILE;
  if (!tokenFile && !(v.cert && v.key)) {
    process.stderr.write(`sign in with --token-file or --cert/--key\n\n${help}`);
    return 2;
  }
  const client = new RaClient({
    baseUrl: String(v.url ?? process.env.SOC_RA_URL ?? 'https://127.0.0.1:8444'),
    ca: fs.readFileSync(caFile, 'utf8'),
    ...(tokenFile ? { token: fs.readFileSync(tokenFile, 'utf8').trim() } : { cert: fs.readFileSync(String(v.cert), 'utf8'), key: fs.readFileSync(String(v.key), 'utf8') }),
    keepAlive: false,
  });
  try {
    return await cmd.run(client, v, parsed.positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\n${help}`);
      return 2;
    }
    process.stderr.write(`ra-cli: ${(e as Error).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
