/** The officer CLI end to end against a running RA (child processes, token files). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, cliAs, opensslCsr, startHarness, type Harness } from './harness.js';

const run = promisify(execFile);
let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const cli = (account: string, ...args: string[]) => cliAs(h, account, ...args);

test('submit → list → approve → show → download → audit-verify, with --help everywhere', async () => {
  const { csr } = opensslCsr(h.dataDir, { san: 'email:zhao.liu@yjt.demo.gov.cn' });
  const csrFile = path.join(h.dataDir, 'req.csr');
  fs.writeFileSync(csrFile, csr);
  const subjectFile = path.join(h.dataDir, 'subject.json');
  fs.writeFileSync(subjectFile, JSON.stringify({ kind: 'person', orgUnit: 'prov-demo', commonName: '赵六', email: 'zhao.liu@yjt.demo.gov.cn' }));
  const sub = await cli('requester', 'submit', '--profile', 'person-authentication', '--subject', subjectFile, '--csr', csrFile, '--json');
  assert.equal(sub.code, 0, sub.stderr);
  const id = JSON.parse(sub.stdout).id as string;
  const list = await cli('officer', 'list', '--status', 'submitted');
  assert.match(list.stdout, new RegExp(id));
  const self = await cli('requester', 'approve', id);
  assert.equal(self.code, 1);
  assert.match(self.stderr, /error 403/);
  const ok = await cli('officer', 'approve', id, '--comment', '已核验');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /issued/);
  const show = await cli('officer', 'show', id, '--json');
  const serial = JSON.parse(show.stdout).resultSerial as string;
  const dl = await cli('officer', 'download', serial, '--chain', '--out', path.join(h.dataDir, 'out.pem'));
  assert.equal(dl.code, 0, dl.stderr);
  assert.equal((fs.readFileSync(path.join(h.dataDir, 'out.pem'), 'utf8').match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
  const rev = await cli('officer', 'revoke', serial, '--reason', 'superseded');
  assert.match(rev.stdout, /revoke\s+submitted/);
  const verify = await cli('auditor', 'audit-verify');
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /^OK: \d+ records/);
  const denied = await cli('requester', 'audit-verify');
  assert.equal(denied.code, 1);
  for (const c of ['submit', 'list', 'show', 'approve', 'reject', 'cancel', 'revoke', 'suspend', 'resume', 'recover', 'recovered-key', 'download', 'audit-verify']) {
    const help = await run(process.execPath, ['--import', 'tsx', CLI, c, '--help']);
    assert.match(help.stdout, new RegExp(`Usage: ra-cli ${c}`));
  }
});
