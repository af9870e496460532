import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { sharedDataDir } from '@emsoc/common/paths';
import { readPcapUdp, streamPcapUdp, type UdpDatagram } from '../../src/replay/pcap.js';

// ---- capture writers (test-only) ----

function udp(srcPort: number, dstPort: number, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

function ipv4(src: string, dst: string, l4: Buffer, opts: { proto?: number; id?: number; offset?: number; more?: boolean; totalPayload?: Buffer } = {}): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + l4.length, 2);
  h.writeUInt16BE(opts.id ?? 1, 4);
  h.writeUInt16BE(((opts.more ? 1 : 0) << 13) | ((opts.offset ?? 0) / 8), 6);
  h[8] = 64;
  h[9] = opts.proto ?? 17;
  Buffer.from(src.split('.').map(Number)).copy(h, 12);
  Buffer.from(dst.split('.').map(Number)).copy(h, 16);
  return Buffer.concat([h, l4]);
}

function ipv6(src: number, dst: number, l4: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(l4.length, 4);
  h[6] = 17;
  h[7] = 64;
  h.writeUInt16BE(0x2001, 8);
  h.writeUInt16BE(0x0db8, 10);
  h[23] = src;
  h.writeUInt16BE(0x2001, 24);
  h.writeUInt16BE(0x0db8, 26);
  h[39] = dst;
  return Buffer.concat([h, l4]);
}

function ethernet(ip: Buffer, type = 0x0800, vlan?: number): Buffer {
  const h = Buffer.alloc(vlan === undefined ? 14 : 18);
  h.fill(0xaa, 0, 6);
  h.fill(0xbb, 6, 12);
  if (vlan !== undefined) {
    h.writeUInt16BE(0x8100, 12);
    h.writeUInt16BE(vlan, 14);
    h.writeUInt16BE(type, 16);
  } else h.writeUInt16BE(type, 12);
  // Ethernet minimum-size padding must not leak into the payload.
  return Buffer.concat([h, ip, Buffer.alloc(Math.max(0, 60 - h.length - ip.length), 0xee)]);
}

function sll(ip: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0x0800, 14);
  return Buffer.concat([h, ip]);
}

interface Frame {
  data: Buffer;
  sec: number;
  frac: number;
}

function pcap(frames: Frame[], opts: { le: boolean; nano: boolean; link: number }): Buffer {
  const w = (n: number, bytes: number): Buffer => {
    const b = Buffer.alloc(bytes);
    if (bytes === 2) {
      if (opts.le) b.writeUInt16LE(n);
      else b.writeUInt16BE(n);
    } else if (opts.le) b.writeUInt32LE(n);
    else b.writeUInt32BE(n);
    return b;
  };
  const parts = [w(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, 4), w(2, 2), w(4, 2), w(0, 4), w(0, 4), w(65535, 4), w(opts.link, 4)];
  for (const f of frames) parts.push(w(f.sec, 4), w(f.frac, 4), w(f.data.length, 4), w(f.data.length, 4), f.data);
  return Buffer.concat(parts);
}

function block(type: number, body: Buffer): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const h = Buffer.alloc(8);
  h.writeUInt32LE(type, 0);
  h.writeUInt32LE(len, 4);
  const t = Buffer.alloc(4);
  t.writeUInt32LE(len);
  return Buffer.concat([h, body, Buffer.alloc(pad), t]);
}

function pcapng(frames: Frame[], opts: { tsresol?: number; simple?: boolean; link: number }): Buffer {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const idbHead = Buffer.alloc(8);
  idbHead.writeUInt16LE(opts.link, 0);
  idbHead.writeUInt32LE(65535, 4);
  let idbOpts = Buffer.alloc(0);
  if (opts.tsresol !== undefined) {
    idbOpts = Buffer.alloc(12);
    idbOpts.writeUInt16LE(9, 0);
    idbOpts.writeUInt16LE(1, 2);
    idbOpts[4] = opts.tsresol;
  }
  const blocks = [block(0x0a0d0d0a, shb), block(1, Buffer.concat([idbHead, idbOpts]))];
  const perSec = 10 ** (opts.tsresol ?? 6);
  for (const f of frames) {
    if (opts.simple) {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(f.data.length);
      blocks.push(block(3, Buffer.concat([b, f.data])));
    } else {
      const ts = BigInt(f.sec) * BigInt(perSec) + BigInt(f.frac);
      const b = Buffer.alloc(20);
      b.writeUInt32LE(0, 0);
      b.writeUInt32LE(Number(ts >> 32n), 4);
      b.writeUInt32LE(Number(ts & 0xffffffffn), 8);
      b.writeUInt32LE(f.data.length, 12);
      b.writeUInt32LE(f.data.length, 16);
      blocks.push(block(6, Buffer.concat([b, f.data])));
    }
  }
  return Buffer.concat(blocks);
}

const P1 = Buffer.from('first payload');
const P2 = Buffer.from('second, over IPv6');

function summary(ds: UdpDatagram[]): unknown[] {
  return ds.map((d) => [d.srcAddr, d.srcPort, d.dstAddr, d.dstPort, Buffer.from(d.payload).toString()]);
}

const EXPECTED = [
  ['192.0.2.1', 5000, '192.0.2.2', 2055, P1.toString()],
  ['2001:db8::1', 5001, '2001:db8::2', 4739, P2.toString()],
];

function ethFrames(): Frame[] {
  return [
    { data: ethernet(ipv4('192.0.2.1', '192.0.2.2', udp(5000, 2055, P1)), 0x0800, 12), sec: 1_700_000_000, frac: 250_000 },
    { data: ethernet(ipv6(1, 2, udp(5001, 4739, P2)), 0x86dd), sec: 1_700_000_001, frac: 0 },
    { data: ethernet(ipv4('192.0.2.1', '192.0.2.2', Buffer.alloc(20), { proto: 6 })), sec: 1_700_000_002, frac: 0 },
  ];
}

test('classic pcap, both byte orders, micro- and nanosecond timestamps', () => {
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      const frames = ethFrames().map((f) => ({ ...f, frac: nano ? f.frac * 1000 : f.frac }));
      const { datagrams, stats } = readPcapUdp(pcap(frames, { le, nano, link: 1 }));
      assert.deepEqual(summary(datagrams), EXPECTED, `le=${le} nano=${nano}`);
      assert.equal(datagrams[0]!.tsMs, 1_700_000_000_250);
      assert.deepEqual([stats.format, stats.frames, stats.datagrams, stats.skipped, stats.errors], ['pcap', 3, 2, 1, []]);
    }
  }
});

test('pcapng with enhanced and simple packet blocks, if_tsresol', () => {
  const eth = ethFrames();
  let r = readPcapUdp(pcapng(eth, { link: 1 }));
  assert.deepEqual(summary(r.datagrams), EXPECTED);
  assert.equal(r.datagrams[0]!.tsMs, 1_700_000_000_250);
  assert.equal(r.stats.format, 'pcapng');
  r = readPcapUdp(pcapng(eth.map((f) => ({ ...f, frac: f.frac * 1000 })), { link: 1, tsresol: 9 }));
  assert.equal(r.datagrams[0]!.tsMs, 1_700_000_000_250);
  r = readPcapUdp(pcapng(eth, { link: 1, simple: true }));
  assert.deepEqual(summary(r.datagrams), EXPECTED);
});

test('Linux cooked (SLL) and raw IP link types', () => {
  const ip1 = ipv4('192.0.2.1', '192.0.2.2', udp(5000, 2055, P1));
  const ip2 = ipv6(1, 2, udp(5001, 4739, P2));
  let r = readPcapUdp(pcap([{ data: sll(ip1), sec: 1, frac: 0 }], { le: true, nano: false, link: 113 }));
  assert.deepEqual(summary(r.datagrams), [EXPECTED[0]]);
  r = readPcapUdp(pcap([{ data: ip1, sec: 1, frac: 0 }, { data: ip2, sec: 1, frac: 0 }], { le: true, nano: false, link: 101 }));
  assert.deepEqual(summary(r.datagrams), EXPECTED);
});

test('fragmented IPv4 UDP datagrams are reassembled', () => {
  const payload = Buffer.alloc(3000, 7);
  const whole = udp(5000, 2055, payload);
  const frags = [whole.subarray(0, 1480), whole.subarray(1480, 2960), whole.subarray(2960)];
  const frames = frags.map((f, i) => ({
    data: ethernet(ipv4('192.0.2.1', '192.0.2.2', Buffer.from(f), { id: 99, offset: i * 1480, more: i < 2 })), sec: 1, frac: 0,
  }));
  // Out of order on purpose.
  const { datagrams, stats } = readPcapUdp(pcap([frames[1]!, frames[0]!, frames[2]!], { le: true, nano: false, link: 1 }));
  assert.equal(datagrams.length, 1);
  assert.equal(datagrams[0]!.dstPort, 2055);
  assert.deepEqual(Buffer.from(datagrams[0]!.payload), payload);
  assert.equal(stats.reassembled, 1);
});

test('streaming reader yields the same datagrams from arbitrary chunking', async () => {
  const file = pcapng(ethFrames(), { link: 1 });
  for (const size of [1, 7, 64, 4096]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < file.length; i += size) chunks.push(file.subarray(i, i + size));
    const got: UdpDatagram[] = [];
    for await (const d of streamPcapUdp(Readable.from(chunks))) got.push(d);
    assert.deepEqual(summary(got), EXPECTED, `chunk ${size}`);
  }
});

test('malformed captures end with an error, never a throw', () => {
  const good = pcap(ethFrames(), { le: true, nano: false, link: 1 });
  assert.deepEqual(readPcapUdp(Buffer.from('not a capture at all, no')).stats.errors.length, 1);
  const bad = Buffer.from(good);
  bad.writeUInt32LE(0x7fffffff, 24 + 8); // first record's captured length
  assert.equal(readPcapUdp(bad).stats.errors.length, 1);
  for (let n = 0; n < good.length; n += 3) readPcapUdp(good.subarray(0, n));
  const ng = pcapng(ethFrames(), { link: 1 });
  for (let n = 0; n < ng.length; n += 3) readPcapUdp(ng.subarray(0, n));
});

test('every shared capture reads without error', (t) => {
  const root = path.join(sharedDataDir, 'netflow');
  if (!existsSync(root)) {
    t.skip(`shared data not found at ${root}`);
    return;
  }
  const files = ['graylog-plugin-netflow/netflow9.pcap', 'akvorado/sflow/data-1140.pcap', 'pmacct/104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap'];
  for (const f of files) {
    const { datagrams, stats } = readPcapUdp(readFileSync(path.join(root, f)));
    assert.deepEqual(stats.errors, [], f);
    assert.equal(datagrams.length, stats.frames, f);
  }
});
