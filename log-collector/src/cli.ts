/**
 * soc-collector: collector tools that need no running server.
 *   node --import tsx log-collector/src/cli.ts <command> [options]     (each command has --help)
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { policiesDir } from '@emsoc/common/paths';
import { loadEnrichment } from './transforms/index.js';
import { REPLAY_FORMATS, replay, type ReplayFormat, type ReplayStats } from './replay/replay.js';

const USAGE = `usage: soc-collector <command> [options]

commands:
  replay <file>   decode a capture or dump and print the normalized events as NDJSON
  help            this text

Run "soc-collector <command> --help" for the options of a command.`;

const REPLAY_USAGE = `usage: soc-collector replay <file> [options]

Decodes <file> exactly as the collector's listeners would and prints one normalized ECS document per
line (NDJSON) on stdout; a summary goes to stderr. No server, spool or store is used.

formats (--format, default auto):
  pcap      pcap or pcapng capture; UDP to port 514/5514 is syslog, 6343 or an sFlow header is sFlow,
            a NetFlow v5/v9/IPFIX version is flows; other datagrams are skipped
  flow      one raw NetFlow v5/v9, IPFIX or sFlow v5 UDP payload (the whole file)
  flow-lp   several raw payloads, each preceded by its length (unsigned 32-bit, big endian)
  syslog    text, one syslog message (RFC 3164 or 5424) per line
  auto      pcap/pcapng by magic number, flow when the file starts with a flow version, else syslog

options:
  --format <f>        one of ${REPLAY_FORMATS.join(', ')}
  --timezone <zone>   IANA zone for syslog timestamps without offset (default Asia/Shanghai)
  --exporter <ip>     sender address for flow/syslog dumps (pcap carries its own)
  --received-at <t>   receive time (ISO 8601) for inputs without a capture time; default now
  --no-enrich         skip asset/IOC enrichment from the policies directory
  -h, --help          this text`;

async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'auto' },
      timezone: { type: 'string', default: 'Asia/Shanghai' },
      exporter: { type: 'string' },
      'received-at': { type: 'string' },
      'no-enrich': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(REPLAY_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(REPLAY_USAGE);
    return 2;
  }
  if (!(REPLAY_FORMATS as readonly string[]).includes(values.format!)) {
    console.error(`unknown --format ${values.format}; use one of ${REPLAY_FORMATS.join(', ')}`);
    return 2;
  }
  let receivedAt: Date | undefined;
  if (values['received-at'] !== undefined) {
    receivedAt = new Date(values['received-at']);
    if (Number.isNaN(receivedAt.getTime())) {
      console.error(`--received-at: not a date: ${values['received-at']}`);
      return 2;
    }
  }
  const file = positionals[0]!;
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    console.error(`cannot read ${file}: ${(e as Error).message}`);
    return 1;
  }
  const enrichment = values['no-enrich'] ? undefined : await loadEnrichment(policiesDir).catch(() => undefined);
  const stats: ReplayStats = { format: 'syslog', inputs: 0, documents: 0, skipped: 0, errors: [] };
  const out: string[] = [];
  const flush = () => {
    try {
      if (out.length) fs.writeSync(1, out.join(''));
    } catch (e) {
      // The reader went away (`| head`): stop quietly, like other Unix tools.
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
      throw e;
    }
    out.length = 0;
  };
  for (const doc of replay(data, {
    format: values.format as ReplayFormat,
    timezone: values.timezone!,
    ...(enrichment ? { enrichment } : {}),
    ...(values.exporter ? { exporter: values.exporter } : {}),
    ...(receivedAt ? { receivedAt } : {}),
  }, stats)) {
    out.push(`${JSON.stringify(doc)}\n`);
    if (out.length >= 1000) flush();
  }
  flush();
  console.error(JSON.stringify({ file, ...stats }));
  return stats.errors.length > 0 && stats.documents === 0 ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'replay':
      return replayCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

const entry = process.argv[1] ?? '';
if (entry.endsWith('cli.ts') || entry.endsWith('soc-collector.mjs') || entry.endsWith('soc-collector')) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? 0 : 1));
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (e) {
    console.error(`soc-collector: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
