/**
 * Fluent Forward server over TLS. Per connection, bytes are cut into MessagePack objects by
 * `scanMsgpack` (bounded size and depth before anything is decoded), decoded into entries, mapped to ECS
 * and spooled in order. The `{ack: chunk}` answer is written only after the entries are in the spool;
 * while the spool is full the socket is paused, so the client's unacked chunks wait on its side.
 * A malformed message is counted and kept raw in the dead-letter dataset; since the byte stream can no
 * longer be trusted to be in sync, the connection is then closed (the client reconnects and resends).
 */
import tls from 'node:tls';
import type { Logger } from 'pino';
import { encode } from '@msgpack/msgpack';
import type { EcsDocument } from '@emsoc/event-store/contract';
import type { EventPipeline } from '../../pipeline/event-pipeline.js';
import { deadLetter } from '../../pipeline/deadletter.js';
import { sourceMetrics } from '../../pipeline/metrics.js';
import type { Enrichment } from '../../transforms/index.js';
import { scanMsgpack } from './msgpack-scan.js';
import { decodeForwardMessage, DEFAULT_FORWARD_LIMITS, ForwardProtocolError, type ForwardLimits } from './protocol.js';
import { forwardEntryToEcs } from './ecs.js';

const SOURCE = 'forward';

export interface ForwardListenerOptions {
  host: string;
  port: number;
  tls: tls.SecureContextOptions;
  /** Ask clients for a certificate; refuse those without a valid one when true. */
  requireClientCert?: boolean;
  pipeline: EventPipeline;
  logger: Logger;
  enrichment?: Enrichment;
  limits?: Partial<ForwardLimits>;
  /** Idle connections are closed after this (default 15 min). */
  idleTimeoutMs?: number;
}

export async function listenForward(opts: ForwardListenerOptions): Promise<tls.Server> {
  const limits: ForwardLimits = { ...DEFAULT_FORWARD_LIMITS, ...opts.limits };
  const server = tls.createServer({ ...opts.tls, requestCert: true, rejectUnauthorized: opts.requireClientCert ?? false }, (socket) =>
    handleConnection(socket, opts, limits),
  );
  server.on('tlsClientError', (err) => opts.logger.debug({ err: String(err) }, 'forward TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

function handleConnection(socket: tls.TLSSocket, opts: ForwardListenerOptions, limits: ForwardLimits): void {
  const m = sourceMetrics(SOURCE);
  m.connections.inc();
  const peer = socket.authorized ? socket.getPeerCertificate() : undefined;
  const receipt = {
    remoteAddress: socket.remoteAddress ?? '',
    ...(peer?.fingerprint256 ? { clientCertificate: peer.fingerprint256.replace(/:/g, '').toLowerCase() } : {}),
  };
  let buf: Buffer = Buffer.alloc(0);
  /** Bytes the current incomplete object needs before scanning again is worthwhile. */
  let need = 0;
  let busy = false;
  let closed = false;

  const fail = (raw: Buffer, reason: string) => {
    m.malformed.inc();
    opts.pipeline.submit(SOURCE, [deadLetter(SOURCE, raw.subarray(0, 65536), `forward: ${reason}`)]);
    opts.logger.warn({ remote: receipt.remoteAddress, reason }, 'malformed forward message; connection closed');
    closed = true;
    socket.destroy();
  };

  const spool = async (docs: EcsDocument[]): Promise<void> => {
    if (opts.pipeline.submit(SOURCE, docs)) return;
    // Spool full: stop reading until there is room; the client's ack wait is the backpressure.
    socket.pause();
    m.backpressure.inc();
    m.queued.inc(docs.length);
    try {
      while (!closed && !opts.pipeline.submit(SOURCE, docs)) await opts.pipeline.waitForRoom();
    } finally {
      m.queued.dec(docs.length);
    }
    if (!closed) socket.resume();
  };

  const drain = async () => {
    if (busy) return;
    busy = true;
    try {
      while (!closed && buf.length > 0 && buf.length >= need) {
        const r = scanMsgpack(buf, 0, limits);
        if (r.kind === 'incomplete') {
          need = r.need;
          break;
        }
        if (r.kind === 'invalid') return fail(buf, r.reason);
        const raw = buf.subarray(0, r.end);
        buf = buf.subarray(r.end);
        need = 0;
        m.received.inc();
        let docs: EcsDocument[];
        let chunk: string | undefined;
        try {
          const msg = decodeForwardMessage(raw, limits);
          const receivedAt = new Date();
          docs = msg.entries.map((e) => forwardEntryToEcs(msg.tag, e, { ...receipt, receivedAt }, opts.enrichment));
          chunk = msg.chunk;
        } catch (e) {
          if (e instanceof ForwardProtocolError) return fail(Buffer.from(raw), e.message);
          throw e;
        }
        m.parsed.inc(docs.length);
        if (docs.length > 0) await spool(docs);
        if (chunk !== undefined && !closed) socket.write(encode({ ack: chunk }));
      }
    } catch (e) {
      opts.logger.error({ err: String(e) }, 'forward connection failed');
      socket.destroy();
    } finally {
      busy = false;
    }
  };

  socket.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    if (buf.length > limits.maxBytes + 65536 && need > limits.maxBytes) return fail(buf, 'message over the size bound');
    void drain();
  });
  socket.on('end', () => {
    if (buf.length > 0 && !busy) {
      const r = scanMsgpack(buf, 0, limits);
      if (r.kind !== 'complete') m.malformed.inc();
    }
  });
  socket.on('close', () => (closed = true));
  socket.on('error', (err) => opts.logger.debug({ err: String(err) }, 'forward connection error'));
  socket.setTimeout(opts.idleTimeoutMs ?? 15 * 60_000, () => socket.destroy());
}

