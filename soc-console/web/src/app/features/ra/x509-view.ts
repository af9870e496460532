// A small read-only X.509 decoder for the certificate detail view: subject/issuer, validity, SANs and the
// extensions, from the PEM the RA returns. Display only — trust decisions are the RA's and the CA's. Bad
// input throws a DerError (the view shows "cannot decode") and never loops or reads out of bounds.

export class DerError extends Error {}

interface Tlv {
  tag: number;
  start: number;
  end: number;
  next: number;
}

function readTlv(b: Uint8Array, at: number, limit = b.length): Tlv {
  if (at + 2 > limit) throw new DerError('truncated');
  const tag = b[at]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers not supported');
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new DerError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new DerError('length beyond input');
  return { tag, start, end, next: end };
}

function children(b: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = readTlv(b, at, parent.end);
    out.push(t);
    at = t.next;
  }
  return out;
}

function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`expected ${what}`);
  return t;
}

export function decodeOid(b: Uint8Array, t: Tlv): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const hex = (b: Uint8Array, t: Tlv) => Array.from(b.subarray(t.start, t.end), (x) => x.toString(16).padStart(2, '0')).join('');

function decodeString(b: Uint8Array, t: Tlv): string {
  const bytes = b.subarray(t.start, t.end);
  switch (t.tag) {
    case 0x0c:
      return new TextDecoder('utf-8').decode(bytes);
    case 0x1e: {
      let s = '';
      for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
      return s;
    }
    case 0x1c: {
      let s = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) s += String.fromCodePoint(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
      return s;
    }
    case 0x13:
    case 0x16:
    case 0x14:
    case 0x12:
      return Array.from(bytes, (x) => String.fromCharCode(x)).join('');
    default:
      return `#${hex(b, t)}`;
  }
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

/** RFC 4514-style text, most significant RDN first as written in the certificate (C=CN, O=…, CN=…). */
function decodeName(b: Uint8Array, name: Tlv): string {
  return children(b, expect(name, 0x30, 'Name'))
    .map((rdn) =>
      children(b, expect(rdn, 0x31, 'RDN'))
        .map((atv) => {
          const [type, value] = children(b, expect(atv, 0x30, 'AttributeTypeAndValue'));
          const oid = decodeOid(b, expect(type, 0x06, 'attribute type'));
          if (!value) throw new DerError('attribute without value');
          return `${ATTRIBUTE_NAMES[oid] ?? oid}=${decodeString(b, value)}`;
        })
        .join('+'),
    )
    .join(', ');
}

function decodeTime(b: Uint8Array, t: Tlv): string {
  const s = Array.from(b.subarray(t.start, t.end), (x) => String.fromCharCode(x)).join('');
  const m = t.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) throw new DerError('bad time');
  const year = t.tag === 0x17 ? (Number(m[1]) >= 50 ? 1900 : 2000) + Number(m[1]) : Number(m[1]);
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))).toISOString();
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length === 16) {
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    return words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
}

export interface SanView {
  type: 'dns' | 'ip' | 'email' | 'uri' | 'dirName' | 'other';
  value: string;
}

function decodeGeneralNames(b: Uint8Array, seq: Tlv): SanView[] {
  return children(b, expect(seq, 0x30, 'GeneralNames')).map((gn) => {
    const ascii = () => Array.from(b.subarray(gn.start, gn.end), (x) => String.fromCharCode(x)).join('');
    switch (gn.tag) {
      case 0x82:
        return { type: 'dns', value: ascii() };
      case 0x81:
        return { type: 'email', value: ascii() };
      case 0x86:
        return { type: 'uri', value: ascii() };
      case 0x87:
        return { type: 'ip', value: ipText(b.subarray(gn.start, gn.end)) };
      case 0xa4:
        return { type: 'dirName', value: decodeName(b, readTlv(b, gn.start, gn.end)) };
      default:
        return { type: 'other', value: `[${gn.tag & 0x1f}] ${hex(b, gn)}` };
    }
  });
}

const EXTENSION_NAMES: Record<string, string> = {
  '2.5.29.14': 'subjectKeyIdentifier',
  '2.5.29.15': 'keyUsage',
  '2.5.29.17': 'subjectAltName',
  '2.5.29.19': 'basicConstraints',
  '2.5.29.31': 'cRLDistributionPoints',
  '2.5.29.32': 'certificatePolicies',
  '2.5.29.35': 'authorityKeyIdentifier',
  '2.5.29.37': 'extKeyUsage',
  '1.3.6.1.5.5.7.1.1': 'authorityInfoAccess',
};
const KEY_USAGES = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];
const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};

export interface ExtensionView {
  oid: string;
  name: string;
  critical: boolean;
  /** Human-readable value for the extensions this view knows, else hex. */
  value: string;
}

function describeExtension(b: Uint8Array, oid: string, inner: Tlv): string {
  switch (oid) {
    case '2.5.29.15': {
      const bs = expect(inner, 0x03, 'BIT STRING');
      const bits: string[] = [];
      for (let i = 0; i < (bs.end - bs.start - 1) * 8; i++) if (b[bs.start + 1 + (i >> 3)]! & (0x80 >> (i & 7))) bits.push(KEY_USAGES[i] ?? `bit${i}`);
      return bits.join(', ');
    }
    case '2.5.29.19': {
      const parts = children(b, expect(inner, 0x30, 'BasicConstraints'));
      const ca = parts[0]?.tag === 0x01 && b[parts[0].start] !== 0;
      const pl = parts.find((p) => p.tag === 0x02);
      return `CA=${ca}${pl ? `, pathLen=${parseInt(hex(b, pl), 16)}` : ''}`;
    }
    case '2.5.29.37':
      return children(b, expect(inner, 0x30, 'ExtKeyUsage'))
        .map((o) => {
          const id = decodeOid(b, o);
          return EKU_NAMES[id] ?? id;
        })
        .join(', ');
    case '2.5.29.17':
      return decodeGeneralNames(b, inner)
        .map((s) => `${s.type}:${s.value}`)
        .join(', ');
    case '2.5.29.14':
      return hex(b, expect(inner, 0x04, 'KeyIdentifier'));
    default:
      return hex(b, inner);
  }
}

export interface CertificateView {
  serial: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  signatureAlgorithm: string;
  sans: SanView[];
  extensions: ExtensionView[];
}

const SIG_ALGS: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.156.10197.1.501': 'SM2-with-SM3',
  '1.3.101.112': 'Ed25519',
};

export function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new DerError('no certificate in PEM');
  const bin = atob(m[1]!.replace(/\s+/g, ''));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Every certificate in a PEM bundle (the chain). */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

export function decodeCertificate(der: Uint8Array): CertificateView {
  const cert = expect(readTlv(der, 0), 0x30, 'Certificate');
  const [tbs] = children(der, cert);
  const f = children(der, expect(tbs, 0x30, 'TBSCertificate'));
  let i = f[0]?.tag === 0xa0 ? 1 : 0;
  const serial = expect(f[i++], 0x02, 'serialNumber');
  const sigAlg = children(der, expect(f[i++], 0x30, 'signature'))[0];
  const issuer = f[i++]!;
  const validity = children(der, expect(f[i++], 0x30, 'Validity'));
  const subject = f[i++]!;
  i++; // subjectPublicKeyInfo
  const extensions: ExtensionView[] = [];
  let sans: SanView[] = [];
  for (; i < f.length; i++) {
    if (f[i]!.tag !== 0xa3) continue;
    const list = expect(readTlv(der, f[i]!.start, f[i]!.end), 0x30, 'Extensions');
    for (const ext of children(der, list)) {
      const parts = children(der, expect(ext, 0x30, 'Extension'));
      const oid = decodeOid(der, expect(parts[0], 0x06, 'extnID'));
      const critical = parts[1]?.tag === 0x01 && der[parts[1].start] !== 0;
      const octets = expect(parts[parts.length - 1], 0x04, 'extnValue');
      const inner = readTlv(der, octets.start, octets.end);
      let value: string;
      try {
        value = describeExtension(der, oid, inner);
        if (oid === '2.5.29.17') sans = decodeGeneralNames(der, inner);
      } catch {
        value = hex(der, octets);
      }
      extensions.push({ oid, name: EXTENSION_NAMES[oid] ?? oid, critical, value });
    }
  }
  const sigOid = sigAlg ? decodeOid(der, expect(sigAlg, 0x06, 'algorithm')) : '';
  return {
    serial: hex(der, serial).replace(/^00(?=[89a-f])/, ''),
    subject: decodeName(der, subject),
    issuer: decodeName(der, issuer),
    notBefore: decodeTime(der, validity[0]!),
    notAfter: decodeTime(der, validity[1]!),
    signatureAlgorithm: SIG_ALGS[sigOid] ?? sigOid,
    sans,
    extensions,
  };
}
