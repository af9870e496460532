/**
 * CSR conformance against third-party corpora: Boulder's deliberately bad CSRs, mbedTLS's
 * malformed-PKCS#10 vectors, asn1crypto CSRs and x509-limbo explicit-curve CSRs.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { acceptCsr, CsrError, parseCsr, type CsrErrorReason } from '../src/csr/index.js';
import { sharedDir, SHARED_DATA } from './shared-data.js';

function refusal(fn: () => unknown): CsrError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CsrError, `expected CsrError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return e;
  }
  assert.fail('expected the CSR to be refused');
}

describe('CSR conformance: boulder-csr', () => {
  const dir = sharedDir('x509', 'boulder-csr');
  const expectations: Record<string, 'accept' | CsrErrorReason> = {
    'cn_and_san.der.csr': 'accept',
    'ecdsa.der.csr': 'accept',
    'bad_algorithm.der.csr': 'weak-signature-algorithm',
    'invalid_signature.der.csr': 'bad-signature',
    'short_key.der.csr': 'key-policy',
    'ct_poison_extension.der.csr': 'forbidden-extension',
    'long_cn.der.csr': 'bad-subject',
  };
  it('accepts the valid CSRs and refuses each bad one for the right reason', (t) => {
    if (!dir) return t.skip(`shared data not found at ${SHARED_DATA}`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.csr'));
    assert.deepEqual(files.sort(), Object.keys(expectations).sort(), 'corpus content changed');
    for (const f of files) {
      const der: Uint8Array = new Uint8Array(readFileSync(path.join(dir, f)));
      const want = expectations[f]!;
      if (want === 'accept') {
        const csr = acceptCsr(der);
        assert.ok(csr.subjectAltNames.length > 0, `${f}: SANs parsed`);
      } else {
        assert.equal(refusal(() => acceptCsr(der)).reason, want, f);
      }
    }
  });
});

/** Reads test_suite_x509parse.data: blocks of description / depends_on / function:args. */
function mbedtlsCases(file: string): { description: string; fn: string; args: string[] }[] {
  const out: { description: string; fn: string; args: string[] }[] = [];
  for (const block of readFileSync(file, 'utf8').split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    if (lines.length < 2) continue;
    const callLine = lines[lines.length - 1]!;
    const args: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < callLine.length; i++) {
      const ch = callLine[i]!;
      if (ch === '\\' && quoted) {
        cur += callLine[++i] === 'n' ? '\n' : callLine[i];
      } else if (ch === '"') quoted = !quoted;
      else if (ch === ':' && !quoted) {
        args.push(cur);
        cur = '';
      } else cur += ch;
    }
    args.push(cur);
    out.push({ description: lines[0]!, fn: args.shift()!, args });
  }
  return out;
}

describe('CSR conformance: mbedtls x509parse vectors', () => {
  const dir = sharedDir('x509', 'mbedtls');
  it('refuses every malformed CSR and parses every well-formed one', (t) => {
    if (!dir) return t.skip(`shared data not found at ${SHARED_DATA}`);
    const cases = mbedtlsCases(path.join(dir, 'test_suite_x509parse.data')).filter((c) => c.fn.includes('x509_csr'));
    assert.ok(cases.length >= 30, `expected ≥ 30 CSR cases, found ${cases.length}`);
    const load = (p: string): Uint8Array =>
      new Uint8Array(readFileSync(path.join(dir, p.replace('../framework/data_files/', 'data_files/'))));
    let refused = 0;
    let parsed = 0;
    for (const c of cases) {
      const input = c.fn.endsWith('_file') || c.fn.endsWith('_info') ? load(c.args[0]!) : new Uint8Array(Buffer.from(c.args[0]!, 'hex'));
      const expectOk = c.fn.endsWith('_info') || c.args[2] === '0';
      if (expectOk) {
        const csr = parseCsr(input);
        const info = c.args[1]!;
        const subject = /subject name\s*: (.*)\n/.exec(info)?.[1];
        if (subject) assert.equal(csr.subjectString, subject, `${c.description}: subject`);
        const bits = /(?:RSA|EC) key size\s*: (\d+) bits/.exec(info)?.[1];
        if (bits) assert.equal(csr.key.bits, Number(bits), `${c.description}: key size`);
        parsed++;
      } else {
        // Must not be issued from: refused either structurally or by the acceptance policy.
        const err = refusal(() => acceptCsr(input));
        assert.ok(err.message.length > 0, c.description);
        refused++;
      }
    }
    assert.ok(refused >= 20 && parsed >= 10, `refused ${refused}, parsed ${parsed}`);
  });

  it('refuses legacy-but-wellformed mbedtls CSRs at the acceptance step (weak hash / small key)', (t) => {
    if (!dir) return t.skip(`shared data not found at ${SHARED_DATA}`);
    const p = (f: string): Uint8Array => new Uint8Array(readFileSync(path.join(dir, 'data_files', 'parse_input', f)));
    assert.equal(refusal(() => acceptCsr(p('server1.req.md5'))).reason, 'weak-signature-algorithm');
    assert.equal(refusal(() => acceptCsr(p('server5.req.sha224'))).reason, 'weak-signature-algorithm');
    assert.equal(refusal(() => acceptCsr(p('server9.req.sha256'))).reason, 'key-policy'); // RSA-PSS, 1024-bit
    acceptCsr(p('server1.req.sha384'));
    acceptCsr(p('server5.req.sha384'));
  });
});

describe('CSR conformance: asn1crypto and x509-limbo', () => {
  it('accepts the asn1crypto RSA CSRs (PEM and DER) and refuses the SHA-1 Windows CSR', (t) => {
    const dir = sharedDir('x509', 'asn1crypto');
    if (!dir) return t.skip(`shared data not found at ${SHARED_DATA}`);
    const pem = acceptCsr(readFileSync(path.join(dir, 'test-inter.csr'), 'utf8'));
    const der = acceptCsr(new Uint8Array(readFileSync(path.join(dir, 'test-inter-der.csr'))));
    assert.equal(pem.subjectString, der.subjectString);
    assert.match(pem.subjectString, /CN=Will Bond/);
    const win = new Uint8Array(readFileSync(path.join(dir, 'test-windows-host.csr')));
    assert.equal(parseCsr(win).subjectString, 'CN=windows.host.example.net');
    assert.equal(refusal(() => acceptCsr(win)).reason, 'weak-signature-algorithm');
  });

  it('refuses EC keys with explicit curve parameters', (t) => {
    const dir = sharedDir('x509', 'x509-limbo');
    if (!dir) return t.skip(`shared data not found at ${SHARED_DATA}`);
    for (const f of ['explicit_curve_ca.csr', 'explicit_curve_leaf.csr']) {
      const err = refusal(() => acceptCsr(readFileSync(path.join(dir, f), 'utf8')));
      assert.equal(err.reason, 'key-policy', f);
      assert.match(err.message, /ec-explicit-parameters/);
    }
  });
});

describe('CSR error hygiene', () => {
  it('turns arbitrary garbage into CsrError, never another exception', () => {
    const samples: (string | Uint8Array)[] = ['', 'not a csr', '-----BEGIN CERTIFICATE REQUEST-----\n!!\n-----END CERTIFICATE REQUEST-----', new Uint8Array(0), Uint8Array.of(0x30, 0x80, 0, 0), Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff)];
    for (let i = 0; i < 300; i++) samples.push(new Uint8Array(Array.from({ length: i % 40 }, (_, j) => (i * 31 + j * 17) & 0xff)));
    for (const s of samples) refusal(() => acceptCsr(s));
  });
});
