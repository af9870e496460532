/**
 * Conformance with logstash-codec-netflow's own test payloads and expectations (shared data):
 * every case decodes, event counts match, and every expected field we model has the same value.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { sharedDataDir } from '@emsoc/common/paths';
import { decodeFlowPacket, domainKey, TemplateCache } from '../../src/sources/netflow/index.js';
import { loadFieldNames, matches, resolve, type Event } from './logstash-fields.js';

const dir = path.join(sharedDataDir, 'netflow', 'logstash-codec-netflow');
const exporter = { address: '192.0.2.1', port: 2055 };

interface Assertion {
  event_count?: number;
  event?: number;
  field?: string;
  equals?: unknown;
  equals_json_event?: number;
  decodes_without_error?: boolean;
  unparsed_ruby?: string;
}
interface Case {
  test_name: string;
  files: string[];
  expected_json_events: Array<{ netflow: Record<string, unknown> }>;
  tests: Array<{ it: string; assertions: Assertion[] }>;
}

/** Decodes a case's packets in order through one cache, returning logstash-ordered events. */
function decodeCase(c: Case): { events: Event[]; errors: string[] } {
  const cache = new TemplateCache();
  const events: Event[] = [];
  const errors: string[] = [];
  const at = new Date('2024-01-01T00:00:00Z');
  for (const f of c.files) {
    const r = decodeFlowPacket(readFileSync(path.join(dir, 'dat', f)), exporter, at, cache);
    const inPacket: Array<[number, Event]> = [];
    for (const rec of r.records) inPacket.push([rec.recordIndex, { kind: 'flow', rec }]);
    for (const rec of r.options) inPacket.push([rec.recordIndex, { kind: 'options', rec }]);
    inPacket.sort((a, b) => a[0] - b[0]);
    for (const [, ev] of inPacket) {
      if (ev.rec.version === 9 || ev.rec.version === 10) {
        const key = domainKey(ev.rec.version, exporter, ev.rec.observationDomain);
        const tpl = cache.get(key, ev.rec.templateId, at.getTime());
        if (tpl) ev.present = new Set(tpl.fields.map((x) => (x.scope && ev.rec.version === 9 ? 'scope' : `${x.enterprise}:${x.id}`)));
        ev.bootMs = cache.exporterMeta(key)?.systemInitMs;
      }
      events.push(ev);
    }
    errors.push(...r.errors.filter((e) => e.code !== 'missing-template').map((e) => `${f}: ${e.code} ${e.message}`));
  }
  return { events, errors };
}

/**
 * logstash derives v5/v9 first/last_switched with `micros = 1000000 - (millis % 1000)` without
 * borrowing the second, so its values are one second late; we compute boot + uptime exactly.
 */
function isLogstashSwitchedQuirk(field: string, want: unknown, got: unknown): boolean {
  return field.endsWith('_switched') && typeof want === 'string' && typeof got === 'string' &&
    Date.parse(want) - 1000 === Date.parse(got);
}

test('logstash-codec-netflow payloads decode and match their expectations', async (t) => {
  if (!existsSync(path.join(dir, 'expectations.json'))) {
    t.skip(`shared data not found at ${dir}`);
    return;
  }
  const spec = JSON.parse(readFileSync(path.join(dir, 'expectations.json'), 'utf8')) as { tests: Case[] };
  const names = loadFieldNames(path.join(dir, 'field-definitions'));
  let compared = 0;
  for (const c of spec.tests) {
    await t.test(c.test_name, () => {
      const { events, errors } = decodeCase(c);
      const problems: string[] = [];
      const check = (i: number, field: string, want: unknown): void => {
        const ev = events[i];
        if (ev === undefined) {
          problems.push(`event ${i} missing`);
          return;
        }
        const got = resolve(ev, field, names);
        const m = matches(want, got);
        if (m === 'skip') return;
        compared++;
        if (!m && !(got !== undefined && typeof got === 'object' && isLogstashSwitchedQuirk(field, want, got.value))) {
          problems.push(`event ${i} ${field}: expected ${JSON.stringify(want)}, got ${JSON.stringify(typeof got === 'object' ? got.value : got)}`);
        }
      };
      for (const a of c.tests.flatMap((x) => x.assertions)) {
        if (a.event_count !== undefined && a.event_count !== events.length) problems.push(`event count ${events.length} != ${a.event_count}`);
        if (a.field !== undefined && a.event !== undefined) check(a.event, a.field.replace(/^netflow\./, ''), a.equals);
        if (a.equals_json_event !== undefined && a.event !== undefined) {
          for (const [k, v] of Object.entries(c.expected_json_events[a.equals_json_event]!.netflow)) check(a.event, k, v);
        }
      }
      // Only the cases upstream marks as invalid may report decode errors.
      const invalidCase = c.tests.some((x) => x.assertions.some((a) => a.decodes_without_error)) && c.expected_json_events.length === 0;
      if (!invalidCase) assert.deepEqual(errors, [], 'unexpected decode errors');
      assert.deepEqual(problems, []);
    });
  }
  t.diagnostic(`${compared} expected field values compared`);
  assert.ok(compared > 500, `compared only ${compared} field values`);
});
