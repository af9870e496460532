// Test helper process (not a test): a syslog TCP listener spooling raw frames (no sink), as the collector's
// receive path runs it; prints `listening <port>` and then the running count of frames spooled.
import { pino } from 'pino';
import { Spool } from '../../src/spool/spool.js';
import { EventPipeline } from '../../src/pipeline/event-pipeline.js';
import { listenSyslogTcp } from '../../src/sources/syslog/listen.js';

const spool = new Spool({ dir: process.argv[2]!, maxBytes: 1 << 30 });
const pipeline = new EventPipeline(spool, undefined, { drainDecodes: true });
let spooled = 0;
const submitRaw = pipeline.submitRaw.bind(pipeline);
pipeline.submitRaw = (source, records, events) => {
  const ok = submitRaw(source, records, events);
  if (ok) process.stdout.write(`spooled ${(spooled += events)}\n`);
  return ok;
};
const decode = () => {
  throw new Error('the receive path must not decode when the drain does');
};
const server = await listenSyslogTcp({ host: '127.0.0.1', port: 0, decode, pipeline, maxFrameBytes: 65536, logger: pino({ level: 'silent' }) });
process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
