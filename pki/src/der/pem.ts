/** PEM (RFC 7468) encode/decode. */

export class PemError extends Error {
  override name = 'PemError';
}

export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** All PEM blocks in text, in order. */
export function pemBlocks(text: string): { label: string; der: Uint8Array }[] {
  const out: { label: string; der: Uint8Array }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== m[3]) throw new PemError(`PEM label mismatch: BEGIN ${m[1]} / END ${m[3]}`);
    const body = m[2]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
      throw new PemError(`PEM block ${m[1]} has invalid base64`);
    }
    out.push({ label: m[1]!, der: new Uint8Array(Buffer.from(body, 'base64')) });
  }
  return out;
}

/** First PEM block whose label is one of `labels`. */
export function fromPem(text: string, labels: readonly string[]): Uint8Array {
  for (const b of pemBlocks(text)) if (labels.includes(b.label)) return b.der;
  throw new PemError(`no PEM block labelled ${labels.join(' or ')}`);
}

/** Accepts DER bytes, a PEM string, or PEM bytes; returns DER. */
export function derFromInput(input: Uint8Array | string, labels: readonly string[]): Uint8Array {
  if (typeof input === 'string') return fromPem(input, labels);
  // PEM bytes start with "-----" (possibly after whitespace); DER starts with a tag byte.
  let i = 0;
  while (i < input.length && (input[i] === 0x20 || input[i] === 0x0a || input[i] === 0x0d || input[i] === 0x09)) i++;
  if (input[i] === 0x2d) return fromPem(Buffer.from(input).toString('latin1'), labels);
  return input;
}
