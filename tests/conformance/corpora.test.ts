/**
 * Third-party certificate/CRL corpora through our parsers (certificate reader + TBS decoder + lint,
 * the status client's CRL reader): nothing crashes (every refusal is an Error with a message, no
 * hang), and the must-fail cases are refused. Data: /work/shared/data/x509 (see each SOURCE.md).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { sharedDataDir } from '@emsoc/common';
import { createDevCa, decodeTbs, hasErrors, inspectCertificate, lintTbs, pemBlocks, sm2Verifier, VerifierRegistry } from '@emsoc/pki';
import { readCrl } from '@emsoc/pki/status-client/index';
import os from 'node:os';

const X509 = path.join(sharedDataDir, 'x509');
const registry = new VerifierRegistry().register(sm2Verifier);
const someCa = inspectCertificate(createDevCa(fs.mkdtempSync(path.join(os.tmpdir(), 'conf-ca-'))).certificateDer);

type Outcome = { ok: true } | { ok: false; message: string };

/** Runs a parser; a thrown non-Error or an Error without message counts as a crash. */
function attempt(fn: () => unknown): Outcome {
  try {
    fn();
    return { ok: true };
  } catch (e) {
    assert.ok(e instanceof Error && e.message.length > 0, `parser crashed with ${String(e)}`);
    return { ok: false, message: e.message };
  }
}

/** Certificate acceptance as the RA sees it: strict parse, TBS decode, and no lint error. */
const parseCertificate = (der: Uint8Array) => {
  const info = inspectCertificate(der);
  decodeTbs(info.tbs);
  const findings = lintTbs(info.tbs);
  if (hasErrors(findings)) throw new Error(`lint: ${findings.filter((f) => f.severity === 'error').map((f) => f.code).join(', ')}`);
};
const parseCrlDer = (der: Uint8Array) => readCrl(der, someCa, registry);

test('zlint and asn1crypto corpora: every certificate and CRL goes through the parsers without a crash', (t) => {
  if (!fs.existsSync(X509)) return t.skip(`shared data not found at ${X509}`);
  let n = 0;
  const dirs = [path.join(X509, 'zlint', 'testdata'), path.join(X509, 'asn1crypto'), path.join(X509, 'asn1crypto', 'chromium'), path.join(X509, 'x509-limbo')];
  for (const dir of dirs.filter((d) => fs.existsSync(d))) {
    for (const f of fs.readdirSync(dir)) {
      const file = path.join(dir, f);
      if (!fs.statSync(file).isFile() || !/\.(pem|crt|der|cer|crl)$/.test(f)) continue;
      const bytes = fs.readFileSync(file);
      const blocks = bytes.includes('-----BEGIN') ? pemBlocks(bytes.toString('latin1')) : [{ label: f.endsWith('.crl') ? 'X509 CRL' : 'CERTIFICATE', der: new Uint8Array(bytes) }];
      for (const b of blocks) {
        if (b.label === 'CERTIFICATE') attempt(() => parseCertificate(b.der));
        else if (b.label === 'X509 CRL') attempt(() => parseCrlDer(b.der));
        else continue;
        n++;
      }
    }
  }
  assert.ok(n > 250, `only ${n} objects found`);
  t.diagnostic(`${n} certificates/CRLs parsed or refused cleanly`);
});

test('mbedtls must-fail certificates and CRLs are refused; x509-limbo negative serial is refused', (t) => {
  if (!fs.existsSync(X509)) return t.skip(`shared data not found at ${X509}`);
  const vectors = JSON.parse(fs.readFileSync(path.join(X509, 'mbedtls', 'x509parse_vectors.json'), 'utf8')) as { cases: { description: string; function: string; args: unknown[] }[] };
  const accepted: string[] = [];
  let refused = 0;
  for (const c of vectors.cases) {
    if (c.function !== 'x509parse_crt' && c.function !== 'x509parse_crl') continue;
    const expected = c.args[c.args.length - 1] as { symbol?: string } | string;
    if (!(typeof expected === 'object' && expected?.symbol !== undefined && expected.symbol !== '0')) continue;
    const der = new Uint8Array(Buffer.from(String(c.args[0]), 'hex'));
    const out = attempt(() => (c.function === 'x509parse_crt' ? parseCertificate(der) : parseCrlDer(der)));
    if (out.ok) accepted.push(`${c.function}: ${c.description} (mbedtls: ${(expected as { symbol: string }).symbol})`);
    else refused++;
  }
  assert.ok(refused > 50, `only ${refused} must-fail cases`);
  assert.deepEqual(accepted, [], 'must-fail cases our parsers accepted');
  const neg = pemBlocks(fs.readFileSync(path.join(X509, 'x509-limbo', 'negative_serial.pem'), 'utf8'))[0]!.der;
  assert.equal(attempt(() => parseCertificate(neg)).ok, false);
});
