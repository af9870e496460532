// Fault test (a): the search engine is stopped for 60 s under a steady TCP syslog load; once it is back,
// every event is stored exactly once (the collector's disk spool absorbs the outage, the sink retries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { collectorProcess, engineScript, ENGINE_URL, waitForAll } from './collector-process.js';

const RATE = 200; // lines per second
const SECONDS = 80;
const OUTAGE_FROM_S = 10;
const OUTAGE_S = 60;

test('engine stopped for 60 s under steady syslog/TCP load: every event stored exactly once', { timeout: 240_000 }, async (t) => {
  if (!ENGINE_URL) return t.skip('SOC_TEST_ENGINE_URL not set (start one with tests/engine/start.sh)');
  const c = await collectorProcess(ENGINE_URL);
  try {
    await c.start();
    const sock = net.connect(c.ports.tcp, '127.0.0.1');
    await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
    const total = RATE * SECONDS;
    let sent = 0;
    const started = Date.now();
    let outage: Promise<void> | undefined;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * RATE));
      let chunk = '';
      for (; sent < due; sent++) chunk += `<13>1 ${new Date().toISOString()} load-gen app 1 - - fault-a seq=${sent}\n`;
      if (chunk && !sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
      if (!outage && Date.now() - started > OUTAGE_FROM_S * 1000) {
        // Stop the engine (keeping its data) in the background; bring it back after the outage.
        outage = (async () => {
          engineScript('stop.sh', '--keep-data');
          const downAt = Date.now();
          await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_S * 1000 - (Date.now() - downAt))));
          engineScript('start.sh', '--reuse-data');
        })();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    sock.end();
    await outage;
    // Drain: poll until everything is stored (or time is up).
    const result = await waitForAll(ENGINE_URL, c.indexPrefix, total);
    assert.equal(result.distinct, total, `missing e.g. ${result.missing.join(',')}`);
    assert.equal(result.total, total, 'no event stored twice');
    assert.equal(result.duplicated, 0);
  } finally {
    await c.cleanup();
  }
});
