import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fluent-bit');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));

/** Input plugins these configs may use (Fluent Bit 3.x names). */
const KNOWN_INPUTS = new Set(['systemd', 'tail', 'winevtlog', 'forward']);
const KNOWN_FILTERS = new Set(['record_modifier', 'modify', 'parser', 'grep']);

type Section = Record<string, unknown>;
/** Fluent Bit keys are case-insensitive. */
function lower(s: Section): Section {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k.toLowerCase(), v]));
}
const on = (v: unknown) => v === true || /^(on|true|yes)$/i.test(String(v));

test('the expected configs exist', () => {
  assert.deepEqual(files.sort(), ['linux-host.yaml', 'relay.yaml', 'windows-host.yaml']);
});

for (const file of files) {
  test(`${file}: every output is forward over verified TLS with acks to the collector; every input is known`, () => {
    const doc = parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { service?: Section; pipeline?: { inputs?: Section[]; filters?: Section[]; outputs?: Section[] } };
    assert.ok(doc.service, 'service section');
    const inputs = (doc.pipeline?.inputs ?? []).map(lower);
    const outputs = (doc.pipeline?.outputs ?? []).map(lower);
    assert.ok(inputs.length > 0, 'has inputs');
    assert.ok(outputs.length > 0, 'has outputs');
    for (const i of inputs) {
      assert.ok(KNOWN_INPUTS.has(String(i.name)), `unknown input ${String(i.name)}`);
      if (i.name !== 'forward') assert.ok(typeof i.tag === 'string' && i.tag.length > 0, `input ${String(i.name)} has a tag`);
    }
    for (const f of (doc.pipeline?.filters ?? []).map(lower)) assert.ok(KNOWN_FILTERS.has(String(f.name)), `unknown filter ${String(f.name)}`);
    for (const o of outputs) {
      assert.equal(o.name, 'forward');
      assert.equal(o.match, '*');
      assert.equal(o.host, '${EMSOC_COLLECTOR_HOST}');
      assert.equal(o.port, '${EMSOC_COLLECTOR_PORT}');
      assert.ok(on(o.tls), 'tls on');
      assert.ok(on(o['tls.verify']), 'tls.verify on');
      assert.equal(o['tls.ca_file'], '${EMSOC_CA_FILE}');
      assert.ok(on(o.require_ack_response), 'require_ack_response true');
    }
  });
}

test('the Linux config reads journald, auth/secure, audit and web access logs; Windows reads the three event logs', () => {
  const read = (f: string) => (parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { pipeline: { inputs: Section[] } }).pipeline.inputs.map(lower);
  const linux = read('linux-host.yaml');
  const paths = linux.map((i) => String(i.path ?? '')).join(',');
  assert.ok(linux.some((i) => i.name === 'systemd'));
  for (const p of ['/var/log/auth.log', '/var/log/secure', '/var/log/audit/audit.log', '/var/log/nginx/access.log', '/var/log/apache2/access.log']) assert.ok(paths.includes(p), p);
  const win = read('windows-host.yaml');
  assert.deepEqual(String(win[0]!.channels).split(',').sort(), ['Application', 'Security', 'System']);
  const relay = read('relay.yaml');
  assert.equal(relay[0]!.name, 'forward');
});
