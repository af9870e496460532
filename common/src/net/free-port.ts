/** Free loopback ports for tests, benchmarks and tools that start servers on the fly. */
import dgram from 'node:dgram';
import net from 'node:net';

/** A TCP port nobody listens on at the moment of asking (the kernel's choice for port 0). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A port free for both TCP and UDP on loopback (syslog listens on one number for both), never one
 * already handed out from `taken` (which it extends).
 */
export async function freeTcpUdpPort(taken: Set<number> = new Set()): Promise<number> {
  for (;;) {
    const port = await freeTcpPort();
    if (taken.has(port)) continue;
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (udpFree) {
      taken.add(port);
      return port;
    }
  }
}
