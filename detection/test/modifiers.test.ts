import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detection, matches, refusalOf } from './helpers.js';

const sel = (s: string): string => detection(`  sel:\n${s}\n  condition: sel`);

test('plain values are case-insensitive; cased makes them sensitive', () => {
  assert.equal(matches(sel('    user.name: ROOT'), { user: { name: 'root' } }), true);
  assert.equal(matches(sel('    user.name|cased: ROOT'), { user: { name: 'root' } }), false);
  assert.equal(matches(sel('    user.name|cased: root'), { user: { name: 'root' } }), true);
});

test('maps are AND, lists are OR, flat dotted keys resolve too', () => {
  const r = sel('    a: x\n    b:\n      - 1\n      - 2');
  assert.equal(matches(r, { a: 'x', b: 2 }), true);
  assert.equal(matches(r, { a: 'x', b: '3' }), false);
  assert.equal(matches(r, { a: 'y', b: 1 }), false);
  assert.equal(matches(sel('    source.ip: 1.2.3.4'), { 'source.ip': '1.2.3.4' }), true);
  assert.equal(matches(sel('    event.category: web'), { event: { category: ['network', 'web'] } }), true);
});

test('wildcards and escapes', () => {
  assert.equal(matches(sel("    f: 'prog?.exe'"), { f: 'progA.exe' }), true);
  assert.equal(matches(sel("    f: 'prog?.exe'"), { f: 'prog.exe' }), false);
  assert.equal(matches(sel("    f: 'a*z'"), { f: 'a---z' }), true);
  assert.equal(matches(sel("    f: 'a\\*z'"), { f: 'a---z' }), false);
  assert.equal(matches(sel("    f: 'a\\*z'"), { f: 'a*z' }), true);
  assert.equal(matches(sel("    f: 'C:\\Windows\\cmd.exe'"), { f: 'c:\\windows\\cmd.exe' }), true);
  assert.equal(matches(sel("    f: 'a\\\\*'"), { f: 'a\\anything' }), true);
  assert.equal(matches(sel("    f: 'a\\\\\\*'"), { f: 'a\\*' }), true);
  assert.equal(matches(sel("    f: 'a\\\\\\*'"), { f: 'a\\x' }), false);
});

test('contains / startswith / endswith / all', () => {
  assert.equal(matches(sel('    f|contains: Bad'), { f: 'very bad thing' }), true);
  assert.equal(matches(sel('    f|startswith: very'), { f: 'very bad thing' }), true);
  assert.equal(matches(sel('    f|endswith: thing'), { f: 'very bad thing' }), true);
  assert.equal(matches(sel('    f|endswith: very'), { f: 'very bad thing' }), false);
  const all = sel('    f|contains|all:\n      - bad\n      - very');
  assert.equal(matches(all, { f: 'very bad' }), true);
  assert.equal(matches(all, { f: 'bad' }), false);
  assert.match(refusalOf(sel('    f|contains|all: one'))!, /'all' requires a list/);
});

test('regular expressions with i/m/s flags and inline (?i)', () => {
  assert.equal(matches(sel("    f|re: '^ab+c$'"), { f: 'abbbc' }), true);
  assert.equal(matches(sel("    f|re: '^ab+c$'"), { f: 'ABC' }), false);
  assert.equal(matches(sel("    f|re|i: '^ab+c$'"), { f: 'ABC' }), true);
  assert.equal(matches(sel("    f|re: '(?i)^ab+c$'"), { f: 'ABC' }), true);
  assert.equal(matches(sel("    f|re|m: '^x$'"), { f: 'a\nx\nb' }), true);
  assert.equal(matches(sel("    f|re: '^x$'"), { f: 'a\nx\nb' }), false);
  assert.equal(matches(sel("    f|re|s: 'a.b'"), { f: 'a\nb' }), true);
  assert.equal(matches(sel("    f|re: 'a.b'"), { f: 'a\nb' }), false);
  assert.match(refusalOf(sel("    f|re: '(unclosed'"))!, /invalid regular expression/);
  assert.match(refusalOf(sel("    f|i: 'x'"))!, /only valid after 're'/);
});

test('cidr for IPv4 and IPv6', () => {
  const r = sel('    source.ip|cidr:\n      - 10.0.0.0/8\n      - 2001:db8::/32');
  assert.equal(matches(r, { source: { ip: '10.1.2.3' } }), true);
  assert.equal(matches(r, { source: { ip: '11.1.2.3' } }), false);
  assert.equal(matches(r, { source: { ip: '2001:db8:1::5' } }), true);
  assert.equal(matches(r, { source: { ip: '2001:db9::5' } }), false);
  assert.equal(matches(r, { source: { ip: '::ffff:10.0.0.1' } }), true);
  assert.match(refusalOf(sel('    source.ip|cidr: 10.0.0.0/33'))!, /invalid CIDR/);
});

test('base64, base64offset, utf16 variants and wide', () => {
  assert.equal(matches(sel('    f|base64: admin'), { f: 'YWRtaW4=' }), true);
  const off = sel('    f|base64offset|contains: http://');
  for (const prefix of ['', 'a', 'ab']) {
    const enc = Buffer.from(prefix + 'http://evil.example').toString('base64');
    assert.equal(matches(off, { f: enc }), true, `offset ${prefix.length}`);
  }
  assert.equal(matches(off, { f: Buffer.from('ftp://x').toString('base64') }), false);
  const wide = Buffer.from('cmd', 'utf16le').toString('base64');
  assert.equal(matches(sel('    f|wide|base64: cmd'), { f: wide }), true);
  assert.equal(matches(sel('    f|utf16le|base64: cmd'), { f: wide }), true);
  const be = Buffer.from('cmd', 'utf16le').swap16().toString('base64');
  assert.equal(matches(sel('    f|utf16be|base64: cmd'), { f: be }), true);
  const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('cmd', 'utf16le')]).toString('base64');
  assert.equal(matches(sel('    f|utf16|base64: cmd'), { f: bom }), true);
  assert.match(refusalOf(sel("    f|base64: 'a*'"))!, /cannot encode a value containing wildcards/);
});

test('windash matches every dash variant', () => {
  const r = sel("    f|windash|contains: ' -enc '");
  for (const d of ['-', '/', '\u2013', '\u2014', '\u2015']) assert.equal(matches(r, { f: `powershell ${d}enc AAA` }), true, d);
  assert.equal(matches(r, { f: 'powershell +enc AAA' }), false);
});

test('exists, null and empty values', () => {
  assert.equal(matches(sel('    a|exists: true'), { a: null }), true);
  assert.equal(matches(sel('    a|exists: true'), { b: 1 }), false);
  assert.equal(matches(sel('    a|exists: false'), { b: 1 }), true);
  assert.equal(matches(sel('    a: null'), { b: 1 }), true);
  assert.equal(matches(sel('    a: null'), { a: 'x' }), false);
  assert.equal(matches(sel("    a: ''"), { a: '' }), true);
  assert.equal(matches(sel("    a: ''"), { a: 'x' }), false);
  assert.match(refusalOf(sel("    a:\n      - ''\n      - null"))!, /null cannot be part of a value list/);
});

test('numeric comparisons and neq', () => {
  assert.equal(matches(sel('    n|gt: 10'), { n: 11 }), true);
  assert.equal(matches(sel('    n|gt: 10'), { n: '10' }), false);
  assert.equal(matches(sel('    n|gte: 10'), { n: '10' }), true);
  assert.equal(matches(sel('    n|lt: 10'), { n: 9.5 }), true);
  assert.equal(matches(sel('    n|lte: 10'), { n: 'abc' }), false);
  assert.equal(matches(sel('    s|neq: ok'), { s: 'bad' }), true);
  assert.equal(matches(sel('    s|neq: ok'), { s: 'OK' }), false);
  assert.match(refusalOf(sel('    n|gt: ten'))!, /expects a numeric value/);
});

test('fieldref compares two fields of the same event', () => {
  const r = sel('    user.name|fieldref: ra.request.requester');
  assert.equal(matches(r, { user: { name: 'Alice' }, ra: { request: { requester: 'alice' } } }), true);
  assert.equal(matches(r, { user: { name: 'bob' }, ra: { request: { requester: 'alice' } } }), false);
  const n = sel('    user.name|fieldref|neq: ra.request.requester');
  assert.equal(matches(n, { user: { name: 'bob' }, ra: { request: { requester: 'alice' } } }), true);
});

test('expand uses placeholders; unknown placeholders are refused', () => {
  const placeholders = { Admins: ['root', 'adm*'] };
  const r = sel("    user.name|expand: '%Admins%'");
  assert.equal(matches(r, { user: { name: 'admin7' } }, { placeholders }), true);
  assert.equal(matches(r, { user: { name: 'guest' } }, { placeholders }), false);
  assert.equal(matches(sel("    f|expand: '\\%plain%Admins%'"), { f: '%plainroot' }, { placeholders }), true);
  assert.equal(matches(sel("    f: '%Admins%'"), { f: '%Admins%' }, { placeholders }), true);
  assert.match(refusalOf(sel("    f|expand: '%Nope%'"), { placeholders })!, /unknown placeholder '%Nope%'/);
});

test('time modifiers, with the custom timezone field', () => {
  const r = detection('  sel:\n    "@timestamp|hour": 2\n  condition: sel');
  assert.equal(matches(r, { '@timestamp': '2026-03-01T02:30:00Z' }), true);
  const cn = detection('  sel:\n    "@timestamp|hour": 10\n  condition: sel', 'timezone: Asia/Shanghai\n');
  assert.equal(matches(cn, { '@timestamp': '2026-03-01T02:30:00Z' }), true);
  const ge = detection('  sel:\n    "@timestamp|hour|gte": 18\n  condition: sel', 'timezone: Asia/Shanghai\n');
  assert.equal(matches(ge, { '@timestamp': '2026-03-01T11:00:00Z' }), true);
  assert.equal(matches(ge, { '@timestamp': '2026-03-01T02:00:00Z' }), false);
});

test('keyword lists search message text; |all keywords AND', () => {
  const kw = detection("  kw:\n    - 'Failed password'\n    - 'Invalid user'\n  condition: kw");
  assert.equal(matches(kw, { message: 'sshd: failed password for root' }), true);
  assert.equal(matches(kw, { message: 'accepted' }), false);
  const all = detection("  kw:\n    '|all':\n      - ':179'\n      - 'BADAUTH'\n  condition: kw");
  assert.equal(matches(all, { message: 'x:179 IP-TCP-3-BADAUTH' }), true);
  assert.equal(matches(all, { message: 'x:179' }), false);
});

test('unknown modifiers are refused with the modifier name', () => {
  assert.equal(refusalOf(sel('    f|frobnicate: x')), "sel: unknown modifier 'frobnicate'");
});
