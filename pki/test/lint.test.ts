/** Preflight lint: hand-made bad TBS, zlint's non-conforming certificates, and decoder agreement. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  createIssuer,
  createKeySigner,
  decodeTbs,
  decodeTbsWithPeculiar,
  diffViews,
  exportSm2PublicKeyDer,
  explicit,
  extension,
  generalizedTime,
  generateSm2KeyPair,
  integer,
  inspectCertificate,
  issueCertificate,
  lintTbs,
  LintRefusedError,
  octetString,
  pemBlocks,
  prepareCertificate,
  selfIssuer,
  sequence,
  type CertificateTemplate,
  type Issuer,
} from '../src/index.js';
import { sharedDir, SHARED_DATA } from './shared-data.js';

const caSigner = createKeySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const caName = [{ type: 'C', value: 'CN' }, { type: 'CN', value: 'Lint Test CA' }];
const root = issueCertificate(
  { issuer: selfIssuer(caName, caSigner), subject: caName, publicKeyInfo: caSigner.publicKeyInfo, notAfter: new Date(Date.now() + 864e8), basicConstraints: { ca: true }, keyUsage: ['keyCertSign', 'cRLSign'] },
  caSigner,
).certificateDer;
const issuer: Issuer = createIssuer(root, caSigner, { crlUrls: ['http://crl.example/ca.crl'], ocspUrls: ['http://ocsp.example'] });
const ecSpki = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }));

function base(over: Partial<CertificateTemplate> = {}): CertificateTemplate {
  return {
    issuer,
    subject: [{ type: 'CN', value: 'host.example.gov.cn' }],
    publicKeyInfo: ecSpki,
    notAfter: new Date(Date.now() + 30 * 864e5),
    basicConstraints: { ca: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['serverAuth'],
    subjectAltNames: [{ type: 'dns', value: 'host.example.gov.cn' }],
    ...over,
  };
}

function codes(t: CertificateTemplate, opts = {}): string[] {
  return lintTbs(prepareCertificate(t).tbsDer, { decoder: 'both', ...opts }).filter((f) => f.severity === 'error').map((f) => f.code);
}

describe('preflight lint on prepared certificates', () => {
  it('passes a well-formed TLS server certificate with both decoders agreeing', () => {
    assert.deepEqual(codes(base()), []);
  });

  it('flags key usage inconsistencies', () => {
    assert.ok(codes(base({ keyUsage: ['digitalSignature', 'keyCertSign'] })).includes('e_key_cert_sign_without_ca'));
    assert.ok(codes(base({ keyUsage: ['digitalSignature', 'keyEncipherment'] })).includes('e_ec_key_encipherment'));
    assert.ok(codes(base({ keyUsage: ['nonRepudiation'] })).includes('e_server_auth_key_usage'));
    assert.ok(codes(base({ keyUsage: [] })).includes('e_key_usage_missing'));
    assert.ok(codes(base({ basicConstraints: { ca: true }, keyUsage: ['digitalSignature'], extKeyUsage: [] })).includes('e_ca_without_key_cert_sign'));
  });

  it('is curve-aware: SM2 encryption certificates may encipher (GM/T 0015), ECDSA keys may not (RFC 5480)', () => {
    const sm2Spki = exportSm2PublicKeyDer(generateSm2KeyPair().publicKey);
    const sm2 = (keyUsage: CertificateTemplate['keyUsage']) => codes(base({ publicKeyInfo: sm2Spki, keyUsage, extKeyUsage: [], subjectAltNames: [] }));
    assert.deepEqual(sm2(['keyEncipherment', 'dataEncipherment', 'keyAgreement']), [], 'GM/T 0015 encryption certificate');
    assert.deepEqual(sm2(['digitalSignature', 'nonRepudiation']), [], 'GM/T 0015 signing certificate');
    assert.ok(sm2(['digitalSignature', 'keyEncipherment']).includes('e_sm2_sign_and_encipher'));
    assert.ok(!sm2(['digitalSignature', 'keyEncipherment']).includes('e_ec_key_encipherment'));
    const p256 = codes(base({ keyUsage: ['keyEncipherment', 'dataEncipherment', 'keyAgreement'], extKeyUsage: [], subjectAltNames: [] }));
    assert.ok(p256.includes('e_ec_key_encipherment'), 'a P-256 key still may not');
  });

  it('flags SAN, subject and URI problems', () => {
    assert.ok(codes(base({ subjectAltNames: [] }), { requireSubjectAltName: true }).includes('e_san_missing'));
    assert.ok(codes(base({ subjectAltNames: [{ type: 'dns', value: 'bad_name..example' }] })).includes('e_dns_name_syntax'));
    assert.ok(codes(base({ subjectAltNames: [{ type: 'dns', value: 'a.*.example' }] })).includes('e_dns_name_syntax'));
    assert.deepEqual(codes(base({ subjectAltNames: [{ type: 'dns', value: '*.example.gov.cn' }] })), []);
    assert.ok(codes(base({ subject: [], subjectAltNames: [], extKeyUsage: ['clientAuth'] })).includes('e_subject_empty_without_san'));
    // Empty subject with a SAN: prepareCertificate marks the SAN critical, so this passes.
    assert.deepEqual(codes(base({ subject: [] })), []);
    const ldapIssuer: Issuer = createIssuer(root, caSigner, { crlUrls: ['ldap://dir.example/cn=crl'], caIssuersUrls: ['ftp://x.example/ca'] });
    const c = codes(base({ issuer: ldapIssuer }));
    assert.ok(c.includes('e_crl_dp_not_http') && c.includes('e_aia_not_http'), c.join());
  });

  it('flags serial, validity, duplicate and unknown critical extensions, missing AKI', () => {
    assert.ok(codes(base({ serialNumber: new Uint8Array(21).fill(0x11) })).includes('e_serial_too_long'));
    const now = new Date();
    assert.ok(codes(base({ notBefore: now, notAfter: now })).includes('e_validity_order'));
    const dup = extension('2.5.29.14', false, octetString(Uint8Array.of(1, 2, 3)));
    assert.ok(codes(base({ extraExtensions: [dup] })).includes('e_duplicate_extension'));
    const crit = extension('1.2.3.4.5', true, octetString(Uint8Array.of(1)));
    assert.ok(codes(base({ extraExtensions: [crit] })).includes('e_unknown_critical_extension'));
    const noAki: Issuer = { ...issuer, commonExtensions: [] };
    assert.ok(codes(base({ issuer: noAki })).includes('e_aki_missing'));
  });

  it('flags hand-built TBS with wrong version, negative serial and pre-2050 GeneralizedTime', () => {
    const good = decodeTbs(prepareCertificate(base()).tbsDer);
    const tbs = sequence(
      explicit(0, integer(1)),
      integer(-5),
      caSigner.algorithmIdentifier,
      good.issuerDer,
      sequence(generalizedTime(new Date(Date.UTC(2030, 0, 1))), generalizedTime(new Date(Date.UTC(2031, 0, 1)))),
      good.subjectDer,
      ecSpki,
    );
    const c = lintTbs(tbs, { decoder: 'both' }).map((f) => f.code);
    for (const want of ['e_version_not_3', 'e_serial_negative', 'e_time_encoding', 'e_ski_missing', 'e_key_usage_missing']) {
      assert.ok(c.includes(want), `${want} in ${c.join()}`);
    }
    assert.deepEqual(lintTbs(Uint8Array.of(0x30, 0x03, 1, 2)).map((f) => f.code), ['e_tbs_malformed']);
  });

  it('refuses issuance on any lint error', () => {
    assert.throws(() => issueCertificate(base({ keyUsage: ['keyCertSign'] }), caSigner), (e: unknown) => {
      assert.ok(e instanceof LintRefusedError);
      assert.ok(e.findings.some((f) => f.code === 'e_key_cert_sign_without_ca'));
      return true;
    });
  });
});

describe('lint against zlint’s non-conforming certificates', () => {
  const dir = sharedDir('x509', 'zlint', 'testdata');
  const tbsOf = (f: string): Uint8Array =>
    inspectCertificate(pemBlocks(readFileSync(path.join(dir!, f), 'utf8')).find((b) => b.label === 'CERTIFICATE')!.der).tbs;

  it('reports the matching error for certificates zlint expects to fail', (t) => {
    if (!dir) return t.skip(`shared data not found at ${SHARED_DATA}`);
    const expected: Record<string, string> = {
      'dnsNameBadCharacterInLabel.pem': 'e_dns_name_syntax',
      'akidNoKeyIdentifier.pem': 'e_aki_missing',
      'SANDNSTooLong.pem': 'e_dns_name_syntax',
      'SANSubjectEmptyNotCritical.pem': 'e_san_not_critical_with_empty_subject',
      'SANURINoScheme.pem': 'e_san_uri_syntax',
      'serialNumberLarge.pem': 'e_serial_too_long',
      'serialNumberNegative.pem': 'e_serial_negative',
      'serialNumberZero.pem': 'e_serial_zero',
      'subjectCommonNameLong.pem': 'e_cn_too_long',
      'subjectEmptyNoSAN.pem': 'e_subject_empty_without_san',
      'generalizedPrior2050.pem': 'e_time_encoding',
    };
    for (const [f, code] of Object.entries(expected)) {
      assert.ok(lintTbs(tbsOf(f)).some((x) => x.code === code), `${f} should report ${code}`);
    }
    // …and not for their conforming counterparts.
    assert.ok(!lintTbs(tbsOf('generalizedAfter2050.pem')).some((x) => x.code === 'e_time_encoding'));
    assert.ok(!lintTbs(tbsOf('SANURIValid.pem')).some((x) => x.code === 'e_san_uri_syntax'));
    assert.ok(!lintTbs(tbsOf('subCaEmptySubject.pem')).some((x) => x.code === 'e_san_not_critical_with_empty_subject'));
  });

  it('strict and asn1-x509 decoders agree wherever the strict decoder accepts the encoding', (t) => {
    if (!dir) return t.skip(`shared data not found at ${SHARED_DATA}`);
    let compared = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.pem'))) {
      const block = pemBlocks(readFileSync(path.join(dir, f), 'utf8')).find((b) => b.label === 'CERTIFICATE');
      if (!block) continue;
      let strict;
      let tbs: Uint8Array;
      try {
        tbs = inspectCertificate(block.der).tbs;
        strict = decodeTbs(tbs);
      } catch {
        continue;
      }
      const years = [strict.notBefore, strict.notAfter].map((d) => d.getUTCFullYear());
      if (strict.extensionErrors.length || years.some((y) => y < 1950)) continue;
      assert.deepEqual(diffViews(strict, decodeTbsWithPeculiar(tbs)), [], f);
      compared++;
    }
    assert.ok(compared >= 200, `compared ${compared}`);
  });
});
