/** Deterministic ECS fixture shared by both engines (the cross-engine comparison loads it twice). */
import type { StoredDocument } from '../../src/contract.js';

export const BASE = Date.UTC(2026, 2, 1); // 2026-03-01T00:00:00Z
const HOUR = 3_600_000;

const users = ['alice', 'bob', 'carol', 'root'];
const hosts = ['web-01', 'web-02', 'db-01'];
const actions = ['ssh_login', 'http_request', 'dns_query'];
const messages = [
  'Failed password for invalid user admin from 10.1.2.3 port 22',
  'Accepted publickey for alice',
  'GET /index.html 200',
  '登录失败：用户名或密码错误',
  'DROP TABLE events; -- not really',
  'connection reset by peer',
];

export interface FixtureDoc {
  id: string;
  ts: number;
  user: string;
  host: string;
  action: string;
  srcIp: string;
  dstIp: string;
  port: number;
  bytes: number;
  tags: string[];
  message: string;
  severity: number;
  hasStatus: boolean;
}

export function fixtureDocs(n = 120): FixtureDoc[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `evt-${String(i).padStart(4, '0')}`,
    // 2 events per hour-ish over 60 hours, with ties on purpose (same ts for pairs)
    ts: BASE + Math.floor(i / 2) * HOUR + (i % 7 === 0 ? 0 : (i % 2) * 60_000),
    user: users[i % users.length]!,
    host: hosts[i % hosts.length]!,
    action: actions[(i * 7) % actions.length]!,
    srcIp: i % 5 === 0 ? `2001:db8::1:${(i % 16).toString(16)}` : `10.${i % 3}.${i % 11}.${i % 250}`,
    dstIp: i % 4 === 0 ? '192.168.10.1' : `172.16.${i % 2}.${(i * 3) % 200}`,
    port: [22, 80, 443, 53, 8080][i % 5]!,
    bytes: (i * 37) % 1000,
    tags: i % 3 === 0 ? ['auth', 'linux'] : i % 3 === 1 ? ['web'] : [],
    message: messages[i % messages.length]!,
    severity: i % 4,
    hasStatus: i % 2 === 0,
  }));
}

export function toStored(f: FixtureDoc): StoredDocument {
  return {
    id: f.id,
    doc: {
      '@timestamp': new Date(f.ts).toISOString(),
      message: f.message,
      event: { action: f.action, dataset: 'fixture.auth', severity: f.severity, category: ['authentication'] },
      user: { name: f.user },
      host: { hostname: f.host },
      source: { ip: f.srcIp, port: 40000 + (f.bytes % 100), bytes: f.bytes },
      destination: { ip: f.dstIp, port: f.port },
      related: { ip: [f.srcIp, f.dstIp] },
      tags: f.tags,
      ...(f.hasStatus ? { http: { response: { status_code: 200 + (f.bytes % 3) * 100 } } } : {}),
      // dotted keys are accepted and normalised to objects by both engines
      'labels.site': f.host.startsWith('web') ? 'dmz' : 'core',
    },
  };
}
