import type { EcsDocument } from '@emsoc/event-store/contract';
import { processSyslog, type Enrichment } from '../../transforms/index.js';
import type { FrameReceipt, SyslogDecoder } from './listen.js';

/** The syslog decoder the listeners use: header parse → message parsers → ECS → enrichment. */
export function syslogDecoder(enrichment: Enrichment | undefined, timezone: string): SyslogDecoder {
  return (frame: Buffer, r: FrameReceipt): EcsDocument[] => {
    const ev = processSyslog(
      frame,
      { receivedAt: r.receivedAt, timezone, sourceAddress: r.remoteAddress, ...(r.truncated ? { truncated: true } : {}) },
      enrichment,
    );
    if (r.clientCertificate) ((ev.tls ??= {}).client ??= {}).hash = { sha256: r.clientCertificate };
    return [ev as EcsDocument];
  };
}
