/**
 * JWS with detached, unencoded payload (RFC 7515 Appendix F + RFC 7797 `b64:false`), ES256 only.
 * The payload is the canonical JSON of the message (RFC 8785); the compact form travels as
 * `<protected>..<signature>` next to the message, so the message stays plain, queryable JSON.
 * The protected header carries the signer's certificate chain (`x5c`, leaf first).
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';

export class JwsError extends Error {
  override name = 'JwsError';
}

export interface JwsHeader {
  alg: 'ES256';
  b64: false;
  crit: ['b64'];
  typ: string;
  x5c: string[];
  'x5t#S256': string;
}

export const JWS_TYP = 'emsoc-uplink+jws';

const b64url = (b: Buffer) => b.toString('base64url');

function signingInput(protectedB64: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(protectedB64 + '.', 'ascii'), payload]);
}

/** Signs `payload` (bytes as sent) with a P-256 key; `chainDer` is the signer certificate first. */
export function signDetached(payload: Buffer, privateKey: KeyObject, chainDer: Buffer[]): string {
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new JwsError('ES256 needs a P-256 key');
  }
  const header: JwsHeader = {
    alg: 'ES256',
    b64: false,
    crit: ['b64'],
    typ: JWS_TYP,
    x5c: chainDer.map((d) => d.toString('base64')),
    'x5t#S256': b64url(createHash('sha256').update(chainDer[0]!).digest()),
  };
  const protectedB64 = b64url(Buffer.from(JSON.stringify(header)));
  const sig = sign('sha256', signingInput(protectedB64, payload), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${protectedB64}..${b64url(sig)}`;
}

export interface ParsedJws {
  header: JwsHeader;
  protectedB64: string;
  signature: Buffer;
  /** x5c decoded, leaf first. */
  chain: Buffer[];
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Parses and checks the header (algorithm pinned: no `none`, no HMAC, no key from the header but x5c). */
export function parseDetachedJws(compact: unknown): ParsedJws {
  if (typeof compact !== 'string' || compact.length > 64 * 1024) throw new JwsError('signature missing or too long');
  const parts = compact.split('.');
  if (parts.length !== 3 || parts[1] !== '') throw new JwsError('not a detached compact JWS (header..signature)');
  const [protectedB64, , sigB64] = parts as [string, string, string];
  if (!B64URL.test(protectedB64) || !B64URL.test(sigB64)) throw new JwsError('JWS parts are not base64url');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(protectedB64, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new JwsError('JWS protected header is not JSON');
  }
  if (header === null || typeof header !== 'object') throw new JwsError('JWS protected header is not an object');
  if (header.alg !== 'ES256') throw new JwsError(`unsupported JWS algorithm ${JSON.stringify(header.alg)} (ES256 required)`);
  if (header.b64 !== false || !Array.isArray(header.crit) || header.crit.length !== 1 || header.crit[0] !== 'b64') {
    throw new JwsError('JWS must use the unencoded payload option (b64:false, crit:["b64"])');
  }
  if (header.typ !== JWS_TYP) throw new JwsError(`unexpected JWS typ ${JSON.stringify(header.typ)}`);
  if (!Array.isArray(header.x5c) || header.x5c.length < 1 || header.x5c.length > 5 || !header.x5c.every((c) => typeof c === 'string')) {
    throw new JwsError('JWS header must carry the signer certificate chain (x5c)');
  }
  const chain = (header.x5c as string[]).map((c) => Buffer.from(c, 'base64'));
  const thumb = b64url(createHash('sha256').update(chain[0]!).digest());
  if (header['x5t#S256'] !== thumb) throw new JwsError('x5t#S256 does not match the signer certificate');
  const signature = Buffer.from(sigB64, 'base64url');
  if (signature.length !== 64) throw new JwsError('ES256 signature must be 64 bytes');
  return { header: header as unknown as JwsHeader, protectedB64, signature, chain };
}

/** True when `signature` is valid over `payload` for the public key. */
export function verifyDetached(jws: ParsedJws, payload: Buffer, publicKey: KeyObject): boolean {
  const key = publicKey;
  try {
    return verify('sha256', signingInput(jws.protectedB64, payload), { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
  } catch {
    return false;
  }
}
