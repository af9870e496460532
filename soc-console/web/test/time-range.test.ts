import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeRangeError, axisLabel, formatInstant, isoToWallClock, resolveRange, wallClockToIso, zoneOffsetMinutes } from '../src/app/core/time/time-range.js';

const NOW = Date.parse('2026-11-29T04:00:00.000Z');

test('presets resolve relative to now', () => {
  assert.deepEqual(resolveRange({ preset: '15m' }, NOW), { from: '2026-11-29T03:45:00.000Z', to: '2026-11-29T04:00:00.000Z' });
  assert.equal(resolveRange({ preset: '1h' }, NOW).from, '2026-11-29T03:00:00.000Z');
  assert.equal(resolveRange({ preset: '24h' }, NOW).from, '2026-11-28T04:00:00.000Z');
  assert.equal(resolveRange({ preset: '7d' }, NOW).from, '2026-11-22T04:00:00.000Z');
});

test('custom ranges are validated: both ends parse and from < to', () => {
  assert.deepEqual(resolveRange({ preset: 'custom', from: '2026-11-01T00:00:00+08:00', to: '2026-11-02T00:00:00+08:00' }), {
    from: '2026-10-31T16:00:00.000Z',
    to: '2026-11-01T16:00:00.000Z',
  });
  assert.throws(() => resolveRange({ preset: 'custom', from: 'yesterday', to: '2026-11-02T00:00:00Z' }), TimeRangeError);
  assert.throws(() => resolveRange({ preset: 'custom', from: '2026-11-02T00:00:00Z', to: '2026-11-02T00:00:00Z' }), /time.order/);
  assert.throws(() => resolveRange({ preset: 'custom' }), /time.invalid/);
});

test('wall-clock input is read in the display zone (Asia/Shanghai is UTC+8, no DST)', () => {
  assert.equal(zoneOffsetMinutes(NOW, 'Asia/Shanghai'), 480);
  assert.equal(wallClockToIso('2026-11-29T08:30', 'Asia/Shanghai'), '2026-11-29T00:30:00.000Z');
  assert.equal(wallClockToIso('2026-01-01T00:00', 'Asia/Shanghai'), '2025-12-31T16:00:00.000Z');
  assert.equal(wallClockToIso('2026-11-29T08:30:15', 'UTC'), '2026-11-29T08:30:15.000Z');
  assert.equal(isoToWallClock('2026-11-29T00:30:00.000Z', 'Asia/Shanghai'), '2026-11-29T08:30');
  assert.throws(() => wallClockToIso('29/11/2026 08:30'), TimeRangeError);
});

test('zones with DST use the offset in force at the result', () => {
  // Europe/Berlin: CET (+1) in winter, CEST (+2) from 29 March 2026 02:00.
  assert.equal(wallClockToIso('2026-01-15T12:00', 'Europe/Berlin'), '2026-01-15T11:00:00.000Z');
  assert.equal(wallClockToIso('2026-07-15T12:00', 'Europe/Berlin'), '2026-07-15T10:00:00.000Z');
  assert.equal(wallClockToIso('2026-03-29T03:30', 'Europe/Berlin'), '2026-03-29T01:30:00.000Z');
});

test('instants are formatted in the display zone, one format for both languages', () => {
  assert.equal(formatInstant('2026-11-29T16:30:05Z', 'Asia/Shanghai'), '2026-11-30 00:30:05');
  assert.equal(formatInstant(Date.parse('2026-11-29T16:30:05Z'), 'UTC'), '2026-11-29 16:30:05');
  assert.equal(formatInstant('2026-11-29T16:30:05Z', 'Asia/Shanghai', false), '2026-11-30 00:30');
  assert.equal(formatInstant(null), '');
  assert.equal(formatInstant('not a date'), 'not a date');
  assert.equal(axisLabel(Date.parse('2026-11-29T16:30:00Z'), 3_600_000, 'Asia/Shanghai'), '00:30');
  assert.equal(axisLabel(Date.parse('2026-11-29T16:30:00Z'), 7 * 86_400_000, 'Asia/Shanghai'), '11-30 00:30');
});
