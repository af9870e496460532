import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRawFrames, forEachRawFrame, isRawSyslog, RawFrameError, readRawReceipt, type RawReceipt } from '../../src/spool/raw-frames.js';

const receipt: RawReceipt = { source: 'syslog_tls', transport: 'tls', receivedAtMs: 1764381600123.5, remoteAddress: '2001:db8::7', remotePort: 51514, clientCertificate: 'ab'.repeat(32) };
const frames = [
  { data: Buffer.from('<13>1 2026-11-29T10:00:00Z h app - - - one'), truncated: false },
  { data: Buffer.alloc(0), truncated: true },
  { data: Buffer.from([0xff, 0xfe, 0x00, 0x0a]), truncated: false },
];

const read = (payload: Buffer) => {
  const r = readRawReceipt(payload);
  const got: Array<{ data: string; truncated: boolean }> = [];
  forEachRawFrame(payload, r.framesAt, (data, truncated) => got.push({ data: data.toString('hex'), truncated }));
  return { r, got };
};

test('a raw-frame record gives back its receipt and its frames byte for byte, with the truncated mark', () => {
  const payload = encodeRawFrames(receipt, frames);
  assert.equal(isRawSyslog(payload), true);
  assert.equal(isRawSyslog(Buffer.from('{"d":"events"}')), false);
  const { r, got } = read(payload);
  const { framesAt, ...rest } = r;
  assert.ok(framesAt > 0);
  assert.deepEqual(rest, receipt);
  assert.deepEqual(got, frames.map((f) => ({ data: f.data.toString('hex'), truncated: f.truncated })));
});

test('a receipt without a client certificate reads back without one; a sub-range of frames can be encoded', () => {
  const { clientCertificate: _, ...plain } = receipt;
  const { r, got } = read(encodeRawFrames({ ...plain, transport: 'udp' }, frames, 2, 3));
  assert.equal(r.clientCertificate, undefined);
  assert.equal(r.transport, 'udp');
  assert.deepEqual(got, [{ data: 'fffe000a', truncated: false }]);
});

test('a frame that overruns its record stops reading there: earlier frames are delivered, the offset of the rest is given', () => {
  const payload = encodeRawFrames(receipt, frames);
  const cut = payload.subarray(0, payload.length - 2);
  const r = readRawReceipt(cut);
  const got: string[] = [];
  assert.throws(
    () => forEachRawFrame(cut, r.framesAt, (d) => got.push(d.toString())),
    (e: unknown) => e instanceof RawFrameError && e.offset === cut.length - 6,
  );
  assert.equal(got.length, 2);
  assert.throws(() => readRawReceipt(Buffer.from([0, 9, 0, 0])), /version 9/);
});
