import type { Logger } from 'pino';
import { counter, gauge } from '@emsoc/common/metrics';
import type { EventPipeline } from '../../pipeline/event-pipeline.js';
import { listenFlowUdp } from '../flow-udp.js';
import { decodeFlowPacket } from './decode.js';
import { TemplateCache } from './template-cache.js';

const records = counter('emsoc_collector_flow_records_total', 'Flow records decoded, by source', ['source']);

/** NetFlow v5/v9 and IPFIX over UDP: one template cache per listener, keyed inside by exporter and domain. */
export async function listenNetflow(opts: { host: string; port: number; pipeline: EventPipeline; logger: Logger }): Promise<() => Promise<void>> {
  const templates = new TemplateCache();
  gauge('emsoc_collector_flow_templates', 'Flow templates currently known', [], function () {
    this.set(templates.stats.templates);
  });
  return listenFlowUdp({
    ...opts,
    source: 'netflow',
    decode: (msg, exporter, receivedAt) => {
      const r = decodeFlowPacket(msg, exporter, receivedAt, templates);
      records.inc({ source: 'netflow' }, r.records.length);
      return r;
    },
  });
}
