/** GeneralName encoding (RFC 5280 §4.2.1.6) and IP address text → octets. */
import { isIP } from 'node:net';
import {
  DerEncodeError,
  explicit,
  isIa5String,
  implicitPrimitive,
  oid,
  sequence,
  utf8String,
  content,
  readString,
  readOid,
  SeqReader,
  DerDecodeError,
  raw,
  type Tlv,
} from '../der/index.js';
import { OID } from './oids.js';

export type GeneralName =
  | { type: 'dns'; value: string }
  | { type: 'ip'; value: string }
  | { type: 'email'; value: string }
  | { type: 'uri'; value: string }
  | { type: 'upn'; value: string }
  | { type: 'directoryName'; value: string; der: Uint8Array }
  | { type: 'other'; tag: number; der: Uint8Array };

const ascii = new TextEncoder();

/** IPv4 → 4 octets, IPv6 (incl. "::" and embedded IPv4) → 16 octets. */
export function ipToBytes(ip: string): Uint8Array {
  const kind = isIP(ip);
  if (kind === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (kind !== 6) throw new DerEncodeError(`"${ip}" is not an IP address`);
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = ipToBytes(text.slice(lastColon + 1));
    tail.push(...v4);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [headText, tailText] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined): number[] => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const head = groups(headText);
  const rest = groups(tailText);
  const zeros = tailText === undefined ? 0 : 8 - head.length - rest.length;
  const all = [...head, ...new Array<number>(zeros).fill(0), ...rest];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tail.length) out.set(tail, 12);
  return out;
}

export function bytesToIp(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length === 16) {
    const g: number[] = [];
    for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
    // RFC 5952: compress the longest run (≥ 2) of zero groups.
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      let j = i;
      while (j < 8 && g[j] === 0) j++;
      if (j - i > bestLen) [best, bestLen] = [i, j - i];
      i = j === i ? i + 1 : j;
    }
    const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
    if (best < 0) return hex(g);
    return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
  }
  return `<${b.length}-octet address>`;
}

export function encodeGeneralName(n: GeneralName): Uint8Array {
  switch (n.type) {
    case 'email':
      return implicitPrimitive(1, ia5Content(n.value));
    case 'dns':
      return implicitPrimitive(2, ia5Content(n.value));
    case 'uri':
      return implicitPrimitive(6, ia5Content(n.value));
    case 'ip':
      return implicitPrimitive(7, ipToBytes(n.value));
    case 'upn':
      // otherName [0] IMPLICIT SEQUENCE { type-id, [0] EXPLICIT value }
      return retagConstructed(0, sequence(oid(OID.upn), explicit(0, utf8String(n.value))));
    case 'directoryName':
      return explicit(4, n.der);
    case 'other':
      return n.der;
  }
}

function ia5Content(s: string): Uint8Array {
  if (!isIa5String(s)) throw new DerEncodeError(`not an IA5String: ${JSON.stringify(s)}`);
  return ascii.encode(s);
}

function retagConstructed(n: number, seq: Uint8Array): Uint8Array {
  const out = seq.slice();
  out[0] = 0xa0 | n;
  return out;
}

export function encodeGeneralNames(names: readonly GeneralName[]): Uint8Array {
  return sequence(...names.map(encodeGeneralName));
}

/** Decodes one GeneralName TLV (for CSR and certificate inspection). */
export function decodeGeneralName(t: Tlv): GeneralName {
  const c = content(t);
  const ascii = (): string => readString({ ...t, tag: 0x16 });
  switch (t.tag) {
    case 0x81:
      return { type: 'email', value: ascii() };
    case 0x82:
      return { type: 'dns', value: ascii() };
    case 0x86:
      return { type: 'uri', value: ascii() };
    case 0x87:
      if (c.length !== 4 && c.length !== 16) throw new DerDecodeError(`iPAddress of ${c.length} octets`);
      return { type: 'ip', value: bytesToIp(c) };
    case 0xa0: {
      const r = new SeqReader(t);
      const typeId = readOid(r.next(0x06, 'otherName type-id'));
      const v = r.next(0xa0, 'otherName value');
      r.end('otherName');
      if (typeId === OID.upn) {
        const inner = new SeqReader(v);
        const s = readString(inner.next());
        inner.end('otherName value');
        return { type: 'upn', value: s };
      }
      return { type: 'other', tag: t.tag, der: raw(t) };
    }
    default:
      return { type: 'other', tag: t.tag, der: raw(t) };
  }
}

export function generalNameToString(n: GeneralName): string {
  switch (n.type) {
    case 'dns':
      return `DNS:${n.value}`;
    case 'ip':
      return `IP:${n.value}`;
    case 'email':
      return `email:${n.value}`;
    case 'uri':
      return `URI:${n.value}`;
    case 'upn':
      return `UPN:${n.value}`;
    case 'directoryName':
      return `DirName:${n.value}`;
    case 'other':
      return `other[0x${n.tag.toString(16)}]`;
  }
}
