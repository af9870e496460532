import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRetentionPolicy, RetentionPolicyError } from '../../src/retention/policy.js';
import { startRetention, type RetentionAuditEvent } from '../../src/retention/job.js';
import { SqliteEventStore } from '../../src/sqlite/store.js';
import type { RetentionResult } from '../../src/contract.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DAY = 86_400_000;

describe('retention policy', () => {
  it('loads the repository policy with at least 180 days for logs and flows', () => {
    const p = parseRetentionPolicy(readFileSync(path.join(repoRoot, 'policies/retention.yaml'), 'utf8'));
    for (const d of ['events', 'audit', 'flows', 'deadletter'] as const) assert.ok(p.datasets[d].days >= 180, d);
  });

  it('refuses less than 180 days for logs and flows without an override', () => {
    assert.throws(() => parseRetentionPolicy('datasets:\n  flows: { days: 90 }\n'), (e: unknown) => e instanceof RetentionPolicyError && /legal minimum of 180/.test(e.message));
    assert.throws(() => parseRetentionPolicy('datasets:\n  audit: { days: 179 }\n'), RetentionPolicyError);
    assert.throws(() => parseRetentionPolicy('datasets:\n  events: { days: 30, override: { reason: "" , approvedBy: x } }\n'), /reason and approvedBy/);
    assert.throws(() => parseRetentionPolicy('datasets:\n  alerts: { days: 1.5 }\n'), /whole number/);
    assert.throws(() => parseRetentionPolicy('datasets:\n  secrets: { days: 5 }\n'), /unknown dataset/);
    assert.throws(() => parseRetentionPolicy('datasets: [\n'), /not valid YAML/);
    // datasets without a legal floor may be short; missing ones default to 180
    const p = parseRetentionPolicy('datasets:\n  reports: { days: 7 }\n');
    assert.equal(p.datasets.reports.days, 7);
    assert.equal(p.datasets.events.days, 180);
  });

  it('accepts an override and reports every use of it to the audit callback', async () => {
    const policy = parseRetentionPolicy('datasets:\n  flows:\n    days: 90\n    override: { reason: "disk budget", approvedBy: "security officer" }\n');
    const store = new SqliteEventStore({ path: ':memory:' });
    await store.init();
    const now = Date.UTC(2026, 5, 1);
    const docs = [10, 89, 91, 200].map((age) => ({ id: `f${age}`, doc: { '@timestamp': new Date(now - age * DAY).toISOString() } }));
    await store.bulk('flows', docs);
    await store.bulk('events', docs);
    const audits: RetentionAuditEvent[] = [];
    const reports: RetentionResult[][] = [];
    const job = startRetention({ store, policy, audit: (e) => { audits.push(e); }, onResult: (r) => reports.push(r), intervalMs: 60_000, now: () => now });
    const first = await job.runOnce();
    await job.stop();
    const byDataset = Object.fromEntries(first.map((r) => [r.dataset, r.removed]));
    assert.equal(byDataset.flows, 2); // 91 and 200 days old
    assert.equal(byDataset.events, 1); // only the 200-day-old one
    assert.deepEqual(audits.map((a) => [a.type, a.dataset, a.days, a.approvedBy]), [['retention.override-applied', 'flows', 90, 'security officer']]);
    assert.ok(reports.length >= 1);
    assert.equal(first.find((r) => r.dataset === 'flows')!.removedBefore.getTime(), now - 90 * DAY);
    assert.equal(await store.count({ dataset: 'flows' }), 2);
    await store.close();
  });
});
