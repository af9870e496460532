/**
 * The collector's per-source metrics, one set of names for every input so dashboards need no per-source
 * queries (label `source`: syslog_udp, syslog_tcp, syslog_tls, netflow, sflow, forward, http).
 * Sink-side figures (stored, retries, lag, spool bytes) live beside the sink and the spool.
 */
import { counter, gauge } from '@emsoc/common/metrics';

const received = counter('emsoc_collector_received_total', 'Frames, datagrams or messages received, by source', ['source']);
const parsed = counter('emsoc_collector_parsed_total', 'Events decoded from what was received, by source', ['source']);
const malformed = counter('emsoc_collector_malformed_total', 'Inputs that did not parse (kept raw or dead-lettered), by source', ['source']);
/** Datagram sources cannot push back; what a full spool refuses is counted here. */
export const dropped = counter('emsoc_collector_dropped_total', 'Events dropped because the spool was full (datagram sources), by source', ['source']);
const connections = counter('emsoc_collector_connections_total', 'Stream connections accepted, by source', ['source']);
const backpressure = counter('emsoc_collector_backpressure_total', 'Times a stream was paused because the spool was full, by source', ['source']);
const queued = gauge('emsoc_collector_queued_events', 'Events held in memory waiting for spool room, by source', ['source']);

export interface SourceMetrics {
  received: { inc(n?: number): void };
  parsed: { inc(n?: number): void };
  malformed: { inc(n?: number): void };
  dropped: { inc(n?: number): void };
  connections: { inc(n?: number): void };
  backpressure: { inc(n?: number): void };
  queued: { inc(n?: number): void; dec(n?: number): void };
}

const cache = new Map<string, SourceMetrics>();

/** The metric children of one source (label values bound once; `inc` is then a field update). */
export function sourceMetrics(source: string): SourceMetrics {
  let m = cache.get(source);
  if (!m) {
    const l = { source };
    m = {
      received: received.labels(l),
      parsed: parsed.labels(l),
      malformed: malformed.labels(l),
      dropped: dropped.labels(l),
      connections: connections.labels(l),
      backpressure: backpressure.labels(l),
      queued: queued.labels(l),
    };
    cache.set(source, m);
  }
  return m;
}
