import type { EcsDocument } from '@emsoc/event-store/contract';
import { processSyslog, type Enrichment } from '../../transforms/index.js';
import type { SyslogContext } from './parse.js';
import type { FrameReceipt, SyslogDecoder } from './listen.js';

/** The syslog decoder the listeners use: header parse → message parsers → ECS → enrichment. */
export function syslogDecoder(enrichment: Enrichment | undefined, timezone: string): SyslogDecoder {
  // One context reused for every frame (processSyslog keeps no reference to it).
  const ctx: SyslogContext = { receivedAt: 0, timezone, sourceAddress: '', truncated: false };
  return (frame: Buffer, r: FrameReceipt): EcsDocument[] => {
    ctx.receivedAt = r.receivedAt;
    ctx.sourceAddress = r.remoteAddress;
    ctx.truncated = r.truncated === true;
    const ev = processSyslog(frame, ctx, enrichment);
    if (r.clientCertificate) ((ev.tls ??= {}).client ??= {}).hash = { sha256: r.clientCertificate };
    return [ev as EcsDocument];
  };
}
