import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { pino } from 'pino';
import { Spool } from '../../src/spool/spool.js';
import { EventPipeline, type SpoolEntry } from '../../src/pipeline/event-pipeline.js';
import { listenSyslogTls } from '../../src/sources/syslog/listen.js';
import { syslogDecoder } from '../../src/sources/syslog/decode.js';
import { makeTlsFixture } from '../tls-fixture.js';

test('syslog over TLS: a client certificate the status check calls revoked is refused; a good one is taken', async () => {
  const fx = makeTlsFixture();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syslog-tls-'));
  const good = fx.client('good-host');
  const revoked = fx.client('revoked-host');
  const spool = new Spool({ dir, maxBytes: 1 << 20 });
  const checked: string[] = [];
  // Stands in for the RA's OCSP/CRL status client: revoked by serial number.
  const certificateStatus = async (der: Buffer) => {
    const serial = new X509Certificate(der).serialNumber.toLowerCase();
    checked.push(serial);
    return serial === revoked.serial ? ('revoked' as const) : ('good' as const);
  };
  const server = await listenSyslogTls({
    host: '127.0.0.1', port: 0, tls: { key: fx.server.key, cert: fx.server.cert, ca: fx.ca }, requireClientCert: true, certificateStatus,
    decode: syslogDecoder(undefined, 'UTC'), pipeline: new EventPipeline(spool), maxFrameBytes: 65536, logger: pino({ level: 'silent' }),
  });
  const port = (server.address() as { port: number }).port;
  const send = async (client: { key: string; cert: string }, line: string): Promise<boolean> => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca: fx.ca, servername: 'localhost', key: client.key, cert: client.cert });
    await new Promise<void>((r, j) => sock.once('secureConnect', () => r()).once('error', j));
    sock.write(`${line}\n`);
    return new Promise<boolean>((resolve) => {
      sock.on('error', () => undefined);
      sock.once('close', () => resolve(false));
      setTimeout(() => {
        sock.end();
        resolve(true);
      }, 700);
    });
  };
  try {
    assert.equal(await send(good, '<13>Nov 24 16:00:00 h1 app: from the good host'), true);
    assert.equal(await send(revoked, '<13>Nov 24 16:00:00 h2 app: from the revoked host'), false, 'revoked client disconnected');
    await new Promise((r) => setTimeout(r, 200));
    const messages: string[] = [];
    for (let b = spool.read(100); b; b = spool.read(100)) for (const p of b.payloads) messages.push(String((JSON.parse(p.toString()) as SpoolEntry).e.message));
    assert.deepEqual(messages, ['from the good host']);
    assert.deepEqual(checked.sort(), [good.serial, revoked.serial].sort());
  } finally {
    server.close();
    spool.close();
    fx.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
