/**
 * CMP PKIMessage (RFC 4210 / RFC 9480) and the CRMF parts it carries (RFC 4211), on pki's own strict
 * DER writer/reader. Only the bodies an RA/CA pair needs are typed; anything else decodes as
 * `unknown` so a server can answer it with an error message instead of failing to parse.
 *
 * Tagging: the PKIXCMP module uses EXPLICIT tags, CRMF uses IMPLICIT tags (a CHOICE such as Name or
 * Time stays explicitly tagged under IMPLICIT).
 */
import {
  bitString,
  content,
  children,
  enumerated,
  explicit,
  generalizedTime,
  implicitConstructed,
  implicitPrimitive,
  integer,
  integerContent,
  namedBitString,
  octetString,
  oid,
  raw,
  readBitString,
  readBoolean,
  readInteger,
  readOid,
  readSingle,
  readString,
  readTime,
  retagImplicit,
  sequence,
  SeqReader,
  time,
  tlv,
  unsignedInteger,
  utf8String,
  DerDecodeError,
  type Tlv,
} from '../der/index.js';

export const BODY_TAGS = {
  ir: 0, ip: 1, cr: 2, cp: 3, p10cr: 4, popdecc: 5, popdecr: 6, kur: 7, kup: 8, krr: 9, krp: 10, rr: 11, rp: 12,
  ccr: 13, ccp: 14, ckuann: 15, cann: 16, rann: 17, crlann: 18, pkiconf: 19, nested: 20, genm: 21, genp: 22,
  error: 23, certConf: 24, pollReq: 25, pollRep: 26,
} as const;
export type BodyName = keyof typeof BODY_TAGS;
const BODY_NAMES = Object.fromEntries(Object.entries(BODY_TAGS).map(([k, v]) => [v, k])) as Record<number, BodyName>;

export const PKI_STATUS = { accepted: 0, grantedWithMods: 1, rejection: 2, waiting: 3, revocationWarning: 4, revocationNotification: 5, keyUpdateWarning: 6 } as const;

/** PKIFailureInfo bit numbers (RFC 4210 §5.2.3). */
export const FAIL_INFO = {
  badAlg: 0, badMessageCheck: 1, badRequest: 2, badTime: 3, badCertId: 4, badDataFormat: 5, wrongAuthority: 6,
  incorrectData: 7, missingTimeStamp: 8, badPOP: 9, certRevoked: 10, certConfirmed: 11, wrongIntegrity: 12,
  badRecipientNonce: 13, timeNotAvailable: 14, unacceptedPolicy: 15, unacceptedExtension: 16, addInfoNotAvailable: 17,
  badSenderNonce: 18, badCertTemplate: 19, signerNotTrusted: 20, transactionIdInUse: 21, unsupportedVersion: 22,
  notAuthorized: 23, systemUnavail: 24, systemFailure: 25, duplicateCertReq: 26,
} as const;
export type FailInfo = keyof typeof FAIL_INFO;
const FAIL_NAMES = Object.fromEntries(Object.entries(FAIL_INFO).map(([k, v]) => [v, k])) as Record<number, FailInfo>;

export const CMP_OID = {
  implicitConfirm: '1.3.6.1.5.5.7.4.13',
  confirmWaitTime: '1.3.6.1.5.5.7.4.14',
  cRLReason: '2.5.29.21',
} as const;

export class CmpDecodeError extends Error {
  override name = 'CmpDecodeError';
}

export interface InfoTypeAndValue {
  type: string;
  /** DER of infoValue when present. */
  value?: Uint8Array;
}

export interface PkiHeader {
  pvno: number;
  /** DER GeneralName. */
  sender: Uint8Array;
  recipient: Uint8Array;
  messageTime?: Date;
  /** DER AlgorithmIdentifier. */
  protectionAlg?: Uint8Array;
  senderKID?: Uint8Array;
  recipKID?: Uint8Array;
  transactionID?: Uint8Array;
  senderNonce?: Uint8Array;
  recipNonce?: Uint8Array;
  freeText?: string[];
  generalInfo?: InfoTypeAndValue[];
}

export interface PkiStatusInfo {
  status: number;
  statusString?: string[];
  failInfo?: FailInfo[];
}

/** CRMF CertTemplate; names and keys are kept as DER. */
export interface CertTemplate {
  version?: number;
  /** Serial number as the INTEGER content octets. */
  serialNumber?: Uint8Array;
  signingAlg?: Uint8Array;
  /** DER Name. */
  issuer?: Uint8Array;
  validity?: { notBefore?: Date; notAfter?: Date };
  subject?: Uint8Array;
  /** DER SubjectPublicKeyInfo (universal SEQUENCE tag). */
  publicKey?: Uint8Array;
  /** DER Extension SEQUENCEs. */
  extensions?: Uint8Array[];
}

export type ProofOfPossession =
  | { type: 'raVerified' }
  | { type: 'signature'; algorithm: Uint8Array; signature: Uint8Array; withInput: boolean }
  | { type: 'other'; tag: number };

export interface CertReqMsg {
  certReqId: number;
  template: CertTemplate;
  popo?: ProofOfPossession;
  /** DER of CertRequest as received or encoded (what a signature POP covers). */
  certReqDer?: Uint8Array;
}

export interface CertResponse {
  certReqId: number;
  status: PkiStatusInfo;
  /** DER Certificate when issued. */
  certificate?: Uint8Array;
}

export interface RevDetails {
  template: CertTemplate;
  /** CRLReason code from crlEntryDetails. */
  reason?: number;
}

export interface CertStatus {
  certHash: Uint8Array;
  certReqId: number;
  statusInfo?: PkiStatusInfo;
  hashAlg?: Uint8Array;
}

export interface CertId {
  /** DER GeneralName. */
  issuer: Uint8Array;
  serialNumber: Uint8Array;
}

export type PkiBody =
  | { type: 'ir' | 'cr' | 'kur'; requests: CertReqMsg[] }
  | { type: 'ip' | 'cp' | 'kup'; caPubs?: Uint8Array[]; responses: CertResponse[] }
  | { type: 'p10cr'; csr: Uint8Array }
  | { type: 'rr'; revocations: RevDetails[] }
  | { type: 'rp'; status: PkiStatusInfo[]; revCerts?: CertId[] }
  | { type: 'pkiconf' }
  | { type: 'certConf'; statuses: CertStatus[] }
  | { type: 'pollReq'; certReqIds: number[] }
  | { type: 'pollRep'; entries: { certReqId: number; checkAfter: number; reason?: string[] }[] }
  | { type: 'error'; status: PkiStatusInfo; errorCode?: number; errorDetails?: string[] }
  | { type: 'genm' | 'genp'; items: InfoTypeAndValue[] }
  | { type: 'unknown'; name: BodyName | `tag-${number}`; tag: number };

export interface PkiMessage {
  header: PkiHeader;
  body: PkiBody;
  protection?: Uint8Array;
  extraCerts?: Uint8Array[];
}

/** A decoded message plus the exact bytes its protection covers. */
export interface DecodedPkiMessage extends PkiMessage {
  /** DER ProtectedPart ::= SEQUENCE { header, body } rebuilt from the received header and body bytes. */
  protectedPart: Uint8Array;
  der: Uint8Array;
}

// ---------------------------------------------------------------------------------------- names

/** GeneralName directoryName [4] for a DER Name. */
export function directoryName(nameDer: Uint8Array): Uint8Array {
  return explicit(4, nameDer);
}

/** The NULL-DN directoryName used when a party has no name to give (RFC 4210 §5.1.1). */
export const NULL_DN = directoryName(sequence());

/** Name DER inside a directoryName GeneralName, or undefined for other GeneralName types. */
export function directoryNameOf(generalName: Uint8Array): Uint8Array | undefined {
  const t = readSingle(generalName);
  if (t.tag !== 0xa4) return undefined;
  return raw(readSingle(content(t), 0x30));
}

// ---------------------------------------------------------------------------------------- encode

const freeText = (lines: readonly string[]): Uint8Array => sequence(...lines.map(utf8String));

export function encodeStatusInfo(s: PkiStatusInfo): Uint8Array {
  return sequence(
    integer(s.status),
    s.statusString?.length ? freeText(s.statusString) : undefined,
    s.failInfo?.length ? namedBitString(s.failInfo.map((f) => FAIL_INFO[f])) : undefined,
  );
}

export function encodeHeader(h: PkiHeader): Uint8Array {
  return sequence(
    integer(h.pvno),
    h.sender,
    h.recipient,
    h.messageTime ? explicit(0, generalizedTime(h.messageTime)) : undefined,
    h.protectionAlg ? explicit(1, h.protectionAlg) : undefined,
    h.senderKID ? explicit(2, octetString(h.senderKID)) : undefined,
    h.recipKID ? explicit(3, octetString(h.recipKID)) : undefined,
    h.transactionID ? explicit(4, octetString(h.transactionID)) : undefined,
    h.senderNonce ? explicit(5, octetString(h.senderNonce)) : undefined,
    h.recipNonce ? explicit(6, octetString(h.recipNonce)) : undefined,
    h.freeText?.length ? explicit(7, freeText(h.freeText)) : undefined,
    h.generalInfo?.length ? explicit(8, sequence(...h.generalInfo.map((i) => sequence(oid(i.type), i.value)))) : undefined,
  );
}

export function encodeTemplate(t: CertTemplate): Uint8Array {
  const validity = t.validity
    ? implicitConstructed(4, [t.validity.notBefore ? explicit(0, time(t.validity.notBefore)) : undefined, t.validity.notAfter ? explicit(1, time(t.validity.notAfter)) : undefined])
    : undefined;
  return sequence(
    t.version !== undefined ? implicitPrimitive(0, content(readSingle(integer(t.version)))) : undefined,
    t.serialNumber ? implicitPrimitive(1, content(readSingle(unsignedInteger(t.serialNumber)))) : undefined,
    t.signingAlg ? retagImplicit(2, t.signingAlg) : undefined,
    t.issuer ? explicit(3, t.issuer) : undefined,
    validity,
    t.subject ? explicit(5, t.subject) : undefined,
    t.publicKey ? retagImplicit(6, t.publicKey) : undefined,
    t.extensions?.length ? retagImplicit(9, sequence(...t.extensions)) : undefined,
  );
}

/** CertRequest ::= SEQUENCE { certReqId, certTemplate } — the bytes a signature POP is computed over. */
export function encodeCertRequest(certReqId: number, template: CertTemplate): Uint8Array {
  return sequence(integer(certReqId), encodeTemplate(template));
}

function encodePopo(p: ProofOfPossession): Uint8Array {
  if (p.type === 'raVerified') return implicitPrimitive(0, new Uint8Array(0));
  if (p.type === 'signature') return implicitConstructed(1, [p.algorithm, bitString(p.signature)]);
  throw new Error('cannot encode an unsupported proof of possession');
}

function encodeCertReqMsg(m: CertReqMsg): Uint8Array {
  return sequence(m.certReqDer ?? encodeCertRequest(m.certReqId, m.template), m.popo ? encodePopo(m.popo) : undefined);
}

const reasonExtension = (reason: number): Uint8Array => sequence(oid(CMP_OID.cRLReason), octetString(enumerated(reason)));

function encodeBodyContent(b: PkiBody): Uint8Array {
  switch (b.type) {
    case 'ir':
    case 'cr':
    case 'kur':
      return sequence(...b.requests.map(encodeCertReqMsg));
    case 'ip':
    case 'cp':
    case 'kup':
      return sequence(
        b.caPubs?.length ? explicit(1, sequence(...b.caPubs)) : undefined,
        sequence(
          ...b.responses.map((r) =>
            sequence(integer(r.certReqId), encodeStatusInfo(r.status), r.certificate ? sequence(explicit(0, r.certificate)) : undefined),
          ),
        ),
      );
    case 'p10cr':
      return b.csr;
    case 'rr':
      return sequence(...b.revocations.map((r) => sequence(encodeTemplate(r.template), r.reason !== undefined ? sequence(reasonExtension(r.reason)) : undefined)));
    case 'rp':
      return sequence(
        sequence(...b.status.map(encodeStatusInfo)),
        b.revCerts?.length ? explicit(0, sequence(...b.revCerts.map((c) => sequence(c.issuer, unsignedInteger(c.serialNumber))))) : undefined,
      );
    case 'pkiconf':
      return Uint8Array.of(0x05, 0x00);
    case 'certConf':
      return sequence(
        ...b.statuses.map((s) =>
          sequence(octetString(s.certHash), integer(s.certReqId), s.statusInfo ? encodeStatusInfo(s.statusInfo) : undefined, s.hashAlg ? explicit(0, s.hashAlg) : undefined),
        ),
      );
    case 'pollReq':
      return sequence(...b.certReqIds.map((id) => sequence(integer(id))));
    case 'pollRep':
      return sequence(...b.entries.map((e) => sequence(integer(e.certReqId), integer(e.checkAfter), e.reason?.length ? freeText(e.reason) : undefined)));
    case 'error':
      return sequence(
        encodeStatusInfo(b.status),
        b.errorCode !== undefined ? integer(b.errorCode) : undefined,
        b.errorDetails?.length ? freeText(b.errorDetails) : undefined,
      );
    case 'genm':
    case 'genp':
      return sequence(...b.items.map((i) => sequence(oid(i.type), i.value)));
    case 'unknown':
      throw new Error(`cannot encode body ${b.name}`);
  }
}

export function encodeBody(b: PkiBody): Uint8Array {
  return explicit(BODY_TAGS[b.type as BodyName], encodeBodyContent(b));
}

export function encodeProtectedPart(header: Uint8Array, body: Uint8Array): Uint8Array {
  return sequence(header, body);
}

/** PKIMessage from already encoded header and body (protection computed over exactly those bytes). */
export function assembleMessage(header: Uint8Array, body: Uint8Array, protection?: Uint8Array, extraCerts?: readonly Uint8Array[]): Uint8Array {
  return sequence(header, body, protection ? explicit(0, bitString(protection)) : undefined, extraCerts?.length ? explicit(1, sequence(...extraCerts)) : undefined);
}

export function encodeMessage(m: PkiMessage): Uint8Array {
  return assembleMessage(encodeHeader(m.header), encodeBody(m.body), m.protection, m.extraCerts);
}

// ---------------------------------------------------------------------------------------- decode

function inner(t: Tlv, what: string): Tlv {
  const c = children(t);
  if (c.length !== 1) throw new CmpDecodeError(`${what}: explicit tag must hold exactly one value`);
  return c[0]!;
}

const smallInt = (t: Tlv, what: string): number => {
  const v = readInteger(t);
  if (v < -(2n ** 31n) || v > 2n ** 31n - 1n) throw new CmpDecodeError(`${what}: integer out of range`);
  return Number(v);
};

function readFreeText(t: Tlv): string[] {
  if (t.tag !== 0x30) throw new CmpDecodeError('PKIFreeText must be a SEQUENCE');
  return children(t).map((s) => {
    if (s.tag !== 0x0c) throw new CmpDecodeError('PKIFreeText holds UTF8String only');
    return readString(s);
  });
}

export function decodeStatusInfo(t: Tlv): PkiStatusInfo {
  const r = new SeqReader(t);
  const out: PkiStatusInfo = { status: smallInt(r.next(0x02, 'status'), 'status') };
  const ss = r.optional(0x30);
  if (ss) out.statusString = readFreeText(ss);
  const fi = r.optional(0x03);
  if (fi) {
    const { bytes } = readBitString(fi);
    out.failInfo = [];
    for (let i = 0; i < bytes.length * 8; i++) if (bytes[i >> 3]! & (0x80 >> (i & 7))) out.failInfo.push(FAIL_NAMES[i] ?? (`bit${i}` as FailInfo));
  }
  r.end('PKIStatusInfo');
  return out;
}

function decodeHeader(t: Tlv): PkiHeader {
  const r = new SeqReader(t);
  const h: PkiHeader = { pvno: smallInt(r.next(0x02, 'pvno'), 'pvno'), sender: raw(r.next(undefined, 'sender')), recipient: raw(r.next(undefined, 'recipient')) };
  for (const x of [h.sender, h.recipient]) if ((x[0]! & 0xc0) !== 0x80) throw new CmpDecodeError('sender/recipient must be a GeneralName');
  let last = -1;
  while (!r.done) {
    const f = r.next();
    const n = f.tag & 0x1f;
    if (f.tag !== (0xa0 | n) || n > 8 || n <= last) throw new CmpDecodeError(`PKIHeader: unexpected field tag 0x${f.tag.toString(16)}`);
    last = n;
    const v = inner(f, 'PKIHeader');
    const octets = (): Uint8Array => content(expectOctets(v));
    switch (n) {
      case 0: h.messageTime = readTime(v); break;
      case 1: if (v.tag !== 0x30) throw new CmpDecodeError('protectionAlg must be an AlgorithmIdentifier'); h.protectionAlg = raw(v); break;
      case 2: h.senderKID = octets(); break;
      case 3: h.recipKID = octets(); break;
      case 4: h.transactionID = octets(); break;
      case 5: h.senderNonce = octets(); break;
      case 6: h.recipNonce = octets(); break;
      case 7: h.freeText = readFreeText(v); break;
      case 8: h.generalInfo = children(expectSeq(v)).map(decodeInfo); break;
    }
  }
  return h;
}

function expectOctets(t: Tlv): Tlv {
  if (t.tag !== 0x04) throw new CmpDecodeError('expected an OCTET STRING');
  return t;
}
function expectSeq(t: Tlv): Tlv {
  if (t.tag !== 0x30) throw new CmpDecodeError('expected a SEQUENCE');
  return t;
}

function decodeInfo(t: Tlv): InfoTypeAndValue {
  const r = new SeqReader(expectSeq(t));
  const out: InfoTypeAndValue = { type: readOid(r.next(0x06)) };
  if (!r.done) out.value = raw(r.next());
  r.end('InfoTypeAndValue');
  return out;
}

export function decodeTemplate(t: Tlv): CertTemplate {
  const out: CertTemplate = {};
  let last = -1;
  for (const f of children(expectSeq(t))) {
    const n = f.tag & 0x1f;
    if ((f.tag & 0xc0) !== 0x80 || n <= last || n > 9) throw new CmpDecodeError(`CertTemplate: unexpected field tag 0x${f.tag.toString(16)}`);
    last = n;
    const primitive = (f.tag & 0x20) === 0;
    switch (n) {
      case 0: if (!primitive) throw new CmpDecodeError('version'); out.version = smallInt(readSingle(tlv(0x02, content(f))), 'version'); break;
      case 1: if (!primitive) throw new CmpDecodeError('serialNumber'); out.serialNumber = integerContent(readSingle(tlv(0x02, content(f)))); break;
      case 2: if (primitive) throw new CmpDecodeError('signingAlg'); out.signingAlg = tlv(0x30, content(f)); break;
      case 3: if (primitive) throw new CmpDecodeError('issuer'); out.issuer = raw(expectSeq(inner(f, 'issuer'))); break;
      case 4: {
        if (primitive) throw new CmpDecodeError('validity');
        out.validity = {};
        for (const v of children(f)) {
          if (v.tag === 0xa0) out.validity.notBefore = readTime(inner(v, 'notBefore'));
          else if (v.tag === 0xa1) out.validity.notAfter = readTime(inner(v, 'notAfter'));
          else throw new CmpDecodeError('OptionalValidity: unexpected field');
        }
        break;
      }
      case 5: if (primitive) throw new CmpDecodeError('subject'); out.subject = raw(expectSeq(inner(f, 'subject'))); break;
      case 6: {
        if (primitive) throw new CmpDecodeError('publicKey');
        const spki = tlv(0x30, content(f));
        const r = new SeqReader(readSingle(spki));
        r.next(0x30, 'algorithm');
        r.next(0x03, 'subjectPublicKey');
        r.end('SubjectPublicKeyInfo');
        out.publicKey = spki;
        break;
      }
      case 9: {
        if (primitive) throw new CmpDecodeError('extensions');
        out.extensions = children(f).map((e) => raw(expectSeq(e)));
        break;
      }
      default:
        throw new CmpDecodeError(`CertTemplate field [${n}] is not supported`);
    }
  }
  return out;
}

function decodePopo(t: Tlv): ProofOfPossession {
  if (t.tag === 0x80) {
    if (t.end !== t.contentStart) throw new CmpDecodeError('raVerified must be NULL');
    return { type: 'raVerified' };
  }
  if (t.tag === 0xa1) {
    const r = new SeqReader(t);
    const withInput = !!r.optional(0xa0);
    const algorithm = raw(r.next(0x30, 'algorithmIdentifier'));
    const sig = readBitString(r.next(0x03, 'signature'));
    r.end('POPOSigningKey');
    if (sig.unusedBits) throw new CmpDecodeError('POP signature has unused bits');
    return { type: 'signature', algorithm, signature: sig.bytes, withInput };
  }
  if ((t.tag & 0xc0) !== 0x80) throw new CmpDecodeError('ProofOfPossession: not a context tag');
  return { type: 'other', tag: t.tag & 0x1f };
}

function decodeCertReqMsg(t: Tlv): CertReqMsg {
  const r = new SeqReader(expectSeq(t));
  const reqT = r.next(0x30, 'certReq');
  const rr = new SeqReader(reqT);
  const certReqId = smallInt(rr.next(0x02, 'certReqId'), 'certReqId');
  const template = decodeTemplate(rr.next(0x30, 'certTemplate'));
  rr.optional(0x30); // controls are ignored
  rr.end('CertRequest');
  const out: CertReqMsg = { certReqId, template, certReqDer: raw(reqT) };
  if (!r.done && r.peekTag() !== 0x30) out.popo = decodePopo(r.next());
  r.optional(0x30); // regInfo ignored
  r.end('CertReqMsg');
  return out;
}

function decodeCrlReason(exts: Tlv): number | undefined {
  for (const e of children(expectSeq(exts))) {
    const r = new SeqReader(expectSeq(e));
    const id = readOid(r.next(0x06));
    if (r.peekTag() === 0x01) readBoolean(r.next());
    const v = content(r.next(0x04));
    if (id === CMP_OID.cRLReason) {
      const en = readSingle(v, 0x0a);
      return smallInt(readSingle(tlv(0x02, content(en))), 'reasonCode');
    }
  }
  return undefined;
}

function decodeBody(t: Tlv): PkiBody {
  const n = t.tag & 0x1f;
  if (t.tag !== (0xa0 | n)) throw new CmpDecodeError('PKIBody must be a constructed context tag');
  const name = BODY_NAMES[n];
  const v = inner(t, 'PKIBody');
  const seq = (): Tlv[] => children(expectSeq(v));
  switch (name) {
    case 'ir':
    case 'cr':
    case 'kur':
      return { type: name, requests: seq().map(decodeCertReqMsg) };
    case 'ip':
    case 'cp':
    case 'kup': {
      const r = new SeqReader(expectSeq(v));
      const pubs = r.optional(0xa1);
      const responses = children(r.next(0x30, 'response')).map((x) => {
        const rr = new SeqReader(expectSeq(x));
        const resp: CertResponse = { certReqId: smallInt(rr.next(0x02), 'certReqId'), status: decodeStatusInfo(rr.next(0x30, 'status')) };
        const ckp = rr.optional(0x30);
        if (ckp) {
          const cr = new SeqReader(ckp);
          const c = cr.next();
          if (c.tag === 0xa0) resp.certificate = raw(expectSeq(inner(c, 'certificate')));
        }
        rr.optional(0x04);
        rr.end('CertResponse');
        return resp;
      });
      r.end('CertRepMessage');
      return { type: name, responses, caPubs: pubs ? children(expectSeq(inner(pubs, 'caPubs'))).map(raw) : undefined };
    }
    case 'p10cr':
      return { type: 'p10cr', csr: raw(expectSeq(v)) };
    case 'rr':
      return {
        type: 'rr',
        revocations: seq().map((x) => {
          const r = new SeqReader(expectSeq(x));
          const template = decodeTemplate(r.next(0x30, 'certDetails'));
          const ext = r.optional(0x30);
          r.end('RevDetails');
          return { template, reason: ext ? decodeCrlReason(ext) : undefined };
        }),
      };
    case 'rp': {
      const r = new SeqReader(expectSeq(v));
      const status = children(r.next(0x30, 'status')).map(decodeStatusInfo);
      const rc = r.optional(0xa0);
      const revCerts = rc
        ? children(expectSeq(inner(rc, 'revCerts'))).map((c) => {
            const cr = new SeqReader(expectSeq(c));
            const issuer = raw(cr.next());
            return { issuer, serialNumber: integerContent(cr.next(0x02)) };
          })
        : undefined;
      return { type: 'rp', status, revCerts };
    }
    case 'pkiconf':
      if (v.tag !== 0x05 || v.end !== v.contentStart) throw new CmpDecodeError('pkiconf must be NULL');
      return { type: 'pkiconf' };
    case 'certConf':
      return {
        type: 'certConf',
        statuses: seq().map((x) => {
          const r = new SeqReader(expectSeq(x));
          const s: CertStatus = { certHash: content(r.next(0x04, 'certHash')), certReqId: smallInt(r.next(0x02, 'certReqId'), 'certReqId') };
          const si = r.optional(0x30);
          if (si) s.statusInfo = decodeStatusInfo(si);
          const ha = r.optional(0xa0);
          if (ha) s.hashAlg = raw(expectSeq(inner(ha, 'hashAlg')));
          r.end('CertStatus');
          return s;
        }),
      };
    case 'pollReq':
      return { type: 'pollReq', certReqIds: seq().map((x) => smallInt(new SeqReader(expectSeq(x)).next(0x02), 'certReqId')) };
    case 'pollRep':
      return {
        type: 'pollRep',
        entries: seq().map((x) => {
          const r = new SeqReader(expectSeq(x));
          const e: { certReqId: number; checkAfter: number; reason?: string[] } = { certReqId: smallInt(r.next(0x02), 'certReqId'), checkAfter: smallInt(r.next(0x02), 'checkAfter') };
          const rs = r.optional(0x30);
          if (rs) e.reason = readFreeText(rs);
          return e;
        }),
      };
    case 'error': {
      const r = new SeqReader(expectSeq(v));
      const out: PkiBody = { type: 'error', status: decodeStatusInfo(r.next(0x30, 'pKIStatusInfo')) };
      const code = r.optional(0x02);
      if (code) out.errorCode = smallInt(code, 'errorCode');
      const det = r.optional(0x30);
      if (det) out.errorDetails = readFreeText(det);
      r.end('ErrorMsgContent');
      return out;
    }
    case 'genm':
    case 'genp':
      return { type: name, items: seq().map(decodeInfo) };
    default:
      return { type: 'unknown', name: name ?? `tag-${n}`, tag: n };
  }
}

/** Parses a DER PKIMessage strictly; throws CmpDecodeError / DerDecodeError on anything malformed. */
export function decodeMessage(der: Uint8Array): DecodedPkiMessage {
  try {
    const r = new SeqReader(readSingle(der, 0x30));
    const headerT = r.next(0x30, 'header');
    const bodyT = r.next(undefined, 'body');
    const header = decodeHeader(headerT);
    const body = decodeBody(bodyT);
    const out: DecodedPkiMessage = { header, body, protectedPart: encodeProtectedPart(raw(headerT), raw(bodyT)), der };
    const prot = r.optional(0xa0);
    if (prot) {
      const bs = readBitString(inner(prot, 'protection'));
      if (bs.unusedBits) throw new CmpDecodeError('protection has unused bits');
      out.protection = bs.bytes;
    }
    const extra = r.optional(0xa1);
    if (extra) out.extraCerts = children(expectSeq(inner(extra, 'extraCerts'))).map((c) => raw(expectSeq(c)));
    r.end('PKIMessage');
    return out;
  } catch (e) {
    if (e instanceof CmpDecodeError) throw e;
    if (e instanceof DerDecodeError) throw new CmpDecodeError(e.message);
    throw new CmpDecodeError(`malformed PKIMessage: ${(e as Error).message}`);
  }
}

