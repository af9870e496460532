import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bitString,
  compareDer,
  DerDecodeError,
  encodeOid,
  explicit,
  generalizedTime,
  integer,
  namedBitString,
  printableString,
  readInteger,
  readOid,
  readSingle,
  readTime,
  sequence,
  setOf,
  time,
  tlv,
  unsignedInteger,
  utcTime,
  utf8String,
  writeTimeAt,
  timeSize,
  children,
} from '../src/der/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('DER writer', () => {
  it('encodes lengths in short and long form at the boundaries', () => {
    assert.equal(hex(tlv(0x04, new Uint8Array(127)).subarray(0, 2)), '047f');
    assert.equal(hex(tlv(0x04, new Uint8Array(128)).subarray(0, 3)), '048180');
    assert.equal(hex(tlv(0x04, new Uint8Array(255)).subarray(0, 3)), '0481ff');
    assert.equal(hex(tlv(0x04, new Uint8Array(256)).subarray(0, 4)), '04820100');
    assert.equal(hex(tlv(0x04, new Uint8Array(70000)).subarray(0, 5)), '0483011170');
  });

  it('encodes INTEGERs with minimal two’s complement and correct sign', () => {
    const cases: [bigint, string][] = [
      [0n, '020100'],
      [127n, '02017f'],
      [128n, '02020080'],
      [256n, '02020100'],
      [-1n, '0201ff'],
      [-128n, '020180'],
      [-129n, '0202ff7f'],
      [-256n, '0202ff00'],
      [2n ** 64n, '0209010000000000000000'],
    ];
    for (const [v, want] of cases) {
      assert.equal(hex(integer(v)), want, String(v));
      assert.equal(readInteger(readSingle(integer(v))), v, `round trip ${v}`);
    }
  });

  it('encodes unsigned magnitudes as positive INTEGERs', () => {
    assert.equal(hex(unsignedInteger(Uint8Array.of(0x80, 1))), '0203008001');
    assert.equal(hex(unsignedInteger(Uint8Array.of(0, 0, 0x7f))), '02017f');
    assert.equal(hex(unsignedInteger(Uint8Array.of(0))), '020100');
  });

  it('encodes OIDs (cached) and decodes them back', () => {
    assert.equal(hex(encodeOid('1.2.840.113549.1.1.11')), '06092a864886f70d01010b');
    assert.equal(hex(encodeOid('2.5.29.17')), '0603551d11');
    assert.equal(hex(encodeOid('2.999.3')), '0603883703');
    assert.equal(encodeOid('2.5.29.17'), encodeOid('2.5.29.17'), 'cached instance');
    for (const o of ['1.2.156.10197.1.501', '2.999.3', '1.3.6.1.4.1.311.20.2.3']) assert.equal(readOid(readSingle(encodeOid(o))), o);
    assert.throws(() => encodeOid('1.40.1'));
    assert.throws(() => encodeOid('1..2'));
    assert.throws(() => readOid(readSingle(Uint8Array.of(0x06, 0x02, 0x80, 0x01))), DerDecodeError);
  });

  it('drops trailing zero bits in named bit strings (KeyUsage)', () => {
    assert.equal(hex(namedBitString([0])), '03020780'); // digitalSignature
    assert.equal(hex(namedBitString([5, 6])), '03020106'); // keyCertSign, cRLSign
    assert.equal(hex(namedBitString([0, 8])), '0303078080'); // digitalSignature, decipherOnly
    assert.equal(hex(bitString(Uint8Array.of(1, 2))), '0303000102');
  });

  it('applies the RFC 5280 2050 rule and writes whole seconds in Zulu', () => {
    const d2049 = new Date(Date.UTC(2049, 11, 31, 23, 59, 59, 999));
    const d2050 = new Date(Date.UTC(2050, 0, 1, 0, 0, 0));
    assert.equal(Buffer.from(time(d2049)).toString('latin1').slice(2), '491231235959Z');
    assert.equal(time(d2049)[0], 0x17);
    assert.equal(time(d2050)[0], 0x18);
    assert.equal(Buffer.from(time(d2050)).toString('latin1').slice(2), '20500101000000Z');
    assert.equal(time(new Date(Date.UTC(1949, 0, 1)))[0], 0x18);
    assert.throws(() => utcTime(d2050));
    for (const d of [d2049, d2050, new Date(Date.UTC(1999, 1, 28, 1, 2, 3))]) {
      const buf = new Uint8Array(timeSize(d));
      assert.equal(writeTimeAt(buf, 0, d), buf.length);
      assert.deepEqual(buf, time(d), 'bulk writer matches');
      assert.equal(readTime(readSingle(time(d))).getTime(), Math.floor(d.getTime() / 1000) * 1000);
    }
    assert.equal(hex(generalizedTime(d2049)).slice(0, 4), '180f');
  });

  it('sorts SET OF elements per X.690 §11.6', () => {
    const a = utf8String('b');
    const b = printableString('a');
    const c = integer(5);
    const s = setOf([a, b, c]);
    const order = children(readSingle(s)).map((t) => t.tag);
    assert.deepEqual(order, [0x02, 0x0c, 0x13]);
    assert.ok(compareDer(Uint8Array.of(1), Uint8Array.of(1, 0)) === 0, 'zero-padding rule');
  });

  it('rejects malformed DER when reading', () => {
    const bad = [
      Uint8Array.of(0x30, 0x80, 0x00, 0x00), // indefinite length
      Uint8Array.of(0x30, 0x81, 0x01, 0x00), // non-minimal length
      Uint8Array.of(0x30, 0x03, 0x02, 0x01), // runs past the end
      Uint8Array.of(0x02, 0x02, 0x00, 0x01), // non-minimal INTEGER
      Uint8Array.of(0x30, 0x00, 0x00), // trailing byte
    ];
    for (const b of bad) {
      assert.throws(() => {
        const t = readSingle(b);
        if (t.tag === 0x02) readInteger(t);
      }, DerDecodeError);
    }
    assert.deepEqual([...explicit(3, sequence())], [0xa3, 0x02, 0x30, 0x00]);
  });
});
