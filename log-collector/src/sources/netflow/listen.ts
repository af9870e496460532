import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from 'pino';
import type { EcsDocument } from '@emsoc/event-store/contract';
import { counter, gauge } from '@emsoc/common/metrics';
import { dropped, type EventPipeline } from '../../pipeline/event-pipeline.js';
import { deadLetter } from '../../pipeline/deadletter.js';
import { decodeFlowPacket } from './decode.js';
import { TemplateCache } from './template-cache.js';
import { toEcs } from './ecs.js';

const packets = counter('emsoc_collector_flow_packets_total', 'Flow export packets received, by outcome', ['outcome']);
const records = counter('emsoc_collector_flow_records_total', 'Flow records decoded');

/** NetFlow v5/v9 and IPFIX over UDP: one template cache per listener, keyed inside by exporter and domain. */
export async function listenNetflow(opts: { host: string; port: number; pipeline: EventPipeline; logger: Logger }): Promise<() => Promise<void>> {
  const templates = new TemplateCache();
  gauge('emsoc_collector_flow_templates', 'Flow templates currently known', [], function () {
    this.set(templates.stats.templates);
  });
  const socket = dgram.createSocket({ type: net.isIPv6(opts.host) ? 'udp6' : 'udp4', recvBufferSize: 16 * 1024 * 1024 });
  socket.on('message', (msg, rinfo) => {
    const receivedAt = new Date();
    let docs: EcsDocument[];
    try {
      const result = decodeFlowPacket(msg, { address: rinfo.address, port: rinfo.port }, receivedAt, templates);
      docs = result.records.map((r) => toEcs(r) as EcsDocument);
      records.inc(docs.length);
      // Data ahead of its template is held by the cache and emitted later: not malformed.
      const real = result.errors.filter((e) => e.code !== 'missing-template');
      if (real.length > 0 && docs.length === 0 && result.templatesLearned === 0) {
        packets.inc({ outcome: 'malformed' });
        docs = [deadLetter('netflow', msg, real.map((e) => `${e.code}: ${e.message}`).join('; '), receivedAt)];
      } else packets.inc({ outcome: real.length ? 'partial' : 'ok' });
    } catch (e) {
      // The decoders are bounded and should not throw; if one does, keep the packet and carry on.
      packets.inc({ outcome: 'malformed' });
      docs = [deadLetter('netflow', msg, `decoder error: ${(e as Error).message}`, receivedAt)];
    }
    if (docs.length > 0 && !opts.pipeline.submit('netflow', docs)) dropped.inc({ source: 'netflow' }, docs.length);
  });
  socket.on('error', (err) => opts.logger.error({ err }, 'netflow socket error'));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port, opts.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return () => new Promise((r) => socket.close(() => r()));
}
