import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { createSyslogFramer } from '../../src/sources/syslog/index.js';
import { processSyslog } from '../../src/transforms/index.js';

const LINE = 'sshd[123]: Failed password for root from 203.0.113.9 port 4242 ssh2';

/** Runs the real util-linux `logger --tcp` against a loopback listener and returns what it sent. */
async function captureLogger(args: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const server = net.createServer((c) => c.on('data', (d: Buffer) => chunks.push(d)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const r = spawnSync('logger', ['--tcp', '-n', '127.0.0.1', '-P', String(port), ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await new Promise((res) => setTimeout(res, 200));
  await new Promise((res) => server.close(res));
  return Buffer.concat(chunks);
}

test('logger --tcp: program and pid come from MSG when APP-NAME is the login user', async (t) => {
  if (spawnSync('logger', ['--help']).error) return t.skip('logger (util-linux/bsdutils) not installed');
  const wire = await captureLogger([LINE]);
  const framer = createSyslogFramer();
  const all = [...framer.push(wire), ...framer.end()];
  assert.equal(all.length, 1, `one frame from ${JSON.stringify(wire.toString())}`);
  const ev = processSyslog(all[0]!.data, { sourceAddress: '127.0.0.1' });
  assert.equal(ev.log.syslog.version, 1, 'logger sent RFC 5424');
  assert.notEqual(ev.log.syslog.appname, 'sshd', 'header APP-NAME is the default (login user)');
  assert.equal(ev.process.name, 'sshd');
  assert.equal(ev.process.pid, 123);
  assert.equal(ev.message, 'Failed password for root from 203.0.113.9 port 4242 ssh2');
  assert.deepEqual(ev.event.category, ['authentication']);
  assert.equal(ev.event.outcome, 'failure');
  assert.equal(ev.source.ip, '203.0.113.9');
  assert.equal(ev.source.port, 4242);
  assert.equal(ev.user.name, 'root');
});

test('an explicit PROCID keeps the header program', () => {
  const ev = processSyslog('<13>1 2026-01-01T00:00:00Z h myapp 77 - - sshd[1]: text');
  assert.equal(ev.process.name, 'myapp');
  assert.equal(ev.process.pid, 77);
  assert.equal(ev.message, 'sshd[1]: text');
});
