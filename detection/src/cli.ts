#!/usr/bin/env node
// soc-rules: validate, test and evaluate Sigma rules (run: node --import tsx detection/src/cli.ts <command>).
// Exit codes: 0 success; 1 rule errors / failing fixtures / refused rules; 2 usage error; 3 I/O or store error.
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEngine, type Engine } from './engine.js';
import { runFixtureDir } from './fixtures.js';
import { loadPlaceholders, loadRuleDir } from './loader.js';
import { loadPipelines, type Pipeline } from './pipeline.js';
import { runBacktest, storeEvents, type BacktestStore } from './backtest.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_PIPELINE = path.join(repoRoot, 'policies', 'sigma-pipelines', 'ecs.yml');
const DEFAULT_PLACEHOLDERS = path.join(repoRoot, 'policies', 'detection-placeholders.yaml');

class UsageError extends Error {}
class IoError extends Error {}

const COMMON = `Common options:
  --pipeline <file|dir>    processing pipeline(s) (default: policies/sigma-pipelines/ecs.yml; repeatable)
  --no-pipeline            use Sigma field names as they are
  --placeholders <file>    placeholder values for |expand (default: policies/detection-placeholders.yaml)
  -h, --help               show help`;

const HELP: Record<string, string> = {
  main: `Usage: soc-rules <command> [options]

Commands:
  validate <dir...>   load and compile rules, report every refused rule with its reason
  test [dir]          run rule fixtures (<rule>.fixtures.yaml next to each rule; default dir: rules/)
  eval                evaluate rules over an NDJSON event file, print alerts as NDJSON
  backtest            replay events from the event store through the rules (alerts marked backtest)

Run 'soc-rules <command> --help' for details.
Exit codes: 0 ok, 1 rule/fixture errors, 2 usage error, 3 I/O or store error.`,
  validate: `Usage: soc-rules validate <dir-or-file...> [--json]

Loads every .yml/.yaml rule (fixture files excluded), compiles it against the pipelines and prints
one line per refused rule: <file>: [<id>] <reason>. Exit 1 if any rule is refused.
  --json                   print a JSON summary instead
${COMMON}`,
  test: `Usage: soc-rules test [dir]

Runs the positive and negative fixture cases of every rule under dir (default: rules/).
Exit 1 if any case fails or a rule has no fixtures.
${COMMON}`,
  eval: `Usage: soc-rules eval --rules <dir> --events <file.ndjson|-> [--stats] [--strict]

Feeds each NDJSON line (one ECS event) to the engine in file order and prints every alert as one JSON
line; open correlation windows are flushed at the end. Malformed lines are counted and reported on stderr.
  --rules <dir>            rules folder or file (repeatable)
  --events <file>          NDJSON events, '-' for stdin
  --stats                  print engine statistics as JSON to stderr at the end
  --strict                 exit 1 when any rule is refused (otherwise refused rules are only reported)
${COMMON}`,
  backtest: `Usage: soc-rules backtest --rules <dir> --store <sqlite-file|http(s)://url> --from <ISO> --to <ISO>
                          [--dataset events --dataset flows ...] [--query <q>]

Reads events from the event store in time order (datasets merged by @timestamp), runs them through an
engine in backtest mode and prints alerts (each with "backtest": true) as NDJSON.
  --store <target>         sqlite database path, or Elasticsearch/OpenSearch URL
  --from / --to            time range (ISO 8601; 'to' exclusive)
  --dataset <name>         dataset(s) to replay (default: events and flows)
  --query <q>              analyst query to narrow the replayed events
${COMMON}`,
};

function pipelinesFrom(values: { pipeline?: string[]; 'no-pipeline'?: boolean }): Pipeline[] {
  if (values['no-pipeline']) return [];
  const files = values.pipeline?.length ? values.pipeline : [DEFAULT_PIPELINE];
  const out: Pipeline[] = [];
  for (const f of files) {
    if (!existsSync(f)) throw new IoError(`pipeline not found: ${f}`);
    try {
      out.push(...loadPipelines(f));
    } catch (e) {
      throw new IoError(`pipeline ${f}: ${(e as Error).message}`);
    }
  }
  return out;
}

function placeholdersFrom(values: { placeholders?: string }) {
  const f = values.placeholders ?? DEFAULT_PLACEHOLDERS;
  if (!existsSync(f)) {
    if (values.placeholders) throw new IoError(`placeholders file not found: ${f}`);
    return {};
  }
  return loadPlaceholders(f);
}

const commonOptions = {
  pipeline: { type: 'string', multiple: true },
  'no-pipeline': { type: 'boolean' },
  placeholders: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...commonOptions, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function loadAndCompile(dirs: string[], values: Parameters<typeof pipelinesFrom>[0] & { placeholders?: string }, mode: 'live' | 'backtest' = 'live') {
  for (const d of dirs) if (!existsSync(d)) throw new IoError(`rules path not found: ${d}`);
  const loaded = loadRuleDir(...dirs);
  const engine = createEngine({ rules: loaded.rules, pipelines: pipelinesFrom(values), placeholders: placeholdersFrom(values), mode });
  return { loaded, engine, refused: [...loaded.errors, ...engine.refused] };
}

// A reader that stops early (`| head`) closes the pipe: end quietly instead of crashing on EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const out = (s: string): void => void process.stdout.write(s + '\n');
const err = (s: string): void => void process.stderr.write(s + '\n');

function cmdValidate(args: string[]): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (values.help) return (out(HELP.validate!), 0);
  if (!positionals.length) throw new UsageError('validate needs at least one rules folder or file');
  const { loaded, engine, refused } = loadAndCompile(positionals, values);
  const s = engine.stats().rules;
  const total = loaded.rules.length + loaded.errors.length;
  if (values.json) {
    out(JSON.stringify({ files: loaded.files, documents: total, loaded: total - refused.length, refused }, null, 2));
  } else {
    for (const r of refused) out(`${r.source}: [${r.ruleId ?? '-'}] ${r.reason}`);
    out(`${loaded.files} files, ${total} rule documents: ${s.detection} detection + ${s.correlation} correlation loaded, ${refused.length} refused`);
  }
  return refused.length ? 1 : 0;
}

function cmdTest(args: string[]): number {
  const { values, positionals } = parse(args, { verbose: { type: 'boolean', short: 'v' } });
  if (values.help) return (out(HELP.test!), 0);
  const dir = positionals[0] ?? path.join(repoRoot, 'rules');
  if (!existsSync(dir)) throw new IoError(`rules path not found: ${dir}`);
  const results = runFixtureDir(dir, { pipelines: pipelinesFrom(values), placeholders: placeholdersFrom(values) });
  let failed = 0;
  let cases = 0;
  for (const r of results) {
    const rel = path.relative(process.cwd(), r.ruleFile);
    if (r.error) {
      failed++;
      out(`FAIL ${rel}: ${r.error}`);
      continue;
    }
    for (const c of r.cases) {
      cases++;
      if (!c.ok) failed++;
      if (!c.ok || values.verbose) out(`${c.ok ? 'ok  ' : 'FAIL'} ${rel} ${c.kind}: ${c.name} (${c.detail})`);
    }
  }
  out(`${results.length} rules, ${cases} cases, ${failed} failed`);
  return failed ? 1 : 0;
}

async function* ndjson(file: string, onBad: (line: number, msg: string) => void): AsyncGenerator<Record<string, unknown>> {
  const input = file === '-' ? process.stdin : createReadStream(file);
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (!v || typeof v !== 'object' || Array.isArray(v)) onBad(n, 'not a JSON object');
      else yield v as Record<string, unknown>;
    } catch (e) {
      onBad(n, (e as Error).message);
    }
  }
}

function reportRefused(refused: { source: string; ruleId: string | null; reason: string }[]): void {
  for (const r of refused) err(`refused ${r.source}: [${r.ruleId ?? '-'}] ${r.reason}`);
}

async function cmdEval(args: string[]): Promise<number> {
  const { values } = parse(args, { rules: { type: 'string', multiple: true }, events: { type: 'string' }, stats: { type: 'boolean' }, strict: { type: 'boolean' } });
  if (values.help) return (out(HELP.eval!), 0);
  if (!values.rules?.length) throw new UsageError('eval needs --rules <dir>');
  if (!values.events) throw new UsageError('eval needs --events <file.ndjson>');
  if (values.events !== '-' && !existsSync(values.events)) throw new IoError(`events file not found: ${values.events}`);
  const { engine, refused } = loadAndCompile(values.rules, values);
  reportRefused(refused);
  let bad = 0;
  const res = await runBacktest(engine, ndjson(values.events, (line, msg) => (bad++, err(`line ${line}: ${msg}`))), (a) => out(JSON.stringify(a)));
  err(`${res.events} events, ${res.alerts} alerts, ${bad} malformed lines`);
  if (values.stats) err(JSON.stringify(engine.stats()));
  return values.strict && refused.length ? 1 : 0;
}

async function openStore(target: string): Promise<BacktestStore & { close(): Promise<void> }> {
  // Loaded lazily: the engine itself does not depend on the event store.
  const mod = (await import('@emsoc/event-store')) as {
    openEventStore(c: unknown): Promise<BacktestStore & { close(): Promise<void> }>;
  };
  const config = /^https?:\/\//.test(target) ? { engine: 'auto', urls: [target] } : { engine: 'sqlite', path: target };
  return mod.openEventStore(config);
}

async function cmdBacktest(args: string[]): Promise<number> {
  const { values } = parse(args, {
    rules: { type: 'string', multiple: true },
    store: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    dataset: { type: 'string', multiple: true },
    query: { type: 'string' },
    stats: { type: 'boolean' },
  });
  if (values.help) return (out(HELP.backtest!), 0);
  if (!values.store) throw new UsageError('backtest requires --store <sqlite-file|url> (events are read from the event store)');
  if (!values.rules?.length) throw new UsageError('backtest needs --rules <dir>');
  const from = new Date(values.from ?? '');
  const to = new Date(values.to ?? '');
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) throw new UsageError('backtest needs --from and --to as ISO 8601 times with from < to');
  const { engine, refused }: { engine: Engine; refused: { source: string; ruleId: string | null; reason: string }[] } = loadAndCompile(values.rules, values, 'backtest');
  reportRefused(refused);
  let store;
  try {
    store = await openStore(values.store);
  } catch (e) {
    throw new IoError(`cannot open event store ${values.store}: ${(e as Error).message}`);
  }
  try {
    const datasets = values.dataset?.length ? values.dataset : ['events', 'flows'];
    const res = await runBacktest(engine, storeEvents(store, datasets, { from, to }, values.query), (a) => out(JSON.stringify(a)));
    err(`${res.events} events replayed, ${res.alerts} alerts`);
    if (values.stats) err(JSON.stringify(engine.stats()));
  } catch (e) {
    throw new IoError(`backtest failed: ${(e as Error).message}`);
  } finally {
    await store.close().catch(() => undefined);
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'validate':
        return cmdValidate(rest);
      case 'test':
        return cmdTest(rest);
      case 'eval':
        return await cmdEval(rest);
      case 'backtest':
        return await cmdBacktest(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        out(HELP.main!);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`soc-rules: ${e.message}\n${HELP[cmd ?? 'main'] ?? HELP.main}`);
      return 2;
    }
    if (e instanceof IoError) {
      err(`soc-rules: ${e.message}`);
      return 3;
    }
    throw e;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
