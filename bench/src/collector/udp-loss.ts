/**
 * Loss of UDP syslog and NetFlow datagrams at 10k/50k/100k packets/s on loopback (bounded: 3 s per
 * rate). A compiled sender process paces datagrams (syslog lines formatted before the clock starts; several
 * sockets above 25k/s) and reports what it really sent, printed beside each loss figure; our listener receives them on its receiver thread, decodes and
 * spools them (the sink runs too, in its worker thread). The socket's effective receive buffer and net.core.rmem_max are reported with each rate.
 * Loss = 1 − received/sent, counted at the listener once decoding stops making progress (what still sits
 * in the socket buffer is not lost); the kernel's own drop counter for the socket is reported beside it. No peer.
 *
 *   node --import tsx bench/src/collector/udp-loss.ts [--seconds 3]
 */
import os from 'node:os';
import { pino } from 'pino';
import { listenSyslogUdp } from '../../../log-collector/src/sources/syslog/listen.js';
import fs from 'node:fs';
import { listenFlowUdp } from '../../../log-collector/src/sources/flow-udp.js';
import { decodeFlowPacket, TemplateCache } from '../../../log-collector/src/sources/netflow/index.js';
import { concat, FLOW_SPECS, flowRecord, ipfixMessage, ipfixTemplate, set } from '../../../log-collector/test/netflow/build.js';
import { emit, inProcessCollector, sender } from './harness.js';
import { freeTcpUdpPort } from '@emsoc/common';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 3) || 3;
const logger = pino({ level: 'silent' });

// The kernel caps SO_RCVBUF at net.core.rmem_max (and reports twice what it granted).
const rmemMax = (() => {
  try {
    return Number(fs.readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
  } catch {
    return null;
  }
})();

/** The kernel's drop counter of our socket (receive buffer full), from /proc/net/udp; null when not found. */
function kernelDrops(port: number): number | null {
  try {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    for (const row of fs.readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      if (f[1]?.endsWith(hex)) return Number(f[12]);
    }
  } catch {
    // not Linux
  }
  return null;
}

// One IPFIX message with its template and 10 records: each datagram decodes on its own.
const ipfix = Buffer.from(ipfixMessage([set(2, ipfixTemplate(300, FLOW_SPECS)), set(300, concat(...Array.from({ length: 10 }, (_, i) => flowRecord(i))))]));

for (const kind of ['syslog', 'netflow'] as const) {
  for (const rate of [10_000, 50_000, 100_000]) {
    const c = await inProcessCollector();
    const port = await freeTcpUdpPort(); // the listeners here are UDP
    let received = 0;
    let close: () => Promise<void>;
    let recvBuffer: number | undefined;
    if (kind === 'syslog') {
      const decode: typeof c.decode = (f, r) => {
        received++;
        return c.decode(f, r);
      };
      const s = await listenSyslogUdp({ host: '127.0.0.1', port, decode, pipeline: c.pipeline, logger });
      recvBuffer = s.recvBufferBytes;
      close = () => s.close();
    } else {
      const templates = new TemplateCache();
      close = await listenFlowUdp({
        source: 'netflow', host: '127.0.0.1', port, pipeline: c.pipeline, logger,
        decode: (m, e, at) => {
          received++;
          return decodeFlowPacket(m, e, at, templates);
        },
      });
    }
    const count = rate * seconds;
    // One sending socket reached only ~40k datagrams/s on the shared test machine: the rate is split over several.
    const conns = Math.max(1, Math.ceil(rate / 25_000));
    const s = sender('udp', { port, count, rate, conns, ...(kind === 'netflow' ? { payloadHex: ipfix.toString('hex') } : {}) });
    const r = await s.done;
    // Datagrams still in the socket buffer are not lost: wait until decoding stops making progress.
    for (let last = -1, quiet = 0; quiet < 1000 && received < r.sent; ) {
      await new Promise((res) => setTimeout(res, 100));
      quiet = received === last ? quiet + 100 : 0;
      last = received;
    }
    const drops = kernelDrops(port);
    await close();
    emit(`collector.udp_loss.${kind}.${rate / 1000}k_pps`, (1 - received / r.sent) * 100, '%', null, null, {
      sent: r.sent, received, achieved_send_pps: Math.round(r.sent / r.seconds), sender: r.sender, sender_sockets: conns, kernel_drops: drops,
      ...(recvBuffer ? { recv_buffer_bytes: recvBuffer } : {}), rmem_max: rmemMax, loadavg1: Number(os.loadavg()[0]!.toFixed(1)),
    });
    await c.close(1000); // what the sink has not stored by then is irrelevant here (the store is not under test)
  }
}
process.exit(0);
