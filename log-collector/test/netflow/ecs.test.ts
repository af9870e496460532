import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoFromMs } from '../../src/sources/netflow/ecs.js';
import { decodeFlowPacket, flowEventId, TemplateCache, toEcs } from '../../src/sources/netflow/index.js';
import { concat, FLOW_SPECS, flowRecord, ipfixMessage, ipfixTemplate, set } from './build.js';

const exporter = { address: '198.51.100.7', port: 4739 };
const at = new Date('2024-05-01T00:00:00Z');
const pkt = ipfixMessage([set(2, ipfixTemplate(300, FLOW_SPECS)), set(300, concat(flowRecord(1), flowRecord(2)))], { sequence: 9, domain: 3 });

test('toEcs maps a flow to ECS network fields', () => {
  const r = decodeFlowPacket(pkt, exporter, at, new TemplateCache());
  const doc = toEcs(r.records[0]!);
  assert.equal(doc['@timestamp'], new Date(1_700_000_000_251).toISOString());
  assert.deepEqual(doc.event, {
    id: flowEventId(r.records[0]!),
    kind: 'event',
    category: ['network'],
    type: ['connection'],
    module: 'netflow',
    dataset: 'netflow.flow',
    start: new Date(1_700_000_000_001).toISOString(),
    end: new Date(1_700_000_000_251).toISOString(),
    duration: 250_000_000,
    created: at.toISOString(),
  });
  assert.deepEqual(doc.source, { ip: '10.0.0.1', port: 40001, bytes: 1501, packets: 4 });
  assert.deepEqual(doc.destination, { ip: '192.0.2.10', port: 443 });
  assert.deepEqual(doc.network, { transport: 'tcp', iana_number: '6', type: 'ipv4', bytes: 1501, packets: 4, direction: 'egress' });
  assert.deepEqual(doc.observer, { ip: '198.51.100.7' });
  const nf = doc.netflow as Record<string, unknown>;
  assert.equal(nf.version, 10);
  assert.equal(nf.template_id, 300);
  assert.equal(nf.tcp_flags, 0x12);
  assert.deepEqual(nf.exporter, { address: '198.51.100.7:4739', observation_domain: 3 });
});

test('event.id is deterministic across replays and distinct per record', () => {
  const a = decodeFlowPacket(pkt, exporter, at, new TemplateCache());
  const b = decodeFlowPacket(pkt, exporter, new Date(at.getTime() + 3_600_000), new TemplateCache());
  assert.match(flowEventId(a.records[0]!), /^[0-9a-f]{40}$/);
  assert.equal(flowEventId(a.records[0]!), flowEventId(b.records[0]!));
  assert.notEqual(flowEventId(a.records[0]!), flowEventId(a.records[1]!));
  const other = decodeFlowPacket(pkt, { ...exporter, address: '198.51.100.8' }, at, new TemplateCache());
  assert.notEqual(flowEventId(a.records[0]!), flowEventId(other.records[0]!));
});

test('isoFromMs matches Date#toISOString', () => {
  const samples = [0, 1, -1, 86_399_999, 951_782_400_000, 1_700_000_000_251, -62_167_219_200_000, 253_402_300_799_999, 4_102_444_800_000];
  for (let i = 0; i < 2000; i++) samples.push(Math.floor((i * 7919 * 1e9) % 253_402_300_799_999) - (i % 3 === 0 ? 6e13 : 0));
  for (const ms of samples) assert.equal(isoFromMs(ms), new Date(ms).toISOString(), String(ms));
  assert.equal(isoFromMs(Number.NaN), undefined);
  assert.equal(isoFromMs(8.64e15), undefined);
});

test('event.id is the same whether a data set was decoded at once or buffered until its template came', () => {
  const tpl = set(2, ipfixTemplate(300, FLOW_SPECS));
  const data = set(300, concat(flowRecord(1), flowRecord(2)));
  const buffering = new TemplateCache();
  decodeFlowPacket(ipfixMessage([data], { sequence: 5 }), exporter, at, buffering);
  const late = decodeFlowPacket(ipfixMessage([tpl], { sequence: 6 }), exporter, at, buffering);
  const known = new TemplateCache();
  decodeFlowPacket(ipfixMessage([tpl]), exporter, at, known);
  const direct = decodeFlowPacket(ipfixMessage([data], { sequence: 5 }), exporter, at, known);
  assert.equal(late.records.length, 2);
  assert.deepEqual(late.records.map(flowEventId), direct.records.map(flowEventId));
});
