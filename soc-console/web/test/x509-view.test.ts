import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DerError, decodeCertificate, pemToDer, splitPem } from '../src/app/features/ra/x509-view.js';

function opensslCert(t: { skip(msg: string): void }): string | null {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    t.skip('openssl not installed');
    return null;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x509-view-'));
  try {
    const cfg = path.join(dir, 'ext.cnf');
    fs.writeFileSync(
      cfg,
      [
        '[req]',
        'distinguished_name=dn',
        'string_mask=utf8only',
        'utf8=yes',
        '[dn]',
        '[ext]',
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        'subjectAltName=DNS:soc.yjj.example.cn,IP:10.20.30.40,IP:2001:db8::1,email:ops@yjj.example.cn,URI:https://soc.example.cn/',
        'subjectKeyIdentifier=hash',
      ].join('\n'),
    );
    execFileSync('openssl', [
      'req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'k.pem'),
      '-out', path.join(dir, 'c.pem'), '-days', '30', '-set_serial', '0x8a1b2c', '-utf8',
      '-subj', '/C=CN/O=应急管理部/OU=信息中心/CN=soc.yjj.example.cn', '-config', cfg, '-extensions', 'ext',
    ], { stdio: 'pipe' });
    return fs.readFileSync(path.join(dir, 'c.pem'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('decodes what openssl wrote: names (UTF-8), validity, SANs and extensions', (t) => {
  const pem = opensslCert(t);
  if (!pem) return;
  const v = decodeCertificate(pemToDer(pem));
  assert.equal(v.serial, '8a1b2c');
  assert.equal(v.subject, 'C=CN, O=应急管理部, OU=信息中心, CN=soc.yjj.example.cn');
  assert.equal(v.issuer, v.subject);
  assert.equal(v.signatureAlgorithm, 'ecdsa-with-SHA256');
  assert.ok(Date.parse(v.notAfter) - Date.parse(v.notBefore) === 30 * 86_400_000);
  assert.deepEqual(v.sans, [
    { type: 'dns', value: 'soc.yjj.example.cn' },
    { type: 'ip', value: '10.20.30.40' },
    { type: 'ip', value: '2001:db8::1' },
    { type: 'email', value: 'ops@yjj.example.cn' },
    { type: 'uri', value: 'https://soc.example.cn/' },
  ]);
  const ext = Object.fromEntries(v.extensions.map((e) => [e.name, e]));
  assert.deepEqual([ext['basicConstraints']!.critical, ext['basicConstraints']!.value], [true, 'CA=false']);
  assert.deepEqual([ext['keyUsage']!.critical, ext['keyUsage']!.value], [true, 'digitalSignature, keyEncipherment']);
  assert.equal(ext['extKeyUsage']!.value, 'serverAuth, clientAuth');
  assert.equal(ext['extKeyUsage']!.critical, false);
  assert.match(ext['subjectKeyIdentifier']!.value, /^[0-9a-f]{40}$/);
  // openssl's own text output agrees on the SKI.
  const text = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectKeyIdentifier'], { input: pem }).toString();
  assert.ok(text.replace(/[:\s]/g, '').toLowerCase().includes(ext['subjectKeyIdentifier']!.value));
  assert.equal(splitPem(pem + pem).length, 2);
});

test('damaged input gives a DerError, never a hang or an out-of-range read', (t) => {
  const pem = opensslCert(t);
  if (!pem) return;
  const der = pemToDer(pem);
  for (let cut = 1; cut < der.length; cut += 7) assert.throws(() => decodeCertificate(der.subarray(0, cut)), DerError, `truncated at ${cut}`);
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 500; i++) {
    const m = Uint8Array.from(der);
    m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
    try {
      decodeCertificate(m);
    } catch (e) {
      assert.ok(e instanceof DerError || e instanceof RangeError || e instanceof TypeError, String(e));
    }
  }
  assert.throws(() => pemToDer('-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----'), DerError);
});
