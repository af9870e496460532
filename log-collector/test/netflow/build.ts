/** Builders for synthetic NetFlow v9 / IPFIX export packets (tests, fuzz seeds, benchmark). */

export type Spec = [id: number, length: number, enterprise?: number];

export class Writer {
  private parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(Math.floor(v / 65536)).u16(v % 65536);
  }
  u64(v: number): this {
    return this.u32(Math.floor(v / 4294967296)).u32(v % 4294967296);
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]!);
    return this;
  }
  ipv4(s: string): this {
    return this.bytes(s.split('.').map(Number));
  }
  get length(): number {
    return this.parts.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function set(id: number, body: Uint8Array, pad = 0): Uint8Array {
  return new Writer().u16(id).u16(4 + body.length + pad).bytes(body).bytes(new Array(pad).fill(0)).done();
}

/** IPFIX template record (enterprise bit set when a PEN is given). */
export function ipfixTemplate(id: number, specs: Spec[]): Uint8Array {
  const w = new Writer().u16(id).u16(specs.length);
  for (const [fid, len, pen] of specs) {
    if (pen) w.u16(fid | 0x8000).u16(len).u32(pen);
    else w.u16(fid).u16(len);
  }
  return w.done();
}

export function ipfixOptionsTemplate(id: number, scope: Spec[], fields: Spec[]): Uint8Array {
  const w = new Writer().u16(id).u16(scope.length + fields.length).u16(scope.length);
  for (const [fid, len] of [...scope, ...fields]) w.u16(fid).u16(len);
  return w.done();
}

export function ipfixMessage(sets: Uint8Array[], opts: { exportSecs?: number; sequence?: number; domain?: number } = {}): Uint8Array {
  const body = sets.reduce((n, s) => n + s.length, 0);
  const w = new Writer().u16(10).u16(16 + body).u32(opts.exportSecs ?? 1_700_000_000).u32(opts.sequence ?? 1).u32(opts.domain ?? 0);
  for (const s of sets) w.bytes(s);
  return w.done();
}

export function v9Template(id: number, specs: Spec[]): Uint8Array {
  const w = new Writer().u16(id).u16(specs.length);
  for (const [fid, len] of specs) w.u16(fid).u16(len);
  return w.done();
}

export function v9OptionsTemplate(id: number, scope: Spec[], fields: Spec[]): Uint8Array {
  const w = new Writer().u16(id).u16(scope.length * 4).u16(fields.length * 4);
  for (const [fid, len] of [...scope, ...fields]) w.u16(fid).u16(len);
  return w.done();
}

export function v9Packet(
  sets: Uint8Array[], opts: { sysUptime?: number; exportSecs?: number; sequence?: number; sourceId?: number; count?: number } = {},
): Uint8Array {
  const w = new Writer().u16(9).u16(opts.count ?? sets.length).u32(opts.sysUptime ?? 100_000).u32(opts.exportSecs ?? 1_700_000_000)
    .u32(opts.sequence ?? 1).u32(opts.sourceId ?? 0);
  for (const s of sets) w.bytes(s);
  return w.done();
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The 5-tuple + counters template used by tests and the benchmark. */
export const FLOW_SPECS: Spec[] = [
  [8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [6, 1], [5, 1], [10, 4], [14, 4], [1, 8], [2, 8], [152, 8], [153, 8], [61, 1],
];

export function flowRecord(i: number, startMs = 1_700_000_000_000): Uint8Array {
  return new Writer()
    .ipv4(`10.0.${(i >> 8) & 255}.${i & 255}`).ipv4('192.0.2.10').u16(40000 + (i % 20000)).u16(443).u8(6).u8(0x12).u8(0)
    .u32(3).u32(7).u64(1500 + i).u64(3 + (i % 10)).u64(startMs + i).u64(startMs + i + 250).u8(i & 1)
    .done();
}
