/**
 * OCSP over HTTP (RFC 6960 Appendix A, RFC 5019 §5) as a pure function, so any server framework
 * can mount it: GET carries the base64 request in the path, POST carries DER in the body.
 */
import { createHash } from 'node:crypto';
import { OcspRequestError, decodeGetRequest } from './request.js';
import type { OcspResponder, OcspResult } from './responder.js';

export interface OcspHttpResponse {
  status: number;
  contentType: string;
  body: Uint8Array;
  headers: Record<string, string>;
  result?: OcspResult;
}

export interface OcspHttpOptions {
  /** Path prefix the responder is mounted at (default "/"). */
  basePath?: string;
  maxRequestSize?: number;
}

const OCSP_RESPONSE = 'application/ocsp-response';

function ocspReply(result: OcspResult, forGet: boolean): OcspHttpResponse {
  const headers: Record<string, string> = {};
  // RFC 5019 §6: nonce-free GET responses may be cached by intermediaries until nextUpdate.
  if (forGet && result.responseStatus === 'successful' && !result.nonce && result.producedAt && result.nextUpdate) {
    const maxAge = Math.max(0, Math.floor((result.nextUpdate.getTime() - Date.now()) / 1000));
    headers['cache-control'] = `max-age=${maxAge}, public, no-transform, must-revalidate`;
    headers['last-modified'] = result.producedAt.toUTCString();
    headers['expires'] = result.nextUpdate.toUTCString();
    headers['etag'] = `"${createHash('sha1').update(result.der).digest('hex')}"`;
  } else {
    headers['cache-control'] = 'no-store';
  }
  return { status: 200, contentType: OCSP_RESPONSE, body: result.der, headers, result };
}

export async function handleOcspHttp(
  responder: OcspResponder,
  method: string,
  url: string,
  body: Uint8Array | undefined,
  options: OcspHttpOptions = {},
): Promise<OcspHttpResponse> {
  const m = method.toUpperCase();
  if (m === 'POST') {
    return ocspReply(await responder.respond(body ?? new Uint8Array(0)), false);
  }
  if (m === 'GET') {
    const base = options.basePath ?? '/';
    let path = url;
    const q = path.indexOf('?');
    if (q >= 0) path = path.slice(0, q);
    if (!path.startsWith(base)) return { status: 404, contentType: 'text/plain', body: new TextEncoder().encode('not found\n'), headers: {} };
    let der: Uint8Array;
    try {
      der = decodeGetRequest(path.slice(base.length), options.maxRequestSize);
    } catch (e) {
      if (!(e instanceof OcspRequestError)) throw e;
      return ocspReply(responder.malformed(e.message), false);
    }
    return ocspReply(await responder.respond(der), true);
  }
  return { status: 405, contentType: 'text/plain', body: new TextEncoder().encode('method not allowed\n'), headers: { allow: 'GET, POST' } };
}
