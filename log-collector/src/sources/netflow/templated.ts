/**
 * NetFlow v9 (RFC 3954) and IPFIX (RFC 7011): sets of templates, options templates and data records.
 * Every loop advances by at least one octet and is bounded by the set length, which is bounded by the
 * packet; templates are capped in field count and the cache in size.
 */
import { IANA_ELEMENTS, REVERSE_ELEMENTS, REVERSE_PEN, V9_SCOPE_NAMES, V9_VENDOR_ELEMENTS, ValueType, unknownElementName, type ElementDef, type RecordTarget } from './elements.js';
import {
  VARIABLE_LENGTH, domainKey, type ExporterMeta, type PacketContext, type Template, type TemplateCache, type TemplateField,
} from './template-cache.js';
import type { DecodeResult, Exporter, FieldValue, FlowRecord } from './types.js';
import { formatIpv4, formatIpv6, formatMac, hex, isoFromMs, ntpToMs, readString, readUnsigned, u16, u32 } from './values.js';

const V9_HEADER = 20;
const IPFIX_HEADER = 16;

export function decodeTemplated(
  b: Uint8Array, version: 9 | 10, exporter: Exporter, receivedMs: number, cache: TemplateCache, out: DecodeResult,
): void {
  const headerLen = version === 9 ? V9_HEADER : IPFIX_HEADER;
  if (b.length < headerLen) {
    out.errors.push({ code: 'truncated', message: `${name(version)} header needs ${headerLen} octets, got ${b.length}`, offset: 0 });
    return;
  }
  let end = b.length;
  let ctx: PacketContext;
  if (version === 9) {
    const domain = u32(b, 16);
    ctx = {
      version, domain, sequence: u32(b, 12), exportMs: u32(b, 8) * 1000, sysUptimeMs: u32(b, 4), receivedMs,
      domainKey: domainKey(9, exporter, domain),
    };
  } else {
    const msgLen = u16(b, 2);
    if (msgLen < IPFIX_HEADER) {
      out.errors.push({ code: 'bad-length', message: `IPFIX message length ${msgLen} is shorter than its header`, offset: 2 });
      return;
    }
    if (msgLen > b.length) {
      out.errors.push({ code: 'truncated', message: `IPFIX message length ${msgLen} exceeds datagram (${b.length})`, offset: 2 });
    } else end = msgLen;
    const domain = u32(b, 12);
    ctx = {
      version, domain, sequence: u32(b, 8), exportMs: u32(b, 4) * 1000, sysUptimeMs: 0, receivedMs,
      domainKey: domainKey(10, exporter, domain),
    };
  }

  const tplSet = version === 9 ? 0 : 2;
  const optSet = version === 9 ? 1 : 3;
  let off = headerLen;
  let setIndex = 0;
  while (end - off >= 4) {
    const setId = u16(b, off);
    const setLen = u16(b, off + 2);
    if (setLen < 4 || off + setLen > end) {
      // A zero-filled tail (seen from some exporters) is padding, not an error.
      if (setId === 0 && setLen === 0 && allZero(b, off, end)) break;
      out.errors.push({ code: 'bad-length', message: `set ${setId} length ${setLen} does not fit (${end - off} left)`, offset: off });
      break;
    }
    const start = off + 4;
    const stop = off + setLen;
    if (setId === tplSet || setId === optSet) {
      parseTemplates(b, start, stop, setId === optSet, ctx, cache, out);
    } else if (setId >= 256) {
      const tpl = cache.get(ctx.domainKey, setId, receivedMs);
      if (tpl === undefined) {
        const buffered = cache.buffer(ctx, setId, setIndex, b.subarray(start, stop));
        out.errors.push({
          code: 'missing-template',
          message: `no template ${setId} for ${ctx.domainKey}${buffered ? ' (data set buffered)' : ''}`,
          offset: off,
        });
      } else {
        decodeDataSet(b, start, stop, tpl, ctx, exporter, cache, setIndex, out);
      }
    }
    // Set ids 4..255 are reserved: skipped by length, as RFC 7011 §3.3.2 asks.
    off = stop;
    setIndex++;
  }
}

function name(version: 9 | 10): string {
  return version === 9 ? 'NetFlow v9' : 'IPFIX';
}

function allZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

function parseTemplates(
  b: Uint8Array, start: number, end: number, options: boolean, ctx: PacketContext, cache: TemplateCache, out: DecodeResult,
): void {
  const v9 = ctx.version === 9;
  let p = start;
  while (end - p >= 4) {
    const recStart = p;
    const tid = u16(b, p);
    const second = u16(b, p + 2);
    // IPFIX withdrawal: a template record with field count 0 (RFC 7011 §8.1).
    if (!v9 && second === 0) {
      if (tid === 0) break; // padding
      if (tid === 2 || tid === 3) cache.withdrawAll(ctx.domainKey, tid === 3);
      else cache.withdraw(ctx.domainKey, tid);
      p += 4;
      continue;
    }
    let fieldCount: number;
    let scopeCount: number;
    if (options && v9) {
      // v9 options template: scope and option lengths are in octets, 4 octets per field.
      if (end - p < 6) break;
      const scopeLen = second;
      const optLen = u16(b, p + 4);
      if (scopeLen % 4 !== 0 || optLen % 4 !== 0) {
        out.errors.push({ code: 'bad-template', message: `options template ${tid}: scope/option lengths ${scopeLen}/${optLen} not multiples of 4`, offset: p });
        return;
      }
      scopeCount = scopeLen / 4;
      fieldCount = scopeCount + optLen / 4;
      p += 6;
    } else if (options) {
      if (end - p < 6) break;
      fieldCount = second;
      scopeCount = u16(b, p + 4);
      p += 6;
      if (scopeCount === 0 || scopeCount > fieldCount) {
        out.errors.push({ code: 'bad-template', message: `options template ${tid}: scope field count ${scopeCount} of ${fieldCount}`, offset: recStart });
        return;
      }
    } else {
      fieldCount = second;
      scopeCount = 0;
      p += 4;
    }
    if (tid < 256) {
      // Template padding in v9 is zeros; a non-zero low id means garbage: the rest of the set cannot be trusted.
      if (tid === 0 && allZero(b, recStart, end)) return;
      out.errors.push({ code: 'bad-template', message: `template id ${tid} is below 256`, offset: recStart });
      return;
    }
    const fields: TemplateField[] = [];
    const tooMany = fieldCount > cache.maxFieldsPerTemplate;
    for (let i = 0; i < fieldCount; i++) {
      if (end - p < 4) {
        out.errors.push({ code: 'truncated', message: `template ${tid} ends after ${i} of ${fieldCount} fields`, offset: p });
        return;
      }
      let id = u16(b, p);
      const length = u16(b, p + 2);
      p += 4;
      let enterprise = 0;
      if (!v9 && id & 0x8000) {
        if (end - p < 4) {
          out.errors.push({ code: 'truncated', message: `template ${tid} field ${i}: enterprise number cut off`, offset: p });
          return;
        }
        id &= 0x7fff;
        enterprise = u32(b, p);
        p += 4;
      }
      if (v9 && length === VARIABLE_LENGTH) {
        out.errors.push({ code: 'bad-template', message: `template ${tid}: variable length is IPFIX-only`, offset: p - 4 });
        return;
      }
      if (tooMany) continue;
      const scope = i < scopeCount;
      const def = elementFor(v9, scope, id, enterprise);
      const fname = v9 && scope ? `scope.${V9_SCOPE_NAMES.get(id) ?? `type${id}`}` : def?.name ?? unknownElementName(id, enterprise);
      fields.push({ id, enterprise, length, def, name: fname, scope, reader: readerFor(def, enterprise, length), slot: Slot.None });
    }
    if (tooMany) {
      cache.stats.rejected++;
      out.errors.push({ code: 'template-limit', message: `template ${tid} has ${fieldCount} fields (max ${cache.maxFieldsPerTemplate})`, offset: recStart });
      continue;
    }
    const tpl = compileTemplate(tid, options, fields, ctx.receivedMs);
    if (tpl === undefined) {
      cache.stats.rejected++;
      out.errors.push({ code: 'bad-template', message: `template ${tid} describes zero-length records`, offset: recStart });
      continue;
    }
    cache.set(ctx.domainKey, tpl);
    out.templatesLearned++;
    for (const pending of cache.takePending(ctx.domainKey, tid, ctx.receivedMs)) {
      const exporter = exporterOf(pending.ctx.domainKey);
      decodeDataSet(pending.data, 0, pending.data.length, tpl, pending.ctx, exporter, cache, pending.setIndex, out);
    }
  }
}

function elementFor(v9: boolean, scope: boolean, id: number, enterprise: number): ElementDef | undefined {
  if (v9) return scope ? undefined : (id >= 0x8000 ? V9_VENDOR_ELEMENTS : IANA_ELEMENTS).get(id);
  if (enterprise === 0) return IANA_ELEMENTS.get(id);
  return enterprise === REVERSE_PEN ? REVERSE_ELEMENTS.get(id) : undefined;
}

function exporterOf(domainKey: string): Exporter {
  const parts = domainKey.split('|');
  return { address: parts[1]!, port: Number(parts[2]) };
}

/** Resolves which field fills each record property and the minimal record size. */
export function compileTemplate(id: number, options: boolean, fields: TemplateField[], learnedMs: number): Template | undefined {
  let minLength = 0;
  let variable = false;
  for (const f of fields) {
    if (f.length === VARIABLE_LENGTH) {
      variable = true;
      minLength += 1;
    } else minLength += f.length;
  }
  if (minLength === 0) return undefined;
  if (options) {
    for (const f of fields) f.slot = Slot.Option;
  } else {
    for (const f of fields) if (f.enterprise === 0 && f.id === 160 && f.def !== undefined) f.slot = Slot.InitTime;
    // Every field of the best rank may fill its target; at decode time the first non-zero value wins
    // (exporters often send both the IPv4 and the IPv6 address fields, one of them zeroed).
    const best = new Map<RecordTarget, number>();
    for (const f of fields) {
      const t = f.def?.target;
      if (t === undefined || !lengthFits(f.def!.type, f.length)) continue;
      const rank = f.def!.rank ?? 0;
      if (rank < (best.get(t) ?? Infinity)) best.set(t, rank);
    }
    for (const f of fields) {
      const t = f.def?.target;
      if (t !== undefined && lengthFits(f.def!.type, f.length) && (f.def!.rank ?? 0) === best.get(t)) {
        f.slot = f.def!.type === ValueType.Uptime ? (t === 'startMs' ? Slot.UpStart : Slot.UpEnd) : SLOTS[t];
      }
    }
  }
  return { id, options, fields, minLength, fixedLength: variable ? -1 : minLength, learnedMs };
}

/** Per-record values needed after all fields are read (uptime times resolve against the boot time). */
interface Scratch {
  upStart: number;
  upEnd: number;
  initMs: number;
  /** Values of the options record being read. */
  values: Record<string, FieldValue> | undefined;
}

/** Record property a field fills, as a small integer so the hot loop stores by name (monomorphic). */
const enum Slot {
  None, SrcAddr, DstAddr, NextHop, SrcPort, DstPort, Protocol, TcpFlags, Tos, Bytes, Packets, StartMs, EndMs,
  UpStart, UpEnd, InIf, OutIf, SrcAs, DstAs, SrcMask, DstMask, Vlan, Direction, SrcMac, DstMac, SamplerId,
  Sampling, IcmpTypeCode, IcmpType, IcmpCode, RevBytes, RevPackets,
  /** systemInitTimeMilliseconds: remembered for uptime times, and kept in extras. */
  InitTime,
  /** Every field of an options template: collected by name. */
  Option,
}

const SLOTS: Record<RecordTarget, Slot> = {
  srcAddr: Slot.SrcAddr, dstAddr: Slot.DstAddr, nextHop: Slot.NextHop, srcPort: Slot.SrcPort, dstPort: Slot.DstPort,
  protocol: Slot.Protocol, tcpFlags: Slot.TcpFlags, tos: Slot.Tos, bytes: Slot.Bytes, packets: Slot.Packets,
  startMs: Slot.StartMs, endMs: Slot.EndMs, inputInterface: Slot.InIf, outputInterface: Slot.OutIf, srcAs: Slot.SrcAs,
  dstAs: Slot.DstAs, srcMask: Slot.SrcMask, dstMask: Slot.DstMask, vlan: Slot.Vlan, direction: Slot.Direction,
  srcMac: Slot.SrcMac, dstMac: Slot.DstMac, samplerId: Slot.SamplerId, samplingInterval: Slot.Sampling,
  icmpTypeCode: Slot.IcmpTypeCode, icmpType: Slot.IcmpType, icmpCode: Slot.IcmpCode, reverseBytes: Slot.RevBytes,
  reversePackets: Slot.RevPackets,
};

/** Only a field whose length gives a typed value (not hex) may fill a record property. */
function lengthFits(type: ValueType, len: number): boolean {
  switch (type) {
    case ValueType.Ipv4: return len === 4;
    case ValueType.Ipv6: return len === 16;
    case ValueType.Mac: return len === 6;
    case ValueType.Ntp: return len === 8;
    case ValueType.Unsigned: case ValueType.Uptime: case ValueType.Seconds: case ValueType.Millis: case ValueType.DeltaMicros:
      return len >= 1 && len <= 8;
    default: return false;
  }
}

const isZeroAddr = (a: string | undefined): boolean => a === '0.0.0.0' || a === '::';

/**
 * Stores a value in its record property. False when the property is already set by an earlier
 * field (the value then goes to extras). Zero addresses never displace a real one.
 */
function assign(r: FlowRecord, f: TemplateField, v: FieldValue, st: Scratch): boolean {
  const n = v as number;
  switch (f.slot as Slot) {
    case Slot.Option:
      st.values![f.name] = timeText(f, v);
      return true;
    case Slot.InitTime:
      if (typeof v === 'number') st.initMs = v;
      return false;
    case Slot.SrcAddr:
      if (r.srcAddr === undefined || isZeroAddr(r.srcAddr)) r.srcAddr = v as string;
      else if (!isZeroAddr(v as string)) return false;
      return true;
    case Slot.DstAddr:
      if (r.dstAddr === undefined || isZeroAddr(r.dstAddr)) r.dstAddr = v as string;
      else if (!isZeroAddr(v as string)) return false;
      return true;
    case Slot.NextHop:
      if (r.nextHop === undefined || isZeroAddr(r.nextHop)) r.nextHop = v as string;
      else if (!isZeroAddr(v as string)) return false;
      return true;
    case Slot.SrcMac:
      if (r.srcMac !== undefined) return false;
      r.srcMac = v as string;
      return true;
    case Slot.DstMac:
      if (r.dstMac !== undefined) return false;
      r.dstMac = v as string;
      return true;
    case Slot.SrcPort: if (r.srcPort !== undefined) return false; r.srcPort = n; return true;
    case Slot.DstPort: if (r.dstPort !== undefined) return false; r.dstPort = n; return true;
    case Slot.Protocol: if (r.protocol !== undefined) return false; r.protocol = n; return true;
    case Slot.TcpFlags: if (r.tcpFlags !== undefined) return false; r.tcpFlags = n; return true;
    case Slot.Tos: if (r.tos !== undefined) return false; r.tos = n; return true;
    case Slot.Bytes: if (r.bytes !== undefined) return false; r.bytes = n; return true;
    case Slot.Packets: if (r.packets !== undefined) return false; r.packets = n; return true;
    case Slot.StartMs: if (r.startMs !== undefined) return false; r.startMs = n; return true;
    case Slot.EndMs: if (r.endMs !== undefined) return false; r.endMs = n; return true;
    case Slot.UpStart: st.upStart = n; return true;
    case Slot.UpEnd: st.upEnd = n; return true;
    case Slot.InIf: if (r.inputInterface !== undefined) return false; r.inputInterface = n; return true;
    case Slot.OutIf: if (r.outputInterface !== undefined) return false; r.outputInterface = n; return true;
    case Slot.SrcAs: if (r.srcAs !== undefined) return false; r.srcAs = n; return true;
    case Slot.DstAs: if (r.dstAs !== undefined) return false; r.dstAs = n; return true;
    case Slot.SrcMask: if (r.srcMask !== undefined) return false; r.srcMask = n; return true;
    case Slot.DstMask: if (r.dstMask !== undefined) return false; r.dstMask = n; return true;
    case Slot.Vlan: if (r.vlan !== undefined) return false; r.vlan = n; return true;
    case Slot.SamplerId: if (r.samplerId !== undefined) return false; r.samplerId = n; return true;
    case Slot.Sampling: if (r.samplingInterval !== undefined) return false; r.samplingInterval = n; return true;
    case Slot.RevBytes: if (r.reverseBytes !== undefined) return false; r.reverseBytes = n; return true;
    case Slot.RevPackets: if (r.reversePackets !== undefined) return false; r.reversePackets = n; return true;
    case Slot.IcmpType: if (r.icmpType !== undefined) return false; r.icmpType = n; return true;
    case Slot.IcmpCode: if (r.icmpCode !== undefined) return false; r.icmpCode = n; return true;
    case Slot.IcmpTypeCode:
      if (r.icmpType !== undefined) return false;
      r.icmpType = n >>> 8;
      r.icmpCode = n & 0xff;
      return true;
    case Slot.Direction:
      if (r.direction !== undefined || (n !== 0 && n !== 1)) return false;
      r.direction = n === 0 ? 'ingress' : 'egress';
      return true;
    default:
      return false;
  }
}

function newRecord(ctx: PacketContext, exporter: Exporter, templateId: number, recordIndex: number): FlowRecord {
  // Every property is present so that all records share one shape (faster property access).
  return {
    version: ctx.version, exporter, observationDomain: ctx.domain, sequence: ctx.sequence, templateId, recordIndex,
    receivedMs: ctx.receivedMs, exportMs: ctx.exportMs,
    srcAddr: undefined, dstAddr: undefined, srcPort: undefined, dstPort: undefined, protocol: undefined,
    tcpFlags: undefined, tos: undefined, bytes: undefined, packets: undefined, startMs: undefined, endMs: undefined,
    inputInterface: undefined, outputInterface: undefined, srcAs: undefined, dstAs: undefined, nextHop: undefined,
    srcMask: undefined, dstMask: undefined, vlan: undefined, direction: undefined, srcMac: undefined, dstMac: undefined,
    samplerId: undefined, samplingInterval: undefined, icmpType: undefined, icmpCode: undefined,
    reverseBytes: undefined, reversePackets: undefined, extras: undefined, packet: EMPTY, rawStart: 0, rawEnd: 0, setStart: 0, setEnd: 0,
  };
}
const EMPTY = new Uint8Array(0);

/** Integer codes for the common fixed-size shapes, read inline by the record loop. */
const enum Reader { Generic, U8, U16, U32, UN, Ipv4 }

function readerFor(def: ElementDef | undefined, enterprise: number, len: number): Reader {
  const numeric = def === undefined
    ? enterprise === 0
    : def.type === ValueType.Unsigned || def.type === ValueType.Uptime || def.type === ValueType.Millis;
  if (numeric) {
    if (len === 1) return Reader.U8;
    if (len === 2) return Reader.U16;
    if (len === 4) return Reader.U32;
    if (len >= 1 && len <= 8) return Reader.UN;
    return Reader.Generic;
  }
  return def?.type === ValueType.Ipv4 && len === 4 ? Reader.Ipv4 : Reader.Generic;
}

/** Reads one element value by its type; hex when the length does not suit the type. */
function readValue(f: TemplateField, b: Uint8Array, p: number, len: number, ctx: PacketContext): FieldValue {
  const def = f.def;
  if (def === undefined) return len <= 8 && f.enterprise === 0 ? readUnsigned(b, p, len) : hex(b, p, len);
  switch (def.type) {
    case ValueType.Unsigned:
    case ValueType.Uptime:
      return len <= 8 ? readUnsigned(b, p, len) : hex(b, p, len);
    case ValueType.Signed: {
      if (len > 6) return hex(b, p, len);
      const v = readUnsigned(b, p, len);
      const half = 2 ** (8 * len - 1);
      return v >= half ? v - 2 * half : v;
    }
    case ValueType.Ipv4:
      return len === 4 ? formatIpv4(b, p) : hex(b, p, len);
    case ValueType.Ipv6:
      return len === 16 ? formatIpv6(b, p) : hex(b, p, len);
    case ValueType.Mac:
      return len === 6 ? formatMac(b, p) : hex(b, p, len);
    case ValueType.String:
      return readString(b, p, len);
    case ValueType.Octets:
      return hex(b, p, len);
    case ValueType.Seconds:
      return len <= 8 ? readUnsigned(b, p, len) * 1000 : hex(b, p, len);
    case ValueType.Millis:
      return len <= 8 ? readUnsigned(b, p, len) : hex(b, p, len);
    case ValueType.Ntp:
      return len === 8 ? ntpToMs(b, p) : hex(b, p, len);
    case ValueType.DeltaMicros:
      return len <= 8 ? ctx.exportMs - Math.floor(readUnsigned(b, p, len) / 1000) : hex(b, p, len);
    case ValueType.Boolean:
      return len === 1 ? b[p] === 1 : hex(b, p, len);
    case ValueType.Float: {
      if (len !== 4 && len !== 8) return hex(b, p, len);
      const dv = new DataView(b.buffer, b.byteOffset + p, len);
      return len === 4 ? dv.getFloat32(0) : dv.getFloat64(0);
    }
  }
}

/** Time elements outside the record's own properties are kept as ISO text (the number if out of range). */
function timeText(f: TemplateField, v: FieldValue): FieldValue {
  return f.def !== undefined && isTime(f.def.type) && typeof v === 'number' ? isoFromMs(v) ?? v : v;
}

function isTime(t: ValueType): boolean {
  return t === ValueType.Seconds || t === ValueType.Millis || t === ValueType.Ntp || t === ValueType.DeltaMicros;
}

function decodeDataSet(
  b: Uint8Array, start: number, end: number, tpl: Template, ctx: PacketContext, exporter: Exporter,
  cache: TemplateCache, setIndex: number, out: DecodeResult,
): void {
  let p = start;
  let idx = 0;
  const meta = cache.exporterMeta(ctx.domainKey);
  const st: Scratch = { upStart: -1, upEnd: -1, initMs: -1, values: undefined };
  while (end - p >= tpl.minLength) {
    const recStart = p;
    // Options records are collected through Slot.Option into st.values; rec is then only a placeholder.
    const rec = newRecord(ctx, exporter, tpl.id, (setIndex << 16) | idx);
    const values: Record<string, FieldValue> | undefined = tpl.options ? {} : undefined;
    st.values = values;
    st.upStart = -1;
    st.upEnd = -1;
    st.initMs = -1;
    let bad = false;
    const fields = tpl.fields;
    for (let fi = 0; fi < fields.length; fi++) {
      const f = fields[fi]!;
      let len = f.length;
      if (len === VARIABLE_LENGTH) {
        if (p >= end) { bad = true; break; }
        len = b[p++]!;
        if (len === 255) {
          if (end - p < 2) { bad = true; break; }
          len = u16(b, p);
          p += 2;
        }
      }
      if (end - p < len) { bad = true; break; }
      if (len === 0) continue;
      let v: FieldValue;
      switch (f.reader) {
        case Reader.U8: v = b[p]!; break;
        case Reader.U16: v = (b[p]! << 8) | b[p + 1]!; break;
        case Reader.U32: v = u32(b, p); break;
        case Reader.UN: v = readUnsigned(b, p, len); break;
        case Reader.Ipv4: v = formatIpv4(b, p); break;
        default: v = readValue(f, b, p, len, ctx);
      }
      p += len;
      if (f.slot !== Slot.None && assign(rec, f, v, st)) continue;
      (rec.extras ??= {})[f.name] = timeText(f, v);
    }
    if (bad) {
      out.errors.push({ code: 'bad-record', message: `template ${tpl.id}: record ${idx} overruns its set`, offset: recStart });
      return;
    }
    if (values !== undefined) {
      out.options.push({
        version: ctx.version, exporter, observationDomain: ctx.domain, templateId: tpl.id, sequence: ctx.sequence,
        recordIndex: (setIndex << 16) | idx, exportMs: ctx.exportMs, values,
      });
      learnMeta(cache.exporterMeta(ctx.domainKey, true), values);
    } else {
      const r = rec;
      r.packet = b;
      r.rawStart = recStart;
      r.rawEnd = p;
      r.setStart = start;
      r.setEnd = end;
      if (st.upStart >= 0 || st.upEnd >= 0) resolveUptime(r, ctx, st.upStart, st.upEnd, st.initMs >= 0 ? st.initMs : meta?.systemInitMs);
      // Many v9 exporters carry ICMP type/code in the destination port (type << 8 | code).
      if ((r.protocol === 1 || r.protocol === 58) && r.icmpType === undefined && r.dstPort !== undefined) {
        r.icmpType = r.dstPort >>> 8;
        r.icmpCode = r.dstPort & 0xff;
      }
      if (r.samplingInterval === undefined && meta !== undefined) {
        const s = (r.samplerId !== undefined ? meta.samplers.get(r.samplerId) : undefined) ?? meta.samplingInterval;
        if (s !== undefined) r.samplingInterval = s;
      }
      out.records.push(r);
    }
    idx++;
  }
}

/** v9: uptime relative to the header's sysUptime; IPFIX: relative to systemInitTimeMilliseconds, if known. */
function resolveUptime(r: FlowRecord, ctx: PacketContext, upStart: number, upEnd: number, initMs: number | undefined): void {
  const boot = ctx.version === 9 ? ctx.exportMs - ctx.sysUptimeMs : initMs;
  if (boot === undefined) {
    const x = (r.extras ??= {});
    if (upStart >= 0) x.flowStartSysUpTime = upStart;
    if (upEnd >= 0) x.flowEndSysUpTime = upEnd;
    return;
  }
  if (upStart >= 0) r.startMs = boot + upStart;
  if (upEnd >= 0) r.endMs = boot + upEnd;
}

/** Remembers sampling and boot time announced by options records. */
function learnMeta(meta: ExporterMeta, v: Record<string, FieldValue>): void {
  const init = v.systemInitTimeMilliseconds;
  if (typeof init === 'string') meta.systemInitMs = Date.parse(init);
  else if (typeof init === 'number') meta.systemInitMs = init;
  let interval: number | undefined;
  const si = v.samplingInterval ?? v.samplerRandomInterval;
  if (typeof si === 'number' && si > 0) interval = si;
  // PSAMP (RFC 5477): n-out-of-N as population/size, systematic count-based as (interval + space) / interval.
  const size = v.samplingSize;
  const population = v.samplingPopulation;
  if (interval === undefined && typeof size === 'number' && typeof population === 'number' && size > 0) {
    interval = Math.round(population / size);
  }
  const pi = v.samplingPacketInterval;
  const ps = v.samplingPacketSpace;
  if (interval === undefined && typeof pi === 'number' && pi > 0) {
    interval = typeof ps === 'number' ? Math.round((pi + ps) / pi) : pi;
  }
  if (interval === undefined) return;
  const id = v.samplerId ?? v.selectorId;
  if (typeof id === 'number') meta.samplers.set(id, interval);
  else meta.samplingInterval = interval;
  if (meta.samplers.size > 1024) meta.samplers.delete(meta.samplers.keys().next().value as number);
}
