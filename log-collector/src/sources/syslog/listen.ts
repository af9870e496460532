import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { EcsDocument } from '@emsoc/event-store/contract';
import { createSyslogFramer } from './framer.js';
import type { EventPipeline } from '../../pipeline/event-pipeline.js';
import { sourceMetrics } from '../../pipeline/metrics.js';
import { receiveDatagrams, type Datagram, type UdpReceiver } from '../udp/receiver.js';
import { encodeRawFrames, type RawFrameRef, type RawReceipt } from '../../spool/raw-frames.js';

export interface FrameReceipt {
  transport: 'udp' | 'tcp' | 'tls';
  remoteAddress: string;
  remotePort: number;
  receivedAt: Date;
  truncated?: boolean;
  /** SHA-256 fingerprint of a verified client certificate (TLS). */
  clientCertificate?: string;
}

/**
 * Turns one syslog frame into normalized documents; never throws (malformed input is tagged, not lost).
 * `ctx` is only valid during the call (listeners reuse one receipt object, updated per frame).
 */
export type SyslogDecoder = (frame: Buffer, ctx: FrameReceipt) => EcsDocument[];

/** Whether a decoded frame counts as malformed (a parser tagged a failure; the document is still kept). */
export function isMalformed(docs: EcsDocument[]): boolean {
  for (let i = 0; i < docs.length; i++) {
    const tags = docs[i]!.tags;
    if (Array.isArray(tags)) for (const t of tags as string[]) if (t.includes('failure')) return true;
  }
  return false;
}

export function listenSyslogUdp(opts: { host: string; port: number; decode: SyslogDecoder; pipeline: EventPipeline; logger: Logger }): Promise<UdpReceiver> {
  const m = sourceMetrics('syslog_udp');
  const dropCount = (n: number) => m.dropped.inc(n);
  const ctx: FrameReceipt = { transport: 'udp', remoteAddress: '', remotePort: 0, receivedAt: new Date(0) };
  const raw: RawReceipt = { source: 'syslog_udp', transport: 'udp', receivedAtMs: 0, remoteAddress: '', remotePort: 0 };
  const frames: RawFrameRef[] = [];
  const records: Buffer[] = [];
  const spoolRaw = (batch: Datagram[]) => {
    // One record per run of datagrams from one sender with one receive time (the receipt is per record).
    for (let i = 0; i < batch.length; ) {
      const d = batch[i]!;
      raw.receivedAtMs = d.receivedAt;
      raw.remoteAddress = d.address;
      raw.remotePort = d.port;
      frames.length = 0;
      let j = i;
      for (; j < batch.length; j++) {
        const e = batch[j]!;
        if (e.receivedAt !== d.receivedAt || e.port !== d.port || e.address !== d.address) break;
        frames.push({ data: e.msg, truncated: false });
      }
      records.push(encodeRawFrames(raw, frames));
      i = j;
    }
    // UDP cannot push back: a full spool is a counted drop.
    if (!opts.pipeline.submitRaw('syslog_udp', records, batch.length)) dropCount(batch.length);
    records.length = 0;
  };
  const started = receiveDatagrams({ host: opts.host, port: opts.port, onDrop: dropCount }, (batch) => {
    m.received.inc(batch.length);
    if (opts.pipeline.rawSyslog) return spoolRaw(batch);
    const docs: EcsDocument[] = [];
    let at = NaN;
    let malformed = 0;
    let parsed = 0;
    for (const d of batch) {
      if (d.receivedAt !== at) ctx.receivedAt = new Date((at = d.receivedAt));
      ctx.remoteAddress = d.address;
      ctx.remotePort = d.port;
      const out = opts.decode(d.msg, ctx);
      if (isMalformed(out)) malformed++;
      else parsed += out.length;
      for (const doc of out) docs.push(doc);
    }
    if (malformed) m.malformed.inc(malformed);
    if (parsed) m.parsed.inc(parsed);
    // UDP cannot push back: a full spool is a counted drop.
    if (!opts.pipeline.submit('syslog_udp', docs)) dropCount(docs.length);
  });
  return started.then((r) => {
    opts.logger.info({ port: opts.port, recvBufferBytes: r.recvBufferBytes }, 'syslog udp listening');
    return r;
  });
}

/** Handles one syslog stream (TCP or TLS): framing, decoding, and pausing the socket while the spool is full. */
function handleStream(
  socket: net.Socket,
  source: string,
  ctxBase: Omit<FrameReceipt, 'receivedAt' | 'truncated'>,
  opts: { decode: SyslogDecoder; pipeline: EventPipeline; maxFrameBytes: number; logger: Logger },
): void {
  const m = sourceMetrics(source);
  m.connections.inc();
  const framer = createSyslogFramer({ maxFrameSize: opts.maxFrameBytes });
  // One receipt per connection (receive time set per read, `truncated` per frame): no object per frame
  // (decoders keep no reference).
  const ctx: FrameReceipt = { ...ctxBase, receivedAt: new Date(0), truncated: false };
  const raw: RawReceipt = { source, transport: ctxBase.transport, receivedAtMs: 0, remoteAddress: ctxBase.remoteAddress, remotePort: ctxBase.remotePort, clientCertificate: ctxBase.clientCertificate };
  const resumeWhenRoom = (submit: () => boolean, events: number) => {
    void opts.pipeline.waitForRoom().then(() => {
      if (submit()) {
        m.queued.dec(events);
        socket.resume();
      } else resumeWhenRoom(submit, events);
    });
  };
  /** Spools via `submit`; when the spool is full, stops reading (TCP backpressure reaches the sender) until it took them. */
  const submitOrPause = (submit: () => boolean, events: number) => {
    if (submit()) return;
    socket.pause();
    m.backpressure.inc();
    m.queued.inc(events);
    resumeWhenRoom(submit, events);
  };
  // The drain decodes: frames are spooled raw with this read's receipt, one record per read.
  const emitRaw = (frames: ReturnType<typeof framer.push>) => {
    if (frames.length === 0) return;
    m.received.inc(frames.length);
    raw.receivedAtMs = Date.now();
    const record = encodeRawFrames(raw, frames);
    submitOrPause(() => opts.pipeline.submitRaw(source, [record], frames.length), frames.length);
  };
  const emit = (frames: ReturnType<typeof framer.push>) => {
    if (frames.length === 0) return;
    const docs: EcsDocument[] = [];
    ctx.receivedAt = new Date();
    m.received.inc(frames.length);
    let malformed = 0;
    let parsed = 0;
    for (let k = 0; k < frames.length; k++) {
      const f = frames[k]!;
      ctx.truncated = f.truncated;
      const out = opts.decode(f.data, ctx);
      if (f.truncated || isMalformed(out)) malformed++;
      else parsed += out.length;
      for (let j = 0; j < out.length; j++) docs.push(out[j]!);
    }
    if (malformed) m.malformed.inc(malformed);
    if (parsed) m.parsed.inc(parsed);
    submitOrPause(() => opts.pipeline.submit(source, docs), docs.length);
  };
  const take = opts.pipeline.rawSyslog ? emitRaw : emit;
  socket.on('data', (chunk: Buffer) => take(framer.push(chunk)));
  socket.on('end', () => take(framer.end()));
  socket.on('error', (err) => opts.logger.debug({ err: String(err), source }, 'syslog stream error'));
  socket.setTimeout(15 * 60_000, () => socket.destroy());
}

export function listenSyslogTcp(opts: { host: string; port: number; decode: SyslogDecoder; pipeline: EventPipeline; maxFrameBytes: number; logger: Logger }): Promise<net.Server> {
  const server = net.createServer((socket) =>
    handleStream(socket, 'syslog_tcp', { transport: 'tcp', remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 }, opts),
  );
  return listen(server, opts.host, opts.port);
}

export function listenSyslogTls(opts: {
  host: string;
  port: number;
  tls: tls.SecureContextOptions;
  requireClientCert: boolean;
  /** Refuses client certificates our RA revoked or suspended. */
  certificateStatus?: (certDer: Buffer) => Promise<'good' | 'revoked' | 'unknown'>;
  decode: SyslogDecoder;
  pipeline: EventPipeline;
  maxFrameBytes: number;
  logger: Logger;
}): Promise<tls.Server> {
  const server = tls.createServer({ ...opts.tls, requestCert: true, rejectUnauthorized: opts.requireClientCert }, (socket) => {
    const peer = socket.authorized ? socket.getPeerCertificate() : undefined;
    const start = () =>
      handleStream(
        socket,
        'syslog_tls',
        {
          transport: 'tls',
          remoteAddress: socket.remoteAddress ?? '',
          remotePort: socket.remotePort ?? 0,
          ...(peer?.fingerprint256 ? { clientCertificate: peer.fingerprint256.replace(/:/g, '').toLowerCase() } : {}),
        },
        opts,
      );
    if (peer?.raw && opts.certificateStatus) {
      socket.pause();
      opts.certificateStatus(peer.raw).then(
        (status) => {
          if (status === 'good') {
            start();
            socket.resume();
          } else {
            opts.logger.warn({ remote: socket.remoteAddress, status }, 'syslog TLS client certificate refused');
            socket.destroy();
          }
        },
        () => socket.destroy(),
      );
    } else start();
  });
  server.on('tlsClientError', (err) => opts.logger.debug({ err: String(err) }, 'syslog TLS handshake failed'));
  return listen(server, opts.host, opts.port);
}

function listen<T extends net.Server>(server: T, host: string, port: number): Promise<T> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
