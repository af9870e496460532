/**
 * Worker-thread side of a UDP receiver: it only reads datagrams off the socket and hands them to the
 * parsing thread in packed batches, so the kernel buffer (capped by net.core.rmem_max) is emptied even
 * while the parser is busy. What the parsing thread has not yet consumed is bounded by `maxQueuedBytes`
 * (shared counter); beyond it datagrams are dropped here and counted.
 */
import dgram from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';

export interface ReceiverThreadData {
  type: 'udp4' | 'udp6';
  host: string;
  port: number;
  recvBufferSize: number;
  maxQueuedBytes: number;
  /** [0] bytes posted and not yet consumed by the parsing thread, [1] datagrams dropped here. */
  shared: SharedArrayBuffer;
}

/** One posted batch: payloads packed back to back. */
export interface PackedBatch {
  bytes: Uint8Array;
  lengths: Uint32Array;
  addresses: string[];
  ports: Uint16Array;
  receivedAt: Float64Array;
}

const d = workerData as ReceiverThreadData;
const port = parentPort!;
const counters = new Int32Array(d.shared);
const socket = dgram.createSocket({ type: d.type, recvBufferSize: d.recvBufferSize });
let queue: Array<{ msg: Buffer; address: string; port: number; at: number }> = [];
let queuedBytes = 0;

function flush(): void {
  const q = queue;
  queue = [];
  const bytes = new Uint8Array(queuedBytes);
  queuedBytes = 0;
  const b: PackedBatch = { bytes, lengths: new Uint32Array(q.length), addresses: new Array<string>(q.length), ports: new Uint16Array(q.length), receivedAt: new Float64Array(q.length) };
  let o = 0;
  for (let i = 0; i < q.length; i++) {
    const x = q[i]!;
    bytes.set(x.msg, o);
    o += x.msg.length;
    b.lengths[i] = x.msg.length;
    b.addresses[i] = x.address;
    b.ports[i] = x.port;
    b.receivedAt[i] = x.at;
  }
  Atomics.add(counters, 0, bytes.length);
  port.postMessage(b, [bytes.buffer]);
}

socket.on('message', (msg, rinfo) => {
  if (Atomics.load(counters, 0) + queuedBytes + msg.length > d.maxQueuedBytes) {
    Atomics.add(counters, 1, 1);
    return;
  }
  queuedBytes += msg.length;
  if (queue.push({ msg, address: rinfo.address, port: rinfo.port, at: Date.now() }) === 1) setImmediate(flush);
});
socket.on('error', (err) => port.postMessage({ error: String(err) }));
socket.bind(d.port, d.host, () => port.postMessage({ bound: socket.getRecvBufferSize() }));
port.on('message', (m: unknown) => {
  if (m === 'close') socket.close(() => port.close());
});
