/** Query and aggregation cases with their expected results computed from the fixture in plain JS. */
import type { Aggregation } from '../../src/contract.js';
import { parseIp } from '../../src/schema/ip.js';
import { BASE, type FixtureDoc } from './fixtures.js';

const H = 3_600_000;

export const QUERY_CASES: [string, (f: FixtureDoc) => boolean][] = [
  ['', () => true],
  ['user.name:alice', (f) => f.user === 'alice'],
  ['user.name:"alice"', (f) => f.user === 'alice'],
  ['user.name:alice OR user.name:bob', (f) => f.user === 'alice' || f.user === 'bob'],
  ['NOT user.name:root', (f) => f.user !== 'root'],
  ['user.name:(alice OR carol) AND host.hostname:web*', (f) => (f.user === 'alice' || f.user === 'carol') && f.host.startsWith('web')],
  ['host.hostname:web-0?', (f) => f.host === 'web-01' || f.host === 'web-02'],
  ['source.ip:10.1.0.0/16', (f) => f.srcIp.startsWith('10.1.')],
  ['source.ip:2001:db8::/32', (f) => f.srcIp.startsWith('2001:db8:')],
  ['source.ip:10.2.5.5', (f) => f.srcIp === '10.2.5.5'],
  ['related.ip:192.168.10.1', (f) => f.dstIp === '192.168.10.1'],
  ['related.ip:172.16.1.0/24 AND NOT source.ip:10.0.0.0/8', (f) => f.dstIp.startsWith('172.16.1.') && !f.srcIp.startsWith('10.')],
  ['destination.port >= 443', (f) => f.port >= 443],
  ['destination.port:[53 TO 443}', (f) => f.port >= 53 && f.port < 443],
  ['source.bytes < 100 AND NOT tags:web', (f) => f.bytes < 100 && !f.tags.includes('web')],
  ['tags:auth', (f) => f.tags.includes('auth')],
  ['_exists_:http.response.status_code', (f) => f.hasStatus],
  ['NOT _exists_:tags', (f) => f.tags.length === 0],
  ['http.response.status_code:300', (f) => f.hasStatus && 200 + (f.bytes % 3) * 100 === 300],
  ['password', (f) => f.message.includes('password')],
  ['"invalid user admin"', (f) => f.message.includes('invalid user admin')],
  ['"admin invalid user"', () => false],
  ['登录', (f) => f.message.includes('登录')],
  ['pass*', (f) => f.message.includes('password')],
  ['message:RESET', (f) => f.message.includes('reset')],
  ['drop table', (f) => f.message.startsWith('DROP TABLE')],
  ['labels.site:dmz', (f) => f.host.startsWith('web')],
  ['event.severity:3 OR event.severity:0', (f) => f.severity === 3 || f.severity === 0],
  ['@timestamp >= "2026-03-02T00:00:00Z"', (f) => f.ts >= BASE + 24 * H],
  ['@timestamp:[2026-03-01T10:00:00Z TO 2026-03-01T12:00:00Z]', (f) => f.ts >= BASE + 10 * H && f.ts <= BASE + 12 * H],
  ['_id:evt-0001 OR _id:evt-0100', (f) => f.id === 'evt-0001' || f.id === 'evt-0100'],
  ['(user.name:bob OR NOT (tags:web OR tags:auth)) AND destination.port < 100', (f) => (f.user === 'bob' || f.tags.length === 0) && f.port < 100],
];

export const RANGE = { from: new Date(BASE + 10 * H), to: new Date(BASE + 20 * H) };

export const AGGS: Record<string, Aggregation> = {
  per6h: { type: 'date_histogram', field: '@timestamp', intervalMs: 6 * H },
  users: { type: 'terms', field: 'user.name', size: 3 },
  ports: { type: 'terms', field: 'destination.port', size: 10 },
  srcIps: { type: 'terms', field: 'source.ip', size: 6 },
  tags: { type: 'terms', field: 'tags', size: 5 },
  sites: { type: 'terms', field: 'labels.site', size: 5 },
  distinctUsers: { type: 'cardinality', field: 'user.name' },
  bytesSum: { type: 'sum', field: 'source.bytes' },
  bytesAvg: { type: 'avg', field: 'source.bytes' },
  bytesMin: { type: 'min', field: 'source.bytes' },
  bytesMax: { type: 'max', field: 'source.bytes' },
  firstSeen: { type: 'min', field: '@timestamp' },
  statusAvg: { type: 'avg', field: 'http.response.status_code' },
  hostBytes: { type: 'terms', field: 'host.hostname', size: 3, aggs: { bytes: { type: 'sum', field: 'source.bytes' } } },
  per12hUsers: { type: 'date_histogram', field: '@timestamp', intervalMs: 12 * H, aggs: { top: { type: 'terms', field: 'user.name', size: 2 } } },
};

type B = { key: string | number; count: number; aggs?: Record<string, unknown> };

function terms<K extends string | number>(docs: FixtureDoc[], keysOf: (f: FixtureDoc) => K[], size: number, cmp?: (a: K, b: K) => number): { key: K; count: number; docs: FixtureDoc[] }[] {
  const m = new Map<K, FixtureDoc[]>();
  for (const f of docs) for (const k of new Set(keysOf(f))) m.set(k, [...(m.get(k) ?? []), f]);
  const byKey = cmp ?? ((a: K, b: K) => (a < b ? -1 : a > b ? 1 : 0));
  return [...m].map(([key, ds]) => ({ key, count: ds.length, docs: ds }))
    .sort((a, b) => b.count - a.count || byKey(a.key, b.key)).slice(0, size);
}

function histogram(docs: FixtureDoc[], interval: number) {
  const m = new Map<number, FixtureDoc[]>();
  for (const f of docs) { const k = f.ts - (f.ts % interval); m.set(k, [...(m.get(k) ?? []), f]); }
  return [...m].sort((a, b) => a[0] - b[0]).map(([key, ds]) => ({ key, count: ds.length, docs: ds }));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const strip = (bs: { key: string | number; count: number }[]): B[] => bs.map(({ key, count }) => ({ key, count }));

export function expectedAggs(docs: FixtureDoc[]): Record<string, unknown> {
  const bytes = docs.map((f) => f.bytes);
  const statuses = docs.filter((f) => f.hasStatus).map((f) => 200 + (f.bytes % 3) * 100);
  const ipCmp = (a: string, b: string) => Buffer.compare(parseIp(a)!, parseIp(b)!);
  return {
    per6h: { buckets: strip(histogram(docs, 6 * H)) },
    users: { buckets: strip(terms(docs, (f) => [f.user], 3)) },
    ports: { buckets: strip(terms(docs, (f) => [f.port], 10, (a, b) => a - b)) },
    srcIps: { buckets: strip(terms(docs, (f) => [f.srcIp], 6, ipCmp)) },
    tags: { buckets: strip(terms(docs, (f) => f.tags, 5)) },
    sites: { buckets: strip(terms(docs, (f) => [f.host.startsWith('web') ? 'dmz' : 'core'], 5)) },
    distinctUsers: { value: new Set(docs.map((f) => f.user)).size },
    bytesSum: { value: sum(bytes) },
    bytesAvg: { value: bytes.length ? sum(bytes) / bytes.length : null },
    bytesMin: { value: bytes.length ? Math.min(...bytes) : null },
    bytesMax: { value: bytes.length ? Math.max(...bytes) : null },
    firstSeen: { value: docs.length ? Math.min(...docs.map((f) => f.ts)) : null },
    statusAvg: { value: statuses.length ? sum(statuses) / statuses.length : null },
    hostBytes: { buckets: terms(docs, (f) => [f.host], 3).map((b) => ({ key: b.key, count: b.count, aggs: { bytes: { value: sum(b.docs.map((f) => f.bytes)) } } })) },
    per12hUsers: { buckets: histogram(docs, 12 * H).map((b) => ({ key: b.key, count: b.count, aggs: { top: { buckets: strip(terms(b.docs, (f) => [f.user], 2)) } } })) },
  };
}
