/**
 * The UDP side shared by the flow listeners (NetFlow/IPFIX, sFlow): receive, decode, map to ECS, spool;
 * packets that yield nothing but errors are dead-lettered, a full spool is a counted drop (UDP cannot
 * push back).
 */
import type { Logger } from 'pino';
import type { EcsDocument } from '@emsoc/event-store/contract';
import { counter } from '@emsoc/common/metrics';
import type { EventPipeline } from '../pipeline/event-pipeline.js';
import { deadLetter } from '../pipeline/deadletter.js';
import { sourceMetrics } from '../pipeline/metrics.js';
import { receiveDatagrams } from './udp/receiver.js';
import type { DecodeResult, Exporter } from './netflow/types.js';
import { toEcs } from './netflow/ecs.js';

const packets = counter('emsoc_collector_flow_packets_total', 'Flow export packets received, by source and outcome', ['source', 'outcome']);

export type FlowDecoder = (msg: Buffer, exporter: Exporter, receivedAt: Date) => DecodeResult;

/** Decodes one datagram into documents (flow records, or one dead letter); never throws. */
export function flowDocuments(source: string, decode: FlowDecoder, msg: Buffer, exporter: Exporter, receivedAt: Date): EcsDocument[] {
  const m = sourceMetrics(source);
  m.received.inc();
  try {
    const result = decode(msg, exporter, receivedAt);
    const docs = result.records.map((r) => toEcs(r) as EcsDocument);
    m.parsed.inc(docs.length);
    // Data ahead of its template is held by the cache and emitted later: not malformed.
    const real = result.errors.filter((e) => e.code !== 'missing-template');
    if (real.length > 0 && docs.length === 0 && result.templatesLearned === 0) {
      packets.inc({ source, outcome: 'malformed' });
      m.malformed.inc();
      return [deadLetter(source, msg, real.map((e) => `${e.code}: ${e.message}`).join('; '), receivedAt)];
    }
    packets.inc({ source, outcome: real.length ? 'partial' : 'ok' });
    return docs;
  } catch (e) {
    // The decoders are bounded and should not throw; if one does, keep the packet and carry on.
    packets.inc({ source, outcome: 'malformed' });
    m.malformed.inc();
    return [deadLetter(source, msg, `decoder error: ${(e as Error).message}`, receivedAt)];
  }
}

export async function listenFlowUdp(opts: {
  source: string;
  host: string;
  port: number;
  decode: FlowDecoder;
  pipeline: EventPipeline;
  logger: Logger;
}): Promise<() => Promise<void>> {
  const m = sourceMetrics(opts.source);
  const dropCount = (n: number) => m.dropped.inc(n);
  const receiver = await receiveDatagrams({ host: opts.host, port: opts.port, onDrop: dropCount }, (batch) => {
    const docs: EcsDocument[] = [];
    // Template packets must be decoded in arrival order: one datagram after the other, as received.
    for (const d of batch) for (const doc of flowDocuments(opts.source, opts.decode, d.msg, { address: d.address, port: d.port }, new Date(d.receivedAt))) docs.push(doc);
    if (!opts.pipeline.submit(opts.source, docs)) dropCount(docs.length);
  });
  opts.logger.info({ source: opts.source, port: opts.port, recvBufferBytes: receiver.recvBufferBytes }, 'flow udp listening');
  return () => receiver.close();
}
