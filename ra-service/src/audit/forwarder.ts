import fs from 'node:fs';
import https from 'node:https';
import type { Logger } from 'pino';
import { counter, gauge, stableId } from '@emsoc/common';
import type { RaRepository } from '../store/repository.js';
import type { AuditRecord } from './chain.js';

const forwarded = counter('emsoc_ra_audit_forwarded_total', 'Audit records accepted by the collector');
const failures = counter('emsoc_ra_audit_forward_failures_total', 'Failed attempts to forward audit records', ['cause']);
const lag = gauge('emsoc_ra_audit_forward_lag', 'Audit records not yet accepted by the collector');

export interface ForwarderOptions {
  repo: RaRepository;
  /** https://<host>:<collector.http.port>/api/v1/ingest */
  url: string;
  /** File holding the Bearer token (re-read on every attempt so rotation needs no restart). */
  tokenFile: string;
  /** Trust anchor(s) for the collector's certificate (PEM). */
  ca: string | string[];
  logger: Logger;
  host?: string;
  unit?: string;
  batchSize?: number;
  cursorName?: string;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Poll interval when idle (new records also wake the forwarder immediately). */
  idleMs?: number;
}

const CATEGORY: Record<string, string[]> = {
  request: ['configuration'],
  certificate: ['configuration'],
  subject: ['iam'],
  access: ['authentication'],
  audit: ['database'],
  crl: ['configuration'],
};

/** One audit record as an ECS document; event.id is derived from the record so a resend overwrites. */
export function toEcs(r: AuditRecord, o: { host?: string; unit?: string } = {}): Record<string, unknown> {
  const details = JSON.parse(r.details) as Record<string, unknown>;
  const requestId = (details.requestId as string | undefined) ?? (r.objectType === 'request' ? r.objectId : undefined);
  const serial = (details.serial as string | undefined) ?? (r.objectType === 'certificate' ? r.objectId : undefined);
  return {
    '@timestamp': r.at,
    message: `${r.eventType} ${r.objectType} ${r.objectId} by ${r.actorName}: ${r.outcome}`,
    event: {
      id: stableId('ra.audit', o.unit ?? '', r.seq, r.hash),
      kind: 'event',
      module: 'ra',
      dataset: 'ra.audit',
      action: r.eventType,
      outcome: r.outcome,
      category: CATEGORY[r.objectType] ?? ['configuration'],
      sequence: r.seq,
      created: r.at,
    },
    user: { id: r.actorId, name: r.actorName, roles: r.actorRoles ? r.actorRoles.split(',') : [] },
    ...(r.sourceIp ? { source: { ip: r.sourceIp } } : {}),
    ...(o.host ? { host: { name: o.host } } : {}),
    observer: { type: 'registration-authority', product: 'emsoc-ra', ...(o.unit ? { name: o.unit } : {}) },
    ra: {
      ...(requestId ? { request: { id: requestId } } : {}),
      ...(serial ? { certificate: { serial } } : {}),
      object: { type: r.objectType, id: r.objectId },
      audit: { seq: r.seq, hash: r.hash, prev_hash: r.prevHash },
      details,
    },
  };
}

/**
 * Ships audit records to the collector as NDJSON in sequence order. The cursor (last sequence number
 * the collector acknowledged) lives in the RA database, so a crash or a collector outage loses
 * nothing: the forwarder resumes after the cursor and retries with exponential backoff. Delivery is
 * at-least-once; the deterministic event.id makes duplicates harmless.
 */
export class AuditForwarder {
  private readonly agent: https.Agent;
  private readonly url: URL;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private backoff: number;
  /** Last acknowledged sequence number (mirrors the durable cursor). */
  acknowledged = 0;

  constructor(private readonly o: ForwarderOptions) {
    this.url = new URL(o.url);
    if (this.url.protocol !== 'https:') throw new Error('audit forwarding requires an https:// ingest URL');
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: o.ca, minVersion: 'TLSv1.2' });
    this.backoff = o.minBackoffMs ?? 1000;
    o.repo.onAudit(() => this.wake?.());
  }

  start(): void {
    this.loop ??= this.run();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private async run(): Promise<void> {
    const name = this.o.cursorName ?? 'collector';
    this.acknowledged = await this.o.repo.cursor(name);
    while (!this.stopped) {
      let batch: AuditRecord[];
      try {
        batch = await this.o.repo.listAudit({ afterSeq: this.acknowledged, limit: this.o.batchSize ?? 500 });
        const head = await this.o.repo.auditHead();
        lag.set(head.seq - this.acknowledged);
      } catch (e) {
        this.o.logger.error({ err: e }, 'cannot read audit records');
        await this.sleep(this.o.maxBackoffMs ?? 60_000);
        continue;
      }
      if (batch.length === 0) {
        await this.sleep(this.o.idleMs ?? 5000);
        continue;
      }
      const body = batch.map((r) => JSON.stringify(toEcs(r, this.o))).join('\n') + '\n';
      const cause = await this.post(body);
      if (cause) {
        failures.inc({ cause });
        this.o.logger.warn({ cause, retryInMs: this.backoff, pending: batch.length }, 'audit forwarding failed; will retry');
        await this.sleep(this.backoff * (0.75 + Math.random() * 0.5));
        this.backoff = Math.min(this.backoff * 2, this.o.maxBackoffMs ?? 60_000);
        continue;
      }
      const last = batch[batch.length - 1]!.seq;
      await this.o.repo.tx(async (w) => w.setCursor(name, last));
      this.acknowledged = last;
      forwarded.inc(batch.length);
      this.backoff = this.o.minBackoffMs ?? 1000;
    }
  }

  /** undefined on success, otherwise a short cause for metrics. */
  private post(body: string): Promise<string | undefined> {
    let token: string;
    try {
      token = fs.readFileSync(this.o.tokenFile, 'utf8').trim();
    } catch {
      return Promise.resolve('token-file');
    }
    return new Promise((resolve) => {
      const req = https.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: 30_000,
          headers: { 'Content-Type': 'application/x-ndjson', 'Content-Length': Buffer.byteLength(body), Authorization: `Bearer ${token}` },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode && res.statusCode >= 200 && res.statusCode < 300 ? undefined : `http-${res.statusCode}`));
          res.on('error', () => resolve('response'));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? 'network'));
      req.end(body);
    });
  }

  /** Forwards what is pending (best effort) and stops. */
  async close(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop?.catch(() => undefined);
    this.agent.destroy();
  }
}
