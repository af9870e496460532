import type { Logger } from 'pino';
import type { EventPipeline } from '../../pipeline/event-pipeline.js';
import { listenFlowUdp } from '../flow-udp.js';
import { decodeSflowPacket } from './decode.js';

/** Default sFlow collector port (IANA `sflow`, 6343/udp). */
export const SFLOW_DEFAULT_PORT = 6343;

/** sFlow v5 over UDP: stateless, every datagram decodes on its own. */
export function listenSflow(opts: { host: string; port: number; pipeline: EventPipeline; logger: Logger }): Promise<() => Promise<void>> {
  return listenFlowUdp({ ...opts, source: 'sflow', decode: decodeSflowPacket });
}
