/** Synthetic ~1 KB ECS events, deterministic per index (same input for every engine and the peer). */
import type { StoredDocument } from '@emsoc/event-store';

const USERS = Array.from({ length: 500 }, (_, i) => `user${i}`);
const HOSTS = Array.from({ length: 200 }, (_, i) => `host-${String(i).padStart(3, '0')}.bureau.example`);
const ACTIONS = ['ssh_login', 'http_request', 'dns_query', 'firewall_drop', 'vpn_connect', 'file_access'];
const WORDS = ['connection', 'accepted', 'failed', 'password', 'session', 'opened', 'closed', 'denied', 'policy', 'timeout', 'certificate', 'upload'];

export const BENCH_START = Date.UTC(2026, 0, 1);

export function syntheticEvent(i: number, spanMs = 7 * 86_400_000, count = 1_000_000): StoredDocument {
  const ts = BENCH_START + Math.floor((i / count) * spanMs);
  const w = (k: number) => WORDS[(i * 7 + k * 13) % WORDS.length];
  const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const dst = `172.16.${(i * 31) % 256}.${(i * 17) % 256}`;
  return {
    id: `bench-${i}`,
    doc: {
      '@timestamp': new Date(ts).toISOString(),
      message: `${w(1)} ${w(2)} for ${USERS[i % USERS.length]} from ${src} port ${40000 + (i % 20000)} ssh2 ${w(3)} ${w(4)} request id ${i.toString(36)}`,
      ecs: { version: '8.11.0' },
      event: { kind: 'event', category: ['network', 'authentication'], type: ['connection'], action: ACTIONS[i % ACTIONS.length], outcome: i % 9 === 0 ? 'failure' : 'success', dataset: 'syslog.auth', module: 'syslog', severity: i % 8, id: `evt-${i}` },
      source: { ip: src, port: 40000 + (i % 20000), bytes: (i * 37) % 100000 },
      destination: { ip: dst, port: [22, 80, 443, 53, 3389][i % 5] },
      network: { transport: i % 3 ? 'tcp' : 'udp', bytes: (i * 91) % 200000, packets: i % 1000, direction: 'inbound' },
      host: { hostname: HOSTS[i % HOSTS.length], ip: [`192.168.${i % 200}.10`] },
      user: { name: USERS[(i * 3) % USERS.length] },
      observer: { hostname: 'fw-edge-01', ip: '192.168.0.1', vendor: 'example', type: 'firewall' },
      log: { syslog: { facility: { code: 4, name: 'auth' }, severity: { code: i % 8, name: 'info' }, hostname: HOSTS[i % HOSTS.length], appname: 'sshd', procid: String(1000 + (i % 5000)) } },
      related: { ip: [src, dst], user: [USERS[(i * 3) % USERS.length]] },
      tags: ['bench', i % 2 ? 'odd' : 'even'],
      labels: { province: 'hubei', site: `site-${i % 17}`, pipeline: 'collector-v1' },
    },
  };
}
