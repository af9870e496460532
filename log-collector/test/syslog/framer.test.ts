import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSyslogFramer } from '../../src/sources/syslog/index.js';

const msgs = ['<34>1 2026-01-01T00:00:00Z h a - - - hello', '<13>Oct 11 22:14:15 host app: second\twith tab', '<0>x'];

function frameAll(chunks: Buffer[], opts = {}): Array<{ s: string; truncated: boolean; framing: string }> {
  const f = createSyslogFramer(opts);
  const out = chunks.flatMap((c) => f.push(c)).concat(f.end());
  return out.map((x) => ({ s: x.data.toString(), truncated: x.truncated, framing: x.framing }));
}

test('octet counting, LF, CRLF and NUL framing, mixed on one connection', () => {
  const octet = msgs.map((m) => `${Buffer.byteLength(m)} ${m}`).join('');
  const stream = Buffer.from(octet + msgs[0] + '\n' + msgs[1] + '\r\n' + msgs[2] + '\0');
  const out = frameAll([stream]);
  assert.deepEqual(out.map((o) => o.s), [...msgs, ...msgs]);
  assert.deepEqual(out.map((o) => o.framing), ['octet-counting', 'octet-counting', 'octet-counting', 'non-transparent', 'non-transparent', 'non-transparent']);
});

test('split at every byte boundary gives the same frames', () => {
  const octet = msgs.map((m) => `${Buffer.byteLength(m)} ${m}`).join('');
  const stream = Buffer.from(octet + msgs.join('\n') + '\n');
  const whole = frameAll([stream]);
  for (let cut = 1; cut < stream.length; cut++) {
    assert.deepEqual(frameAll([stream.subarray(0, cut), stream.subarray(cut)]), whole, `cut at ${cut}`);
  }
  assert.deepEqual(frameAll([...stream].map((b) => Buffer.from([b]))), whole);
});

test('oversize frames are cut, marked and the rest skipped (both framings)', () => {
  const big = 'A'.repeat(1000);
  const out = frameAll([Buffer.from(`${big.length} ${big}` + `${big}\n` + 'ok\n')], { maxFrameSize: 100 });
  assert.equal(out.length, 3);
  assert.equal(out[0]!.s.length, 100);
  assert.equal(out[0]!.truncated, true);
  assert.equal(out[1]!.s.length, 100);
  assert.equal(out[1]!.truncated, true);
  assert.deepEqual(out[2], { s: 'ok', truncated: false, framing: 'non-transparent' });
});

test('digits that are not an octet count start a line (Cisco sequence numbers)', () => {
  const out = frameAll([Buffer.from('521: router1: *Nov 14 08:30:56.699: %LINK-5-CHANGED: x\n')]);
  assert.equal(out[0]!.s, '521: router1: *Nov 14 08:30:56.699: %LINK-5-CHANGED: x');
});

test('stream ending inside a counted frame yields it marked truncated', () => {
  const out = frameAll([Buffer.from('50 <13>short')]);
  assert.deepEqual(out, [{ s: '<13>short', truncated: true, framing: 'octet-counting' }]);
});
