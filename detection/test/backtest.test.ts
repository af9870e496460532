import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, parseRuleText } from '../src/index.js';
import { runBacktest, storeEvents, type BacktestStore } from '../src/backtest.js';

const rules = parseRuleText(
  `title: failed
id: f
name: failed
logsource: {product: test}
detection:
  sel:
    event.outcome: failure
  condition: sel
---
title: burst
id: burst
correlation:
  type: event_count
  rules: [failed]
  group-by: [source.ip]
  timespan: 1m
  condition: {gte: 3}
`,
  'bt.yml',
).rules;

test('backtest replays the event store in time order and marks alerts', async (t) => {
  let mod: { openEventStore(c: unknown): Promise<BacktestStore & { bulk(d: string, docs: unknown[]): Promise<unknown>; refresh(): Promise<void>; close(): Promise<void> }> };
  try {
    mod = (await import('@emsoc/event-store')) as typeof mod;
  } catch (e) {
    return t.skip(`event store package not usable: ${(e as Error).message}`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bt-'));
  const store = await mod.openEventStore({ engine: 'sqlite', path: path.join(dir, 'events.db') });
  try {
    const at = (s: number): string => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
    const doc = (s: number, id: string) => ({ id, doc: { '@timestamp': at(s), event: { id, outcome: 'failure' }, source: { ip: '203.0.113.5' } } });
    // Two failures in events, one in flows, written out of order: the merge must restore time order.
    await store.bulk('events', [doc(30, 'e3'), doc(10, 'e1')]);
    await store.bulk('flows', [doc(20, 'e2')]);
    await store.refresh();
    const engine = createEngine({ rules, mode: 'backtest' });
    const alerts: { backtest?: true; eventIds: string[] }[] = [];
    const res = await runBacktest(engine, storeEvents(store, ['events', 'flows'], { from: new Date(at(0)), to: new Date(at(3600)) }), (a) => alerts.push(a));
    assert.equal(res.events, 3);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.backtest, true);
    assert.deepEqual(alerts[0]!.eventIds, ['e1', 'e2', 'e3']);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
