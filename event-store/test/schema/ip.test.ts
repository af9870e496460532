import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv4 } from 'node:net';
import { formatIp, parseCidr, parseIp } from '../../src/schema/ip.js';

const hex = (b: Buffer | undefined) => b?.toString('hex');

describe('ip keys', () => {
  it('maps IPv4 into IPv4-mapped IPv6 and keeps numeric order', () => {
    assert.equal(hex(parseIp('10.0.0.1')), '00000000000000000000ffff0a000001');
    assert.equal(hex(parseIp('::ffff:10.0.0.1')), hex(parseIp('10.0.0.1')));
    assert.ok(Buffer.compare(parseIp('9.255.255.255')!, parseIp('10.0.0.0')!) < 0);
    assert.ok(Buffer.compare(parseIp('255.255.255.255')!, parseIp('2001:db8::')!) < 0);
  });
  it('parses and formats IPv6 per RFC 5952', () => {
    assert.equal(formatIp(parseIp('2001:0db8:0000:0000:0000:0000:0001:0000')!), '2001:db8::1:0');
    assert.equal(formatIp(parseIp('::1')!), '::1');
    assert.equal(formatIp(parseIp('::')!), '::');
    assert.equal(formatIp(parseIp('2001:db8:0:1:1:1:1:1')!), '2001:db8:0:1:1:1:1:1');
    assert.equal(formatIp(parseIp('fe80::1%eth0')!), 'fe80::1');
    assert.equal(formatIp(parseIp('64:ff9b::192.0.2.33')!), '64:ff9b::c000:221');
  });
  it('rejects malformed addresses', () => {
    for (const bad of ['1.2.3', '256.1.1.1', '1.2.3.4.5', '::g', '1:2:3:4:5:6:7:8:9', '', 'x'.repeat(100), '01.2.3.4']) assert.equal(parseIp(bad), undefined, bad);
  });
  it('accepts exactly the dotted quads node:net accepts', () => {
    const edge = ['0.0.0.0', '255.255.255.255', '1.2.3.04', '0.00.0.0', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4 ', '1.2.3.4a', '1000.1.1.1', '1.2.3.-4'];
    const octet = (i: number) => String([0, 1, 9, 10, 99, 100, 199, 200, 249, 250, 255, 256, 300, 999][i % 14]);
    const grid = Array.from({ length: 14 ** 2 }, (_, i) => `${octet(i)}.${octet(i >> 1)}.${octet(Math.floor(i / 14))}.${octet(i + 3)}`);
    for (const text of [...edge, ...grid]) {
      const key = parseIp(text);
      assert.equal(key !== undefined, isIPv4(text), text);
      if (key) assert.equal(formatIp(key), text);
    }
  });
  it('turns CIDR blocks into inclusive ranges', () => {
    const r = parseCidr('10.0.0.0/8')!;
    assert.equal(formatIp(r.lo), '10.0.0.0');
    assert.equal(formatIp(r.hi), '10.255.255.255');
    const r6 = parseCidr('2001:db8::/32')!;
    assert.equal(formatIp(r6.lo), '2001:db8::');
    assert.equal(formatIp(r6.hi), '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff');
    assert.equal(formatIp(parseCidr('10.1.2.3/32')!.hi), '10.1.2.3');
    assert.equal(formatIp(parseCidr('0.0.0.0/0')!.hi), '255.255.255.255');
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', '/8']) assert.equal(parseCidr(bad), undefined, bad);
  });
});
