import https from 'node:https';

export interface RaClientOptions {
  /** https://host:8444 */
  baseUrl: string;
  /** PEM trust anchor for the RA's TLS certificate (the platform root). */
  ca: string;
  token?: string;
  /** Client certificate sign-in (mTLS) instead of a token. */
  cert?: string;
  key?: string;
  keepAlive?: boolean;
}

export interface RaResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Parsed JSON when the response is JSON. */
  json: any;  
}

/** Minimal HTTPS client for the RA API, shared by the officer CLI, tests and the benchmark. */
export class RaClient {
  private readonly agent: https.Agent;

  constructor(private readonly o: RaClientOptions) {
    this.agent = new https.Agent({ keepAlive: o.keepAlive ?? true, ca: o.ca, cert: o.cert, key: o.key, maxSockets: 64 });
  }

  request(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<RaResponse> {
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const headers: Record<string, string | number> = { Accept: 'application/json', ...extraHeaders };
    if (payload !== undefined) {
      headers['Content-Type'] ??= 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    if (this.o.token) headers.Authorization = `Bearer ${this.o.token}`;
    return new Promise((resolve, reject) => {
      const req = https.request(new URL(path, this.o.baseUrl), { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          let json: unknown;
          if (String(res.headers['content-type'] ?? '').includes('json')) {
            try {
              json = JSON.parse(buf.toString('utf8'));
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, json });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  get(path: string) {
    return this.request('GET', path);
  }
  post(path: string, body: unknown = {}) {
    return this.request('POST', path, body);
  }

  close(): void {
    this.agent.destroy();
  }
}
