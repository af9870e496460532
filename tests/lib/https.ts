import https from 'node:https';

export interface HttpsResult<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

/** A small HTTPS client for tests: trusts the given CA, sends JSON or raw bodies, parses JSON answers. */
export function httpsRequest<T = any>(
  url: string,
  opts: { ca: string; method?: string; token?: string; json?: unknown; body?: string | Buffer; contentType?: string; cert?: string; key?: string } ,
): Promise<HttpsResult<T>> {
  return new Promise((resolve, reject) => {
    const body = opts.json !== undefined ? JSON.stringify(opts.json) : opts.body;
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (body !== undefined) headers['content-type'] = opts.contentType ?? (opts.json !== undefined ? 'application/json' : 'application/octet-stream');
    const req = https.request(url, { method: opts.method ?? (body !== undefined ? 'POST' : 'GET'), ca: opts.ca, headers, ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        if ((res.headers['content-type'] ?? '').includes('json')) {
          try {
            parsed = JSON.parse(text);
          } catch {
            /* keep text */
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed as T, text });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
