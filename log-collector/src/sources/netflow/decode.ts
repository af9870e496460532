/** Entry point: one UDP payload from a NetFlow v5/v9 or IPFIX exporter, any version. */
import { decodeV5 } from './netflow-v5.js';
import type { TemplateCache } from './template-cache.js';
import { decodeTemplated } from './templated.js';
import type { DecodeResult, Exporter } from './types.js';

/**
 * Decodes one export packet. Never throws: problems are returned in `errors` (and counted in the
 * cache stats). Records reference `buf` (`packet`, for the event id), so do not reuse the buffer
 * while the records are alive.
 */
export function decodeFlowPacket(buf: Uint8Array, exporter: Exporter, receivedAt: Date, templates: TemplateCache): DecodeResult {
  const out: DecodeResult = { records: [], options: [], templatesLearned: 0, errors: [] };
  if (buf.length < 2) {
    out.errors.push({ code: 'truncated', message: `packet of ${buf.length} octets has no version`, offset: 0 });
    return out;
  }
  const version = (buf[0]! << 8) | buf[1]!;
  const receivedMs = receivedAt.getTime();
  try {
    if (version === 5) decodeV5(buf, exporter, receivedMs, out);
    else if (version === 9 || version === 10) decodeTemplated(buf, version, exporter, receivedMs, templates, out);
    else out.errors.push({ code: 'unsupported-version', message: `flow export version ${version} is not supported`, offset: 0 });
  } catch (err) {
    // Defensive: the decoders bound-check every read, so this is a bug; report it instead of crashing the collector.
    out.errors.push({ code: 'bad-record', message: `decoder fault: ${(err as Error).message}` });
  }
  return out;
}
