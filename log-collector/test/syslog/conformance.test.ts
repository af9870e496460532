/**
 * Shared-corpus conformance (see corpora.ts for what is compared and why). Thresholds are the
 * shares reached when this was written, so a regression fails; mismatches are printed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSyslog } from '../../src/sources/syslog/index.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CTX, haveShared, loghubOpenSsh, loghubOthers, napalm, rsyslog, SHARED, wazuh } from './corpora.js';

const skip = haveShared ? false : `shared data not found at ${SHARED}`;

test('otel syslogtest: RFC 3164 / 5424 / no-PRI fields', { skip }, () => {
  const read = (f: string) => readFileSync(path.join(SHARED, 'syslog/otel-syslogtest', f), 'utf8').replace(/[\r\n\0]+$/, '');
  const b = parseSyslog(read('RFC3164'), CTX);
  assert.deepEqual([b.log.syslog.priority, b.log.syslog.facility.code, b.log.syslog.severity.code, b.host.hostname, b.log.syslog.appname, b.message], [34, 4, 2, '1.2.3.4', 'apache_server', 'test message']);
  const n = parseSyslog(read('rfc3164-skip-pri-absent'), CTX);
  assert.deepEqual([n.log.syslog.priority, n.host.hostname, n.message, n.tags], [undefined, '1.2.3.4', 'test message', undefined]);
  const r = parseSyslog(read('RFC5424'), CTX);
  assert.deepEqual([r['@timestamp'], r.host.hostname, r.log.syslog.appname, r.process.pid, r.log.syslog.msgid], ['2015-08-05T21:58:59.693Z', '192.168.2.132', 'SecureAuth0', 23108, 'ID52020']);
  assert.equal(r.log.syslog.structured_data['SecureAuth@27389'].UserID, 'Tester2');
  assert.equal(r.message, "Found the user for retrieving user's profile");
});

test('wazuh ruleset lines: no throw, dataset share', { skip }, () => {
  const w = wazuh();
  console.log(`wazuh: ${w.matched}/${w.total} = ${(w.share * 100).toFixed(1)}%`, w.mismatches.slice(0, 10));
  assert.equal(w.thrown, 0);
  console.log(`wazuh addresses: ${w.addresses[0]}/${w.addresses[1]}`, w.addressMisses);
  assert.ok(w.share >= 0.99, `share ${w.share}`);
  assert.ok(w.addresses[0] / w.addresses[1] >= 0.95, `address share ${w.addresses[0]}/${w.addresses[1]}`);
});

test('napalm-logs: PRI/host/tag/pid against yang.json', { skip }, () => {
  const n = napalm();
  console.log(`napalm: ${n.matched}/${n.total}`, n.fields, n.mismatches);
  assert.equal(n.thrown, 0);
  assert.equal(n.fields.pri![0], n.fields.pri![1]);
  assert.ok(n.share >= 0.8, `share ${n.share}`);
});

test('rsyslog corpus: fuzz cases, framing inputs, Snare events', { skip }, () => {
  const r = rsyslog();
  assert.equal(r.thrown, 0);
  assert.equal(r.share, 1, r.mismatches.join('\n'));
});

test('loghub OpenSSH: user.name, source.ip, event.outcome vs structured CSV', { skip }, () => {
  const o = loghubOpenSsh();
  console.log(`loghub OpenSSH: ${o.matched}/${o.total}`, o.mismatches);
  assert.equal(o.thrown, 0);
  assert.equal(o.normalized, o.lines);
  assert.ok(o.share >= 0.998, `share ${o.share}`);
});

test('loghub Linux / Apache / Proxifier: every line normalised', { skip }, () => {
  for (const [name, r] of Object.entries(loghubOthers())) {
    assert.equal(r.thrown, 0, name);
    assert.equal(r.share, 1, `${name}: ${r.mismatches.slice(0, 5).join('\n')}`);
  }
});
