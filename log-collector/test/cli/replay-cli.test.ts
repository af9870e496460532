import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { concat, FLOW_SPECS, flowRecord, ipfixMessage, ipfixTemplate, set } from '../netflow/build.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const shared = process.env.SOC_SHARED_DATA ?? path.resolve(root, '..', 'shared', 'data');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-cli-'));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'log-collector/src/cli.ts'), ...args], { cwd: root, encoding: 'utf8' });
  const docs = r.stdout.startsWith('{') ? r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>) : [];
  return { status: r.status, docs, stdout: r.stdout, stderr: r.stderr };
}

test('--help on every command', () => {
  const top = cli(['--help']);
  assert.equal(top.status, 0);
  assert.match(top.stdout, /replay <file>/);
  const replay = cli(['replay', '--help']);
  assert.equal(replay.status, 0);
  assert.match(replay.stdout, /flow-lp/);
  assert.equal(cli(['nope']).status, 2);
  assert.equal(cli(['replay']).status, 2);
});

test('replay: syslog lines, raw IPFIX payload, length-prefixed payloads', () => {
  const log = path.join(tmp, 'auth.log');
  fs.writeFileSync(log, '<34>Oct 11 22:14:15 h1 sshd[9]: Failed password for root from 203.0.113.9 port 4242 ssh2\n\n<13>1 2026-01-01T00:00:00Z h2 app - - - hello\n');
  const s = cli(['replay', log, '--no-enrich', '--received-at', '2026-11-29T00:00:00Z']);
  assert.equal(s.status, 0, s.stderr);
  assert.equal(s.docs.length, 2);
  assert.equal(s.docs[0]!.event.outcome, 'failure');
  assert.equal(s.docs[1]!.message, 'hello');
  // Deterministic: the same file and receive time give the same ids.
  assert.deepEqual(cli(['replay', log, '--no-enrich', '--received-at', '2026-11-29T00:00:00Z']).docs.map((d) => d.event.id), s.docs.map((d) => d.event.id));

  const records = concat(flowRecord(1), flowRecord(2), flowRecord(3));
  const payload = ipfixMessage([set(2, ipfixTemplate(300, FLOW_SPECS)), set(300, records)]);
  const raw = path.join(tmp, 'one.ipfix');
  fs.writeFileSync(raw, payload);
  const f = cli(['replay', raw, '--no-enrich', '--exporter', '192.0.2.1']);
  assert.equal(f.status, 0, f.stderr);
  assert.equal(f.docs.length, 3);
  assert.equal(f.docs[0]!.source.ip, '10.0.0.1');
  assert.match(f.stderr, /"format":"flow"/);

  const lp = path.join(tmp, 'many.lp');
  const prefix = (p: Uint8Array) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(p.length);
    return Buffer.concat([b, p]);
  };
  // Template in the first payload, data only in the second: the cache carries across payloads.
  fs.writeFileSync(lp, Buffer.concat([prefix(ipfixMessage([set(2, ipfixTemplate(300, FLOW_SPECS))])), prefix(ipfixMessage([set(300, records)]))]));
  const l = cli(['replay', lp, '--format', 'flow-lp', '--no-enrich']);
  assert.equal(l.status, 0, l.stderr);
  assert.equal(l.docs.length, 3);
});

test('replay: a shared pcap of IPFIX', (t) => {
  const pcap = path.join(shared, 'netflow/pmacct/100-IPFIXv10-CISCO/traffic-00.pcap');
  if (!fs.existsSync(pcap)) return t.skip(`shared data not found at ${pcap}`);
  const r = cli(['replay', pcap, '--no-enrich']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.docs.length > 0);
  assert.ok(r.docs.every((d) => typeof d.event.id === 'string' && d['@timestamp']));
  assert.match(r.stderr, /"format":"pcap"/);
});
