/**
 * The status port's request handler (plain HTTP: every object served is signed, and TLS would
 * make clients check the TLS certificate's status through the very channel being checked):
 *   GET  /crl/<ca>.crl, /crl/<ca>-delta.crl   full and delta CRL (DER)
 *   GET  /ca/<ca>.crt                         CA certificate (AIA caIssuers)
 *   GET  /ocsp/<base64 request>, POST /ocsp   OCSP (RFC 6960 Appendix A)
 *   GET  /healthz
 * A bare node handler rather than a framework: OCSP is the hot path (thousands of requests/s).
 */
import type http from 'node:http';
import { handleOcspHttp, DEFAULT_MAX_REQUEST_SIZE } from '@emsoc/pki';
import type { StatusService } from './service.js';

const OCSP_BASE = '/ocsp';

function send(res: http.ServerResponse, status: number, type: string, body: Uint8Array | string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body as string), 'x-content-type-options': 'nosniff', ...headers });
  res.end(body);
}

/** Reads at most `limit` bytes; `undefined` when the body is larger (answered as malformedRequest). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export function statusRequestHandler(status: StatusService, opts: { maxOcspRequestSize?: number } = {}): http.RequestListener {
  const maxSize = opts.maxOcspRequestSize ?? DEFAULT_MAX_REQUEST_SIZE;
  const ocsp = async (req: http.IncomingMessage, res: http.ServerResponse, url: string) => {
    let body: Uint8Array | undefined;
    if (req.method === 'POST') {
      body = await readBody(req, maxSize);
      if (body === undefined) {
        const r = status.responder.malformed(`request larger than ${maxSize} bytes`);
        status.countResponse(r.responseStatus);
        send(res, 200, 'application/ocsp-response', r.der, { 'cache-control': 'no-store' });
        return;
      }
    }
    const out = await handleOcspHttp(status.responder, req.method ?? 'GET', url, body, { basePath: `${OCSP_BASE}/`, maxRequestSize: maxSize });
    if (out.result) status.countResponse(out.result.responseStatus);
    send(res, out.status, out.contentType, out.body, out.headers);
  };

  return (req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    const fail = (e: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy(e as Error);
    };
    try {
      if (path === OCSP_BASE || path.startsWith(`${OCSP_BASE}/`)) {
        // GET with an empty path is not a request at all; POST may use /ocsp or /ocsp/.
        if (req.method === 'GET' && (path === OCSP_BASE || path === `${OCSP_BASE}/`)) {
          send(res, 200, 'application/ocsp-response', status.responder.malformed('GET without a request').der, { 'cache-control': 'no-store' });
          return;
        }
        ocsp(req, res, path === OCSP_BASE ? `${OCSP_BASE}/` : url).catch(fail);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });
        return;
      }
      let m = /^\/crl\/([a-z0-9-]+?)(-delta)?\.crl$/.exec(path);
      if (m) {
        const p = status.publisher(m[1]!);
        const crl = m[2] ? p?.delta : p?.full;
        if (!crl) return send(res, 404, 'text/plain', 'not found\n');
        const maxAge = m[2] ? status.options.maxPropagationSeconds : Math.min(300, status.options.maxPropagationSeconds);
        return send(res, 200, 'application/pkix-crl', crl.der, {
          'cache-control': `public, max-age=${maxAge}`,
          'last-modified': crl.thisUpdate.toUTCString(),
          expires: crl.nextUpdate.toUTCString(),
        });
      }
      m = /^\/ca\/([a-z0-9-]+)\.crt$/.exec(path);
      if (m) {
        const a = status.authority(m[1]!);
        if (!a) return send(res, 404, 'text/plain', 'not found\n');
        return send(res, 200, 'application/pkix-cert', a.certificateDer, { 'cache-control': 'public, max-age=3600' });
      }
      if (path === '/healthz') return send(res, 200, 'application/json', JSON.stringify({ status: 'ok', service: 'ra-status' }));
      send(res, 404, 'text/plain', 'not found\n');
    } catch (e) {
      fail(e);
    }
  };
}
