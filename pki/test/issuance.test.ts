/** Certificate issuance checked by the openssl peer: text dump, chain verification, TLS handshake. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tls from 'node:tls';
import {
  acceptCsr,
  parseCsr,
  createDevCa,
  createIssuer,
  createKeySigner,
  DevCaError,
  issueCertificate,
  issueFromCsr,
  issueTlsServerCertificate,
  loadDevCa,
  loadOrCreateDevCa,
  prepareCertificate,
  PROFILES,
  signPrepared,
  toPem,
  inspectCertificate,
  selfIssuer,
  type DevCa,
} from '../src/index.js';
import { openssl, opensslOk, tempDir } from './helpers.js';

describe('development CA and certificate issuance', () => {
  const tmp = tempDir('issue');
  let ca: DevCa;
  const caDir = path.join(tmp.dir, 'ca');
  const rootPath = path.join(caDir, 'root.pem');

  before(() => {
    ca = createDevCa(caDir, {
      crlUrls: ['http://ra.example.gov.cn/crl/dev.crl'],
      ocspUrls: ['http://ra.example.gov.cn/ocsp'],
      caIssuersUrls: ['http://ra.example.gov.cn/ca/root.cer'],
    });
  });
  after(() => tmp.cleanup());

  it('creates a clearly named P-384 root with a 0600 key file, and loads it back', () => {
    assert.equal(statSync(path.join(caDir, 'root-key.pem')).mode & 0o777, 0o600);
    const text = opensslOk(['x509', '-in', rootPath, '-noout', '-text', '-nameopt', 'utf8,sep_comma_plus']);
    assert.match(text, /Subject: C=CN,O=EMSOC Development,OU=Stand-in for the Ministry CA — not for production,CN=EMSOC Development CA \(Ministry CA stand-in, NOT FOR PRODUCTION\)/);
    assert.match(text, /NIST CURVE: P-384/);
    assert.match(text, /ecdsa-with-SHA384/);
    assert.match(text, /Basic Constraints: critical\s+CA:TRUE/);
    assert.match(text, /Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    assert.match(opensslOk(['verify', '-CAfile', rootPath, rootPath]), /OK/);
    const again = loadOrCreateDevCa(caDir);
    assert.deepEqual(again.certificateDer, ca.certificateDer);
    assert.throws(() => createDevCa(caDir), DevCaError);
  });

  it('creates exactly one CA when several processes start on an empty directory at once', async () => {
    const d = path.join(tmp.dir, 'race');
    const script = path.join(tmp.dir, 'race.mts');
    const mod = new URL('../src/dev-ca/index.ts', import.meta.url).href;
    writeFileSync(script, `import { loadOrCreateDevCa } from '${mod}';\nprocess.stdout.write(loadOrCreateDevCa(process.argv[2]).certificatePem);\n`);
    const run = (): Promise<string> =>
      new Promise((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', script, d], { timeout: 60_000 }, (err, out) => (err ? reject(err) : resolve(out)));
      });
    const pems = await Promise.all([run(), run(), run()]);
    assert.equal(new Set(pems).size, 1, 'all processes see the same root');
    assert.equal(pems[0], readFileSync(path.join(d, 'root.pem'), 'utf8'));
  });

  it('refuses to load a key readable by others', () => {
    const d = path.join(tmp.dir, 'loose');
    createDevCa(d);
    const key = path.join(d, 'root-key.pem');
    chmodSync(key, 0o644);
    assert.throws(() => loadDevCa(d), /chmod 600/);
  });

  it('creates a P-256 root on request, signing with SHA-256, and its leaves verify', () => {
    const d = path.join(tmp.dir, 'p256');
    const small = createDevCa(d, { curve: 'P-256' });
    const root = path.join(d, 'root.pem');
    const text = opensslOk(['x509', '-in', root, '-noout', '-text']);
    assert.match(text, /NIST CURVE: P-256/);
    assert.match(text, /ecdsa-with-SHA256/);
    const f = issueTlsServerCertificate(small, { ipAddresses: ['127.0.0.1'] }, path.join(tmp.dir, 'p256-tls'));
    assert.match(opensslOk(['verify', '-CAfile', root, '-purpose', 'sslserver', f.certPath]), /: OK/);
  });

  it('issues a TLS server certificate that openssl verifies and a TLS client accepts', async () => {
    const out = path.join(tmp.dir, 'tls');
    const f = issueTlsServerCertificate(ca, { dnsNames: ['soc.example.gov.cn'], ipAddresses: ['127.0.0.1', '::1'], clientAuth: true }, out);
    assert.equal(statSync(f.keyPath).mode & 0o777, 0o600);
    assert.match(opensslOk(['verify', '-CAfile', rootPath, '-purpose', 'sslserver', f.certPath]), /: OK/);
    assert.match(opensslOk(['verify', '-CAfile', rootPath, '-purpose', 'sslclient', f.certPath]), /: OK/);
    const text = opensslOk(['x509', '-in', f.certPath, '-noout', '-text']);
    assert.match(text, /DNS:soc.example.gov.cn, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1/);
    assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(text, /CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/ra.example.gov.cn\/crl\/dev.crl/);
    assert.match(text, /OCSP - URI:http:\/\/ra.example.gov.cn\/ocsp/);
    assert.match(text, /CA Issuers - URI:http:\/\/ra.example.gov.cn\/ca\/root.cer/);
    const serial = /Serial Number:\s+([0-9a-f:]+)/.exec(text)![1]!.replace(/:/g, '');
    assert.equal(serial, f.serialHex);

    // A real TLS handshake against the issued certificate, trusting only the dev root.
    const server = tls.createServer({ cert: readFileSync(f.chainPath), key: readFileSync(f.keyPath) }, (s) => s.end('hi'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const got = await new Promise<string>((resolve, reject) => {
        const c = tls.connect({ host: '127.0.0.1', port, servername: 'soc.example.gov.cn', ca: ca.certificatePem }, () => {
          c.once('data', (d) => resolve(d.toString()));
        });
        c.on('error', reject);
      });
      assert.equal(got, 'hi');
    } finally {
      server.close();
    }
  });

  it('issues from an openssl-made CSR (P-256, P-384, RSA-2048) and openssl verifies the chain', () => {
    const variants: [string, string[]][] = [
      ['p256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
      ['p384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']],
      ['rsa', ['-newkey', 'rsa:2048']],
    ];
    for (const [name, keyArgs] of variants) {
      const csrPath = path.join(tmp.dir, `${name}.csr`);
      opensslOk(['req', '-new', '-utf8', ...keyArgs, '-nodes', '-keyout', path.join(tmp.dir, `${name}.key`), '-out', csrPath,
        '-subj', `/C=CN/O=应急管理厅/OU=信息中心/CN=${name}.device.example`, '-addext', `subjectAltName=DNS:${name}.device.example`]);
      assert.throws(() => issueFromCsr(ca, parseCsr(readFileSync(csrPath, 'utf8')), { profile: PROFILES.service }), /has not passed acceptCsr/);
      const csr = acceptCsr(readFileSync(csrPath, 'utf8'));
      assert.deepEqual(csr.subjectAltNames, [{ type: 'dns', value: `${name}.device.example` }]);
      const issued = issueFromCsr(ca, csr, { profile: PROFILES.service, validityDays: 90 });
      const certPath = path.join(tmp.dir, `${name}.pem`);
      writeFileSync(certPath, toPem(issued.certificateDer, 'CERTIFICATE'));
      assert.match(opensslOk(['verify', '-CAfile', rootPath, '-purpose', 'sslserver', certPath]), /: OK/, name);
      const text = opensslOk(['x509', '-in', certPath, '-noout', '-text', '-nameopt', 'utf8,sep_comma_plus']);
      assert.match(text, /Subject: C=CN,O=应急管理厅,OU=信息中心,CN=/);
      assert.match(text, name === 'rsa' ? /Digital Signature, Key Encipherment/ : /Key Usage: critical\s+Digital Signature\n/);
      // Chaining is bytewise: the issuer field is the CA subject verbatim.
      assert.deepEqual(inspectCertificate(issued.certificateDer).issuer, inspectCertificate(ca.certificateDer).subject);
    }
  });

  it('signs exactly the prepared bytes, with random positive 16-octet serials', () => {
    const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = new Uint8Array(leaf.publicKey.export({ type: 'spki', format: 'der' }));
    const serials = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = prepareCertificate({
        issuer: ca.issuer,
        subject: [{ type: 'CN', value: 'x' }],
        publicKeyInfo: spki,
        notAfter: new Date(Date.now() + 86_400_000),
        keyUsage: ['digitalSignature'],
      });
      assert.equal(p.serialNumber.length, 16);
      assert.ok(p.serialNumber[0]! > 0 && p.serialNumber[0]! < 0x80);
      serials.add(p.serialHex);
      if (i === 0) {
        const cert = signPrepared(p, ca.signer);
        assert.deepEqual(inspectCertificate(cert).tbs, p.tbsDer);
      }
    }
    assert.equal(serials.size, 200);
    const other = createKeySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const p = prepareCertificate({ issuer: ca.issuer, subject: [{ type: 'CN', value: 'x' }], publicKeyInfo: spki, notAfter: new Date(Date.now() + 1e6), keyUsage: ['digitalSignature'] });
    assert.throws(() => signPrepared(p, other), /signer algorithm differs/);
    assert.throws(() => createIssuer(ca.certificateDer, other), /does not match/);
  });

  it('issues under an RSA CA signer (PKCS#1 v1.5 SHA-256) that openssl verifies', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signer = createKeySigner(rsa.privateKey);
    const rootName = [{ type: 'CN', value: 'RSA Test Root' }];
    const rootCert = issueCertificate(
      { issuer: selfIssuer(rootName, signer), subject: [{ type: 'CN', value: 'RSA Test Root' }], publicKeyInfo: signer.publicKeyInfo, notAfter: new Date(Date.now() + 864e6), basicConstraints: { ca: true }, keyUsage: ['keyCertSign', 'cRLSign'] },
      signer,
    ).certificateDer;
    const leafKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const leaf = issueCertificate(
      { issuer: createIssuer(rootCert, signer), subject: [{ type: 'CN', value: 'rsa-leaf' }], publicKeyInfo: new Uint8Array(leafKey.publicKey.export({ type: 'spki', format: 'der' })), notAfter: new Date(Date.now() + 864e5), keyUsage: ['digitalSignature'], extKeyUsage: ['clientAuth'] },
      signer,
    ).certificateDer;
    const rp = path.join(tmp.dir, 'rsa-root.pem');
    const lp = path.join(tmp.dir, 'rsa-leaf.pem');
    writeFileSync(rp, toPem(rootCert, 'CERTIFICATE'));
    writeFileSync(lp, toPem(leaf, 'CERTIFICATE'));
    assert.match(opensslOk(['x509', '-in', lp, '-noout', '-text']), /sha256WithRSAEncryption/);
    assert.match(opensslOk(['verify', '-CAfile', rp, lp]), /: OK/);
    const tampered = toPem(leaf.map((b, i) => (i === leaf.length - 5 ? b ^ 1 : b)), 'CERTIFICATE');
    writeFileSync(lp, tampered);
    assert.notEqual(openssl(['verify', '-CAfile', rp, lp]).code, 0);
  });
});

