import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processSyslog } from '../../src/transforms/index.js';

const ctx = { receivedAt: Date.parse('2026-11-29T10:00:00Z'), sourceAddress: '10.99.10.1' };
const p = (line: string) => processSyslog(line, ctx);

test('netfilter: one-pass field reader keeps the first occurrence; the quoted ICMP packet does not override', () => {
  const e = p('<4>Nov 29 10:00:00 fw kernel: [12.5] REJECT-OUT: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=192.0.2.1 DST=10.0.0.9 LEN=88 TOS=0x00 PREC=0xC0 TTL=64 ID=4242 PROTO=ICMP TYPE=3 CODE=3 [SRC=10.0.0.9 DST=192.0.2.1 LEN=60 TOS=0x00 TTL=63 ID=7 DF PROTO=UDP SPT=5353 DPT=53 LEN=40 ]');
  assert.deepEqual([e.source.ip, e.destination.ip, e.source.bytes, e.network.transport], ['192.0.2.1', '10.0.0.9', 88, 'icmp']);
  // ` SPT=` first appears inside the quoted packet (the outer ICMP header has no ports): it is read from there.
  assert.deepEqual([e.source.port, e.destination.port], [5353, 53]);
  assert.deepEqual(e.iptables, { ttl: '64', id: '4242', tos: '0x00', prec: '0xC0', type: '3', code: '3', flags: ['DF'] });
  assert.deepEqual([e.source.mac, e.destination.mac], ['66-77-88-99-AA-BB', '00-11-22-33-44-55']);
  assert.deepEqual([e.event.action, e.event.outcome, e.observer.ingress.interface.name, e.observer.egress], ['REJECT-OUT', 'failure', 'eth0', undefined]);
});

test('netfilter: a flag counts when the first word starting with its name is exactly that name', () => {
  const e = p('<4>Nov 29 10:00:00 fw kernel: ACCEPT IN=eth0 OUT=eth1 SRC=192.0.2.1 DST=10.0.0.9 LEN=60 PROTO=TCP SPT=1 DPT=22 SYNX=1 SYN ACK URGP=0 URG');
  // SYNX=1 comes first for SYN, URGP=0 for URG: neither is a flag; ACK is.
  assert.deepEqual(e.iptables.flags, ['ACK']);
  assert.deepEqual([e.source.port, e.destination.port, e.event.outcome], [1, 22, 'success']);
});
