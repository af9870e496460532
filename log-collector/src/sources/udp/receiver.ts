import { Worker } from 'node:worker_threads';
import net from 'node:net';
import { workerBootCode } from '../../worker-boot.js';
import type { PackedBatch, ReceiverThreadData } from './receiver-thread.js';

/** Datagram sockets ask for this receive buffer; the kernel caps it at net.core.rmem_max. */
export const UDP_RECV_BUFFER_BYTES = 32 * 1024 * 1024;
/** Received datagram bytes allowed to wait for the parser (beyond it they are dropped and counted). */
export const UDP_MAX_QUEUED_BYTES = 128 * 1024 * 1024;

export interface Datagram {
  msg: Buffer;
  address: string;
  port: number;
  receivedAt: number;
}

export interface UdpReceiver {
  /** The receive buffer the kernel granted (Linux reports twice the size it accounts). */
  readonly recvBufferBytes: number;
  /** Datagrams dropped because the parser was too far behind (UDP cannot push back). */
  readonly droppedQueueFull: number;
  close(): Promise<void>;
}

/**
 * Receives datagrams on a worker thread that does nothing else, and calls `process` on this thread with
 * batches in arrival order. `onDrop(n)` counts what the bounded hand-over queue refused. `process` must
 * not throw.
 */
export async function receiveDatagrams(
  opts: { host: string; port: number; recvBufferSize?: number; maxQueuedBytes?: number; onDrop?: (n: number) => void },
  process: (batch: Datagram[]) => void,
): Promise<UdpReceiver> {
  const shared = new SharedArrayBuffer(8);
  const counters = new Int32Array(shared);
  const data: ReceiverThreadData = {
    type: net.isIPv6(opts.host) ? 'udp6' : 'udp4',
    host: opts.host,
    port: opts.port,
    recvBufferSize: opts.recvBufferSize ?? UDP_RECV_BUFFER_BYTES,
    maxQueuedBytes: opts.maxQueuedBytes ?? UDP_MAX_QUEUED_BYTES,
    shared,
  };
  const worker = new Worker(workerBootCode(new URL('./receiver-thread.ts', import.meta.url)), { eval: true, workerData: data });
  let reportedDrops = 0;
  const bound = new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`UDP receiver thread exited (${code}) before binding ${opts.host}:${opts.port}`)));
    worker.on('message', (m: PackedBatch | { bound: number } | { error: string }) => {
      if ('bound' in m) resolve(m.bound);
      else if ('error' in m) reject(new Error(m.error));
      else {
        const buf = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
        const batch: Datagram[] = new Array(m.lengths.length);
        let o = 0;
        for (let i = 0; i < batch.length; i++) {
          const len = m.lengths[i]!;
          batch[i] = { msg: buf.subarray(o, o + len), address: m.addresses[i]!, port: m.ports[i]!, receivedAt: m.receivedAt[i]! };
          o += len;
        }
        process(batch);
        Atomics.sub(counters, 0, m.bytes.byteLength);
        const drops = Atomics.load(counters, 1);
        if (drops > reportedDrops) {
          opts.onDrop?.(drops - reportedDrops);
          reportedDrops = drops;
        }
      }
    });
  });
  let recvBufferBytes: number;
  try {
    recvBufferBytes = await bound;
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  worker.removeAllListeners('error');
  worker.removeAllListeners('exit');
  worker.on('error', () => undefined);
  return {
    recvBufferBytes,
    get droppedQueueFull() {
      return Atomics.load(counters, 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('close');
        setTimeout(() => void worker.terminate(), 2000).unref();
      }),
  };
}
