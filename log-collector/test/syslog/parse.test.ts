import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSyslog } from '../../src/sources/syslog/index.js';

const ctx = { receivedAt: Date.parse('2026-11-29T10:00:00Z') };

test('RFC 5424 with structured data, escapes and BOM', () => {
  const ev = parseSyslog('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" q="a\\"b\\]c\\\\d"][x@1 k="1" k="2"] \uFEFFAn event', ctx);
  assert.equal(ev['@timestamp'], '2003-10-11T22:14:15.003Z');
  assert.deepEqual(ev.log.syslog.facility, { code: 20, name: 'local4' });
  assert.deepEqual(ev.log.syslog.severity, { code: 5, name: 'notice' });
  assert.equal(ev.log.syslog.version, 1);
  assert.equal(ev.log.syslog.msgid, 'ID47');
  assert.equal(ev.log.syslog.procid, undefined);
  assert.equal(ev.host.hostname, 'mymachine.example.com');
  assert.equal(ev.log.syslog.structured_data['exampleSDID@32473'].q, 'a"b]c\\d');
  assert.deepEqual(ev.log.syslog.structured_data['x@1'].k, ['1', '2']);
  assert.equal(ev.message, 'An event');
  assert.equal(ev.tags, undefined);
});

test('RFC 5424 NILVALUEs', () => {
  const ev = parseSyslog('<13>1 - - - - - - minimal', ctx);
  assert.equal(ev.message, 'minimal');
  assert.equal(ev.host, undefined);
  assert.equal(ev['@timestamp'], ev.event.created);
});

test('RFC 3164 year-less timestamp resolved in Asia/Shanghai, previous year when in the future', () => {
  const ev = parseSyslog('<34>Oct 11 22:14:15 mymachine su[12]: \'su root\' failed', ctx);
  assert.equal(ev['@timestamp'], '2026-10-11T14:14:15.000Z');
  assert.equal(ev.process.name, 'su');
  assert.equal(ev.process.pid, 12);
  const jan = parseSyslog('<34>Dec 31 23:59:59 h app: m', { receivedAt: Date.parse('2027-01-01T01:00:00Z') });
  assert.equal(jan['@timestamp'], '2026-12-31T15:59:59.000Z');
  const utc = parseSyslog('<34>Oct 11 22:14:15 h app: m', { ...ctx, timezone: 'UTC' });
  assert.equal(utc['@timestamp'], '2026-10-11T22:14:15.000Z');
});

test('BSD variants: no PRI, no hostname, ISO timestamp, Cisco sequence/host/ms/zone, ASA year', () => {
  const noPri = parseSyslog('Feb  4 11:14:27 1.2.3.4 apache_server: test message', ctx);
  assert.equal(noPri.log.syslog.priority, undefined);
  assert.equal(noPri.host.hostname, '1.2.3.4');
  assert.equal(noPri.log.syslog.appname, 'apache_server');
  const noHost = parseSyslog('<14>Jan 22 18:34:00 filterlog: 65,,,0', ctx);
  assert.equal(noHost.host, undefined);
  assert.equal(noHost.log.syslog.appname, 'filterlog');
  const iso = parseSyslog('<13>2026-07-23T09:30:45.123+02:00 host daemon: timestamp variant', ctx);
  assert.equal(iso['@timestamp'], '2026-07-23T07:30:45.123Z');
  const cisco = parseSyslog('<189>1179: NetAuto_CSRv-03: May 31 15:25:53.743 MEST: %LINK-5-CHANGED: Interface Gi2', ctx);
  assert.equal(cisco.event.sequence, 1179);
  assert.equal(cisco.host.hostname, 'NetAuto_CSRv-03');
  assert.equal(cisco['@timestamp'], '2026-05-31T13:25:53.743Z');
  assert.equal(cisco.message, '%LINK-5-CHANGED: Interface Gi2');
  const asa = parseSyslog('<166>Jan 01 2020 12:00:00 asa1 : %ASA-6-302013: Built', ctx);
  assert.equal(asa['@timestamp'], '2020-01-01T04:00:00.000Z');
  assert.equal(asa.host.hostname, 'asa1');
  assert.equal(asa.message, '%ASA-6-302013: Built');
});

test('malformed input still yields an event with event.original and a failure tag', () => {
  for (const raw of ['', '<999>x', '<13>1 2020-13-45T00:00:00Z h a p m - x', '<13>1 - h a p m [bad', '<', '\u0000\u0000']) {
    const ev = parseSyslog(raw, ctx);
    assert.equal(ev.event.original, raw);
    assert.ok(ev.tags?.includes('_syslog_parse_failure'), JSON.stringify(raw));
    assert.ok(ev.error.message);
  }
  const buf = parseSyslog(Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0xff, 0xfe, 0x41]), ctx);
  assert.equal(typeof buf.message, 'string');
});
