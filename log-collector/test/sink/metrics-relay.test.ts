import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registry, counter } from '@emsoc/common/metrics';
import { applySinkMetricUpdates, sinkMetricUpdates } from '../../src/sinks/store/sink-metrics-relay.js';

// Worker and main share one registry in this process, so the worker side is played by reading the
// updates and the main side by applying them to a metric that only the relay declares.
test('a counter that exists only in the worker is declared on the main side and gets increments', async () => {
  applySinkMetricUpdates([{ name: 'emsoc_collector_crl_fetch_failures_total', labels: { crl: 'http://ra/crl/root.crl' }, delta: 2 }]);
  applySinkMetricUpdates([{ name: 'emsoc_collector_crl_fetch_failures_total', labels: { crl: 'http://ra/crl/root.crl' }, delta: 3 }]);
  const text = await registry.getSingleMetricAsString('emsoc_collector_crl_fetch_failures_total');
  assert.match(text, /# TYPE emsoc_collector_crl_fetch_failures_total counter/);
  assert.match(text, /emsoc_collector_crl_fetch_failures_total\{crl="http:\/\/ra\/crl\/root\.crl"\} 5/);
});

test('gauges are relayed as values, counters as the increase since the last call', async () => {
  const stored = counter('emsoc_collector_sink_stored_total', 'test', ['dataset']);
  stored.inc({ dataset: 'logs' }, 7);
  const first = (await sinkMetricUpdates()).filter((u) => u.name === 'emsoc_collector_sink_stored_total');
  assert.deepEqual(first, [{ name: 'emsoc_collector_sink_stored_total', labels: { dataset: 'logs' }, delta: 7 }]);
  stored.inc({ dataset: 'logs' }, 1);
  const second = (await sinkMetricUpdates()).filter((u) => u.name === 'emsoc_collector_sink_stored_total');
  assert.deepEqual(second, [{ name: 'emsoc_collector_sink_stored_total', labels: { dataset: 'logs' }, delta: 1 }]);
  // Nothing new: nothing sent.
  assert.equal((await sinkMetricUpdates()).filter((u) => u.name === 'emsoc_collector_sink_stored_total').length, 0);
});

test('an update for a name the relay does not know is ignored', () => {
  applySinkMetricUpdates([{ name: 'emsoc_unknown_total', labels: {}, delta: 1 }]);
  assert.equal(registry.getSingleMetric('emsoc_unknown_total'), undefined);
});
