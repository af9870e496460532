import { pemBlocks } from '../der/index.js';

/**
 * GETs (or POSTs) `url` and returns the body, refusing a status other than 200, a redirect, and a body over
 * `maxBytes` (checked against the declared length first, then while reading): status objects come from
 * servers a relying party does not control.
 */
export async function fetchBounded(url: string, o: { timeoutMs: number; maxBytes: number; init?: RequestInit }): Promise<Uint8Array> {
  const r = await fetch(url, { ...o.init, signal: AbortSignal.timeout(o.timeoutMs), redirect: 'error' });
  if (r.status !== 200) {
    await r.body?.cancel();
    throw new Error(`HTTP ${r.status}`);
  }
  if (Number(r.headers.get('content-length') ?? 0) > o.maxBytes) {
    await r.body?.cancel();
    throw new Error(`response larger than ${o.maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) {
    size += c.length;
    if (size > o.maxBytes) throw new Error(`response larger than ${o.maxBytes} bytes`);
    chunks.push(c);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** A CRL as served: DER, or PEM (some CDPs serve `-----BEGIN X509 CRL-----`). */
export function crlDer(body: Uint8Array): Uint8Array {
  if (body[0] === 0x30) return body;
  const pem = pemBlocks(Buffer.from(body).toString('latin1')).find((b) => b.label === 'X509 CRL');
  if (!pem) throw new Error('neither a DER nor a PEM CRL');
  return pem.der;
}
