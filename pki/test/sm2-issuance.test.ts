/**
 * The issuance path with the SM2 plug-in: an openssl-made SM2 CSR accepted through a registered
 * SignatureVerifier, then issued by an SM2 CA signer; openssl verifies the chain.
 */
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { acceptCsr, createIssuer, CsrError, issueCertificate, selfIssuer, toPem, VerifierRegistry } from '../src/index.js';
import { generateSm2KeyPair, Sm2Signer, sm2Verifier } from '../src/sm2/index.js';
import { openssl, opensslOk, tempDir } from './helpers.js';

const tmp = tempDir('sm2');
after(() => tmp.cleanup());
// GM/T 0009 default signer ID; openssl must be told to use it (OpenSSL 3.0 req/verify default to none).
const DISTID = 'distid:1234567812345678';

describe('SM2 through the CSR and issuance building blocks', () => {
  it('accepts an openssl SM2 CSR only with the SM2 verifier and curve enabled, and issues a chain openssl verifies', () => {
    const key = path.join(tmp.dir, 'sm2.key');
    const csrPath = path.join(tmp.dir, 'sm2.csr');
    opensslOk(['genpkey', '-algorithm', 'SM2', '-out', key]);
    opensslOk(['req', '-new', '-key', key, '-sm3', '-sigopt', DISTID, '-subj', '/C=CN/CN=sm2.example.gov.cn', '-addext', 'subjectAltName=DNS:sm2.example.gov.cn', '-out', csrPath]);
    const pem = readFileSync(csrPath, 'utf8');

    const reason = (fn: () => unknown): string => {
      try {
        fn();
        return 'accepted';
      } catch (e) {
        assert.ok(e instanceof CsrError);
        return e.reason;
      }
    };
    assert.equal(reason(() => acceptCsr(pem)), 'unsupported-signature-algorithm', 'no SM2 verifier registered');
    const verifiers = new VerifierRegistry().register(sm2Verifier);
    assert.equal(reason(() => acceptCsr(pem, { verifiers })), 'key-policy', 'SM2 curve not allowed by default');
    const csr = acceptCsr(pem, { verifiers, keyPolicy: { allowedCurves: ['P-256', 'P-384', 'SM2'] } });
    assert.equal(csr.key.curve, 'SM2');

    const ca = new Sm2Signer(generateSm2KeyPair());
    const name = [{ type: 'C', value: 'CN' }, { type: 'CN', value: 'SM2 Test Root' }];
    const root = issueCertificate(
      { issuer: selfIssuer(name, ca), subject: name, publicKeyInfo: ca.publicKeyInfo, notAfter: new Date(Date.now() + 864e6), basicConstraints: { ca: true }, keyUsage: ['keyCertSign', 'cRLSign'] },
      ca,
    ).certificateDer;
    const leaf = issueCertificate(
      {
        issuer: createIssuer(root, ca),
        subject: csr.subjectDer,
        publicKeyInfo: csr.publicKeyInfo,
        notAfter: new Date(Date.now() + 864e5),
        basicConstraints: { ca: false },
        keyUsage: ['digitalSignature'],
        extKeyUsage: ['serverAuth'],
        subjectAltNames: csr.subjectAltNames,
      },
      ca,
    ).certificateDer;
    const rootPath = path.join(tmp.dir, 'root.pem');
    const leafPath = path.join(tmp.dir, 'leaf.pem');
    writeFileSync(rootPath, toPem(root, 'CERTIFICATE'));
    writeFileSync(leafPath, toPem(leaf, 'CERTIFICATE'));
    assert.match(opensslOk(['x509', '-in', leafPath, '-noout', '-text']), /Signature Algorithm: SM2-with-SM3/);
    assert.match(opensslOk(['verify', '-CAfile', rootPath, '-vfyopt', DISTID, leafPath]), /: OK/);
    const tampered = leaf.map((b, i) => (i === leaf.length - 4 ? b ^ 1 : b));
    writeFileSync(leafPath, toPem(tampered, 'CERTIFICATE'));
    assert.notEqual(openssl(['verify', '-CAfile', rootPath, '-vfyopt', DISTID, leafPath]).code, 0);
  });
});
