// Detection as a stage of the running pipeline: an SSH brute force sent with `logger` becomes an alert
// (the library's event_count rule) and the console groups it into an incident.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { eventually, startPlatform, type RunningPlatform } from '../lib/platform.js';
import { httpsRequest } from '../lib/https.js';
import { getField } from '@emsoc/common/ecs';

const BRUTE_FORCE_RULE = 'c8913a5e-c13f-4a6a-8ffb-7e2ad98b86fd';
let platform: RunningPlatform;

before(async () => {
  platform = await startPlatform();
});
after(async () => {
  await platform?.stop();
});

test('25 failed SSH logins from one address raise the brute-force alert and open an incident', async () => {
  for (let i = 0; i < 25; i++) {
    execFileSync('logger', ['--tcp', '-n', '127.0.0.1', '-P', String(platform.ports.syslog), `sshd[${4000 + i}]: Failed password for invalid user admin${i} from 198.51.100.7 port ${40000 + i} ssh2`]);
  }
  const range = `from=${new Date(Date.now() - 3600_000).toISOString()}&to=${new Date(Date.now() + 3600_000).toISOString()}`;
  const alert = await eventually(async () => {
    const r = await httpsRequest<{ total: number; events: any[] }>(`${platform.consoleUrl}/api/v1/events?dataset=alerts&q=${encodeURIComponent(`rule.id:${BRUTE_FORCE_RULE}`)}&${range}`, { ca: platform.ca, token: platform.adminToken });
    return r.body.total > 0 ? r.body.events[0] : undefined;
  }, 20_000, 250);
  assert.ok(alert, 'brute-force alert stored');
  assert.equal(alert.event.kind, 'alert');
  assert.equal(getField(alert.alert.group, 'source.ip'), '198.51.100.7', 'grouped by source address');
  assert.ok(alert.alert.event_ids.length > 0, 'the alert links the matched events');
  assert.ok(alert.threat.technique.id.some((t: string) => t.toLowerCase().startsWith('t1110')), 'ATT&CK technique from the rule tags');

  const incident = await eventually(async () => {
    const r = await httpsRequest<{ total: number; incidents: any[] }>(`${platform.consoleUrl}/api/v1/incidents`, { ca: platform.ca, token: platform.adminToken });
    return r.status === 200 && r.body.total > 0 ? r.body.incidents.find((i) => JSON.stringify(i).includes(BRUTE_FORCE_RULE)) : undefined;
  }, 20_000, 500);
  assert.ok(incident, 'an incident groups the alert');
});
