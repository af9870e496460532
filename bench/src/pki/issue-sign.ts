/**
 * End-to-end certificate issuance on one core: prepare (DER) + preflight lint + ECDSA P-256 sign,
 * against @peculiar/x509's X509CertificateGenerator doing the same certificate in the same run.
 *   node --import tsx bench/src/pki/issue-sign.ts        (BENCH_SECONDS=3 per measurement)
 * Prints JSON lines {"name","value","unit","peer","peer_value"}.
 */
import 'reflect-metadata'; // required by @peculiar/x509 (tsyringe)
import { generateKeyPairSync, sign, webcrypto } from 'node:crypto';
import { loadavg } from 'node:os';
import * as px509 from '@peculiar/x509';
import {
  createIssuer,
  createKeySigner,
  hasErrors,
  lintTbs,
  prepareCertificate,
  selfIssuer,
  signPrepared,
  type CertificateTemplate,
  type LintOptions,
} from '@emsoc/pki';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

function emit(name: string, value: number, unit: string, peer: string | null, peerValue: number | null, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ name, value: Math.round(value), unit, peer, peer_value: peerValue === null ? null : Math.round(peerValue), ...extra }));
}

interface Rate {
  /** Operations per wall-clock second. */
  wall: number;
  /** Operations per second of process CPU time (robust when the shared machine is busy). */
  cpu: number;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs fn repeatedly for `seconds` (after a short warm-up) and returns operations per second. */
async function rate(seconds: number, fn: () => unknown, warmIterations = 3000): Promise<Rate> {
  // JIT warm-up counted in iterations: on a busy shared machine a wall-clock warm-up gets little CPU.
  const warm = performance.now();
  for (let i = 0; i < warmIterations || performance.now() - warm < 500; i++) await fn();
  let n = 0;
  const t0 = performance.now();
  const c0 = cpuMs();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    for (let i = 0; i < 50; i++) await fn();
    n += 50;
    t = performance.now();
  }
  return { wall: n / ((t - t0) / 1000), cpu: n / ((cpuMs() - c0) / 1000) };
}

const load = (): number => Math.round(loadavg()[0]! * 100) / 100;

// CA: ECDSA P-256 so the comparison is the same signature work on both sides.
const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const caSigner = createKeySigner(caKeys.privateKey);
const caName = [{ type: 'C', value: 'CN' }, { type: 'O', value: 'EMSOC Bench' }, { type: 'CN', value: 'Bench Issuing CA' }];
const rootPrepared = prepareCertificate({
  issuer: selfIssuer(caName, caSigner),
  subject: caName,
  publicKeyInfo: caSigner.publicKeyInfo,
  notAfter: new Date(Date.now() + 365 * 864e5),
  basicConstraints: { ca: true },
  keyUsage: ['keyCertSign', 'cRLSign'],
});
const rootDer = signPrepared(rootPrepared, caSigner);
const issuer = createIssuer(rootDer, caSigner, {
  crlUrls: ['http://ra.example.gov.cn/crl/ca.crl'],
  ocspUrls: ['http://ra.example.gov.cn/ocsp'],
  caIssuersUrls: ['http://ra.example.gov.cn/ca.cer'],
});

// Leaf keys are generated up front: issuance certifies keys, it does not make them.
const POOL = 64;
const leafKeys = Array.from({ length: POOL }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
const leafSpkis = leafKeys.map((k) => new Uint8Array(k.publicKey.export({ type: 'spki', format: 'der' })));

let seq = 0;
function template(): CertificateTemplate {
  const i = seq++;
  const host = `host${i}.bureau.example.gov.cn`;
  return {
    issuer,
    subject: [{ type: 'C', value: 'CN' }, { type: 'O', value: '应急管理厅' }, { type: 'CN', value: host }],
    publicKeyInfo: leafSpkis[i % POOL]!,
    notAfter: new Date(Date.now() + 90 * 864e5),
    basicConstraints: { ca: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['serverAuth', 'clientAuth'],
    subjectAltNames: [{ type: 'dns', value: host }, { type: 'ip', value: '10.20.30.40' }],
  };
}

function issueOnce(lint: LintOptions): Uint8Array {
  const p = prepareCertificate(template());
  if (hasErrors(lintTbs(p.tbsDer, lint))) throw new Error('lint refused a bench certificate');
  return signPrepared(p, caSigner);
}

// Peer: @peculiar/x509 generator with the same fields, via WebCrypto (what it supports).
px509.cryptoProvider.set(webcrypto as unknown as Crypto);
const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const pCaKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
const pLeafKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
const pCaCert = await px509.X509CertificateGenerator.createSelfSigned({
  serialNumber: '01',
  name: 'C=CN, O=EMSOC Bench, CN=Bench Issuing CA',
  notBefore: new Date(),
  notAfter: new Date(Date.now() + 365 * 864e5),
  signingAlgorithm: alg,
  keys: pCaKeys,
  extensions: [new px509.BasicConstraintsExtension(true, undefined, true), new px509.KeyUsagesExtension(px509.KeyUsageFlags.keyCertSign | px509.KeyUsageFlags.cRLSign, true)],
});
const pCaSki = await px509.SubjectKeyIdentifierExtension.create(pCaKeys.publicKey);
async function peculiarOnce(): Promise<unknown> {
  const i = seq++;
  const host = `host${i}.bureau.example.gov.cn`;
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
  return px509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `C=CN, O=应急管理厅, CN=${host}`,
    issuer: pCaCert.subject,
    notBefore: new Date(),
    notAfter: new Date(Date.now() + 90 * 864e5),
    signingAlgorithm: alg,
    publicKey: pLeafKeys.publicKey,
    signingKey: pCaKeys.privateKey,
    extensions: [
      new px509.BasicConstraintsExtension(false, undefined, true),
      new px509.KeyUsagesExtension(px509.KeyUsageFlags.digitalSignature, true),
      new px509.ExtendedKeyUsageExtension([px509.ExtendedKeyUsage.serverAuth, px509.ExtendedKeyUsage.clientAuth]),
      new px509.SubjectAlternativeNameExtension([{ type: 'dns', value: host }, { type: 'ip', value: '10.20.30.40' }]),
      await px509.SubjectKeyIdentifierExtension.create(pLeafKeys.publicKey),
      new px509.AuthorityKeyIdentifierExtension(pCaSki.keyId),
      new px509.CRLDistributionPointsExtension(['http://ra.example.gov.cn/crl/ca.crl']),
      new px509.AuthorityInfoAccessExtension({ ocsp: ['http://ra.example.gov.cn/ocsp'], caIssuers: ['http://ra.example.gov.cn/ca.cer'] }),
    ],
  });
}

const data = issueOnce({});
const ours = await rate(SECONDS, () => issueOnce({}));
const peculiar = await rate(SECONDS, peculiarOnce, 100);
emit('pki.issue.prepare_lint_sign.ecdsa_p256', ours.wall, 'certs/s', '@peculiar/x509 X509CertificateGenerator', peculiar.wall, {
  per_cpu_second: Math.round(ours.cpu),
  peer_per_cpu_second: Math.round(peculiar.cpu),
  lint_decoder: 'strict',
  cert_bytes: data.length,
  loadavg_1m: load(),
  target: '>= cfssl (~2400-3200 signs/s)',
});
const crossChecked = await rate(Math.min(SECONDS, 2), () => issueOnce({ decoder: 'peculiar' }), 100);
emit('pki.issue.prepare_lint_sign.ecdsa_p256.asn1_x509_lint', crossChecked.wall, 'certs/s', null, null, {
  per_cpu_second: Math.round(crossChecked.cpu),
  lint_decoder: '@peculiar/asn1-x509',
});
const prepOnly = await rate(Math.min(SECONDS, 2), () => prepareCertificate(template()));
emit('pki.issue.prepare_only', prepOnly.wall, 'tbs/s', null, null, { per_cpu_second: Math.round(prepOnly.cpu) });
const tbs = prepareCertificate(template()).tbsDer;
const lintOnly = await rate(Math.min(SECONDS, 2), () => lintTbs(tbs));
emit('pki.issue.lint_only', lintOnly.wall, 'tbs/s', null, null, { per_cpu_second: Math.round(lintOnly.cpu) });
const rawSign = await rate(Math.min(SECONDS, 2), () => sign('sha256', tbs, { key: caKeys.privateKey, dsaEncoding: 'der' }));
emit('pki.issue.raw_ecdsa_p256_sign', rawSign.wall, 'signs/s', null, null, { per_cpu_second: Math.round(rawSign.cpu), loadavg_1m: load() });
