/**
 * CSR intake in worker threads gives exactly what inline parsing gives: the same parsed request for
 * good CSRs (P-256, P-384, RSA, with SANs) and the same CsrError message for bad ones, under concurrency.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CsrError, parseCsr } from '../src/ca/csr.js';
import { csrWorkersAnswering, parseCsrOffThread } from '../src/ca/csr-pool.js';
import { opensslCsr, tmpDir } from './harness.js';

const outcome = async (f: () => unknown) => {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    return { ok: false, csrError: e instanceof CsrError, message: (e as Error).message };
  }
};

test('worker-thread CSR parsing matches inline parsing, refusals included', async () => {
  const dir = tmpDir('ra-csr-pool-');
  const good = [
    opensslCsr(dir, { key: 'ec:P-256', cn: 'a', san: 'DNS:a.example.gov.cn' }).csr,
    opensslCsr(dir, { key: 'ec:P-384', cn: 'b', san: 'DNS:b.example.gov.cn,IP:10.1.2.3' }).csr,
    opensslCsr(dir, { key: 'rsa:2048', cn: 'c', san: 'email:c@example.gov.cn' }).csr,
  ];
  // The last byte of the DER is the last byte of the ECDSA signature: still DER, no longer a valid proof.
  const tampered = new Uint8Array(Buffer.from(good[0]!.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
  tampered[tampered.length - 1]! ^= 0x01;
  const bad: Array<string | Uint8Array> = ['not a CSR', tampered, new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]), '-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n'];
  const inputs = [...good, ...bad, ...good, ...bad];
  const [offThread, inline] = await Promise.all([Promise.all(inputs.map((i) => outcome(() => parseCsrOffThread(i)))), Promise.all(inputs.map((i) => outcome(() => parseCsr(i))))]);
  assert.deepEqual(offThread, inline);
  assert.ok(csrWorkersAnswering() >= 1, 'the CSRs were parsed in a worker thread, not by the inline fallback');
  assert.equal(offThread.filter((o) => o.ok).length, 2 * good.length);
  for (const o of offThread.filter((x) => !x.ok)) assert.equal(o.csrError, true, `refused as a CSR error: ${o.message}`);
});
