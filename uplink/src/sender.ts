/**
 * Delivers the outbox to the superior unit over HTTPS with mutual TLS, in sequence order, in batches.
 * A message leaves the outbox only when the receiver says it is stored (accepted) or already was
 * (duplicate): at-least-once on the wire, exactly once at the receiver (which deduplicates by id).
 * Failures back off exponentially (with jitter) at the head of the queue, so order is kept.
 */
import https from 'node:https';
import type { Logger } from 'pino';
import { counter, gauge } from '@emsoc/common/metrics';
import type { Outbox } from './outbox.js';

const sent = counter('emsoc_uplink_sent_total', 'Uplink messages acknowledged by the superior unit', ['outcome']);
const failures = counter('emsoc_uplink_send_failures_total', 'Failed uplink delivery attempts', ['cause']);
const pendingGauge = gauge('emsoc_uplink_outbox_pending', 'Uplink messages waiting for acknowledgement');

export interface ItemResult {
  id: string;
  seq?: number;
  status: 'accepted' | 'duplicate' | 'refused' | 'skipped';
  reason?: string;
  code?: string;
  retryable?: boolean;
}

export interface SenderOptions {
  outbox: Outbox;
  url: string;
  ca: string;
  cert: string;
  key: string;
  logger: Logger;
  initialMs: number;
  maxMs: number;
  batchSize: number;
  timeoutMs?: number;
}

export class UplinkSender {
  private readonly agent: https.Agent;
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly endpoint: URL;
  lastError: string | null = null;
  lastSuccessAt: string | null = null;

  constructor(private readonly o: SenderOptions) {
    this.endpoint = new URL('/api/v1/uplink/reports', o.url);
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: o.ca, cert: o.cert, key: o.key, minVersion: 'TLSv1.2' });
    o.outbox.onEnqueue(() => this.wake?.());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.agent.destroy();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private backoff(attempts: number): number {
    const base = Math.min(this.o.maxMs, this.o.initialMs * 2 ** Math.min(attempts - 1, 30));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let next: ReturnType<Outbox['due']>;
      try {
        next = this.o.outbox.due(this.o.batchSize);
        pendingGauge.set(this.o.outbox.counts().pending);
      } catch (e) {
        this.o.logger.error({ err: String(e) }, 'uplink outbox unreadable');
        await this.sleep(this.o.maxMs);
        continue;
      }
      if (!next) {
        await this.sleep(60_000);
        continue;
      }
      if ('waitMs' in next) {
        await this.sleep(next.waitMs);
        continue;
      }
      await this.deliver(next.batch);
    }
  }

  /** One POST of a batch; applies the per-item answers in order. */
  async deliver(batch: { seq: number; envelope: unknown }[]): Promise<void> {
    const head = batch[0]!.seq;
    let results: ItemResult[];
    try {
      results = await this.post(batch.length === 1 ? batch[0]!.envelope : { reports: batch.map((b) => b.envelope) });
    } catch (e) {
      const msg = (e as Error).message;
      failures.inc({ cause: (e as { cause?: string }).cause ?? 'network' });
      const attempts = this.o.outbox.retryLater(head, msg, (n) => this.backoff(n));
      if (this.lastError !== msg) this.o.logger.warn({ err: msg, seq: head, attempts }, 'uplink delivery failed; will retry');
      this.lastError = msg;
      return;
    }
    this.lastError = null;
    this.lastSuccessAt = new Date().toISOString();
    for (let i = 0; i < batch.length; i++) {
      const { seq } = batch[i]!;
      const r = results[i];
      if (r && (r.status === 'accepted' || r.status === 'duplicate')) {
        this.o.outbox.ack(seq);
        sent.inc({ outcome: r.status });
        continue;
      }
      if (r && r.status === 'refused' && r.retryable === false) {
        this.o.outbox.reject(seq, `${r.code ?? 'refused'}: ${r.reason ?? ''}`);
        sent.inc({ outcome: 'rejected' });
        this.o.logger.error({ seq, id: r.id, code: r.code, reason: r.reason }, 'the superior unit refused an uplink message for good');
        continue;
      }
      // Retryable refusal (or not processed): keep order, retry from here later.
      const reason = r ? `${r.code ?? r.status}: ${r.reason ?? ''}` : 'no answer for this item';
      failures.inc({ cause: r?.code ?? 'skipped' });
      this.o.outbox.retryLater(seq, reason, (n) => this.backoff(n));
      this.lastError = reason;
      if (r?.status === 'refused') this.o.logger.warn({ seq, code: r.code, reason: r.reason }, 'uplink message refused for now; will retry');
      return;
    }
  }

  private post(body: unknown): Promise<ItemResult[]> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        this.endpoint,
        { method: 'POST', agent: this.agent, timeout: this.o.timeoutMs ?? 30_000, headers: { 'content-type': 'application/json', 'content-length': payload.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let parsed: { results?: ItemResult[]; error?: string; code?: string; retryable?: boolean } | undefined;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              parsed = undefined;
            }
            if (parsed && Array.isArray(parsed.results)) return resolve(parsed.results);
            const err = new Error(`HTTP ${res.statusCode}: ${parsed?.error ?? 'unexpected answer'}`) as Error & { cause?: string };
            err.cause = `http_${res.statusCode}`;
            reject(err);
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
