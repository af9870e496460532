/**
 * Fuzz target for the HTTP ingest body: NDJSON text and parsed JSON values go through
 * `parseIngestBody`. Checks: nothing but the documented 400 HttpError escapes; every line is either a
 * document or a counted rejection; every document has an id and a valid @timestamp and serialises.
 *
 *   node --import tsx log-collector/fuzz/http-fuzz.ts [iterations=1000000] [--short] [--seed N]
 */
import { fileURLToPath } from 'node:url';
import { parseIngestBody } from '../src/sources/http/ingest.js';
import { fuzzLoop, mutateBytes, parseFuzzArgs, reportAndExit, type FuzzOptions, type FuzzSummary } from './harness.js';

const SEEDS = [
  '{"@timestamp":"2026-01-01T00:00:00Z","message":"m","event":{"id":"abc","kind":"event"}}\n{"a":1}\n',
  '{"event":{"id":12,"dataset":"ra.audit"},"user":{"name":"x"},"source":{"ip":"192.0.2.1"}}',
  '[1,2,{"x":{"y":[null,true,false,-1e308,"\\u0000\\ud800"]}}]\n',
  '{"@timestamp":"275760-09-13T00:00:00.000Z"}\n{"@timestamp":"+002026-01-01T00:00:00Z","__proto__":{"polluted":1}}\n',
  '\n\n   \n{"constructor":{"prototype":{}}}\r\n"text"\n',
].map((s) => Buffer.from(s));

export function fuzzHttp(opts: FuzzOptions): FuzzSummary {
  const at = new Date('2026-11-29T00:00:00Z');
  return fuzzLoop('http', opts, (rand) => mutateBytes(SEEDS, rand, 64 * 1024), (input, rand) => {
    const text = input.toString('utf8');
    let body: unknown = text;
    if (rand(3) === 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    let out;
    try {
      out = parseIngestBody(body, at);
    } catch (e) {
      if ((e as { status?: number }).status === 400) return undefined;
      return `throw: ${(e as Error).message}`;
    }
    if (typeof body === 'string') {
      const lines = text.split('\n').filter((l) => l.trim() !== '').length;
      if (out.docs.length !== lines) return `lines: ${lines} non-empty lines but ${out.docs.length} documents`;
    }
    for (const d of out.docs) {
      const ev = d.event as { id?: unknown } | undefined;
      if (typeof ev?.id !== 'string') return 'document without event.id';
      if (Number.isNaN(Date.parse(d['@timestamp']))) return `bad @timestamp ${d['@timestamp']}`;
      JSON.stringify(d);
    }
    if (({} as Record<string, unknown>).polluted !== undefined) return 'prototype pollution';
    return undefined;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) reportAndExit(fuzzHttp(parseFuzzArgs(process.argv.slice(2))));
