/**
 * Embedded development CA standing in for the ministry CA: an ECDSA P-384 root kept in a
 * directory (root.pem, root-key.pem mode 0600), plus the issuance building blocks the RA calls.
 * Library only; the RA service decides workflow, storage and serial bookkeeping.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromPem, toPem } from '../der/index.js';
import { buildCrl, type RevokedEntry } from '../crl/index.js';
import { isAcceptedCsr, type ParsedCsr } from '../csr/index.js';
import { issueCertificate, type IssuedCertificate } from '../issuance.js';
import { hasErrors, LintRefusedError, lintTbs, type LintOptions } from '../lint/index.js';
import { createKeySigner, type KeySigner } from '../signers.js';
import {
  createIssuer,
  inspectCertificate,
  prepareCertificate,
  selfIssuer,
  signPrepared,
  type Issuer,
  type IssuerOptions,
} from '../x509/certificate.js';
import type { GeneralName } from '../x509/general-name.js';
import { decodeName, type DecodedNameAttribute, type DistinguishedName } from '../x509/name.js';
import { keyUsageFor, PROFILES, type CertificateProfile } from '../x509/profiles.js';

export class DevCaError extends Error {
  override name = 'DevCaError';
}

/** The clearly-labelled stand-in identity (CN ≤ 64 characters per RFC 5280 ub-common-name). */
export const DEV_CA_SUBJECT: DistinguishedName = [
  { type: 'C', value: 'CN' },
  { type: 'O', value: 'EMSOC Development' },
  { type: 'OU', value: 'Stand-in for the Ministry CA — not for production' },
  { type: 'CN', value: 'EMSOC Development CA (Ministry CA stand-in, NOT FOR PRODUCTION)' },
];

export interface DevCa {
  dir: string;
  certificateDer: Uint8Array;
  certificatePem: string;
  subject: DecodedNameAttribute[];
  privateKey: KeyObject;
  signer: KeySigner;
  /** Pre-computed issuer context for prepareCertificate / CRLs. */
  issuer: Issuer;
}

export interface DevCaOptions extends IssuerOptions {
  subject?: DistinguishedName;
  validityYears?: number;
  /** Curve of a new root's key; P-384 by default (a root outlives its leaves). */
  curve?: 'P-256' | 'P-384';
}

const ROOT_FILE = 'root.pem';
const KEY_FILE = 'root-key.pem';

/** Writes atomically with the given mode (the temp file is created with it, so no window with looser rights). */
function writeFileAtomic(file: string, data: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode, flag: 'wx' });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

/** Like writeFileAtomic but fails with EEXIST when the file exists (hard link is atomic and exclusive). */
function writeFileExclusive(file: string, data: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode, flag: 'wx' });
  chmodSync(tmp, mode);
  try {
    linkSync(tmp, file);
  } finally {
    unlinkSync(tmp);
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function assemble(dir: string, certificateDer: Uint8Array, privateKey: KeyObject, o: DevCaOptions): DevCa {
  const signer = createKeySigner(privateKey);
  let issuer: Issuer;
  try {
    issuer = createIssuer(certificateDer, signer, o);
  } catch (e) {
    throw new DevCaError(`CA certificate and key in ${dir} do not belong together: ${(e as Error).message}`);
  }
  return {
    dir,
    certificateDer,
    certificatePem: toPem(certificateDer, 'CERTIFICATE'),
    subject: decodeName(inspectCertificate(certificateDer).subject),
    privateKey,
    signer,
    issuer,
  };
}

export function createDevCa(dir: string, o: DevCaOptions = {}): DevCa {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(path.join(dir, ROOT_FILE)) || existsSync(path.join(dir, KEY_FILE))) {
    throw new DevCaError(`${dir} already holds a CA; use loadDevCa`);
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: o.curve ?? 'P-384' });
  const signer = createKeySigner(privateKey);
  const subject = o.subject ?? DEV_CA_SUBJECT;
  const now = new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(now.getUTCFullYear() + (o.validityYears ?? 20));
  const prepared = prepareCertificate({
    issuer: selfIssuer(subject, signer),
    subject,
    publicKeyInfo: signer.publicKeyInfo,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    basicConstraints: { ca: true },
    keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
  });
  const findings = lintTbs(prepared.tbsDer);
  if (hasErrors(findings)) throw new LintRefusedError(findings);
  const certificateDer = signPrepared(prepared, signer);
  // The key file is the claim on the directory: a concurrent creator loses here with EEXIST.
  try {
    writeFileExclusive(path.join(dir, KEY_FILE), privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new DevCaError(`${dir} already holds a CA; use loadDevCa`);
    throw e;
  }
  writeFileAtomic(path.join(dir, ROOT_FILE), toPem(certificateDer, 'CERTIFICATE'), 0o644);
  return assemble(dir, certificateDer, privateKey, o);
}

export function loadDevCa(dir: string, o: DevCaOptions = {}): DevCa {
  const certFile = path.join(dir, ROOT_FILE);
  const keyFile = path.join(dir, KEY_FILE);
  if (!existsSync(certFile) || !existsSync(keyFile)) throw new DevCaError(`no CA in ${dir} (${ROOT_FILE}, ${KEY_FILE})`);
  const mode = statSync(keyFile).mode & 0o777;
  if (mode & 0o077) throw new DevCaError(`${keyFile} is accessible by group/others (mode ${mode.toString(8)}); chmod 600 it`);
  let certificateDer: Uint8Array;
  let privateKey: KeyObject;
  try {
    certificateDer = fromPem(readFileSync(certFile, 'utf8'), ['CERTIFICATE']);
    privateKey = createPrivateKey(readFileSync(keyFile, 'utf8'));
  } catch (e) {
    throw new DevCaError(`cannot read the CA in ${dir}: ${(e as Error).message}`);
  }
  return assemble(dir, certificateDer, privateKey, o);
}

/** Loads the CA from `dir`, creating it on first use (safe when several processes start at once). */
export function loadOrCreateDevCa(dir: string, o: DevCaOptions = {}): DevCa {
  if (existsSync(path.join(dir, KEY_FILE))) return loadWhenComplete(dir, o);
  try {
    return createDevCa(dir, o);
  } catch (e) {
    if (e instanceof DevCaError && /already holds/.test(e.message)) return loadWhenComplete(dir, o);
    throw e;
  }
}

/** Another process may have written the key but not yet the certificate: wait briefly for it. */
function loadWhenComplete(dir: string, o: DevCaOptions): DevCa {
  for (let i = 0; i < 50 && !existsSync(path.join(dir, ROOT_FILE)); i++) sleepMs(100);
  return loadDevCa(dir, o);
}

export interface IssueRequest {
  profile: CertificateProfile;
  /** Subject to certify; defaults to the CSR subject (the RA should normally set it from vetted data). */
  subject?: DistinguishedName;
  /** SANs to certify; defaults to the CSR's requested SANs. */
  subjectAltNames?: readonly GeneralName[];
  validityDays?: number;
  notBefore?: Date;
  policies?: readonly { oid: string; cpsUri?: string }[];
  lint?: LintOptions;
}

/** Issues a certificate for an accepted CSR (see acceptCsr) under a profile; prepare → lint → sign. */
export function issueFromCsr(ca: DevCa, csr: ParsedCsr, req: IssueRequest): IssuedCertificate {
  if (!isAcceptedCsr(csr)) throw new DevCaError('the CSR has not passed acceptCsr (signature and policy checks)');
  const days = req.validityDays ?? req.profile.maxValidityDays;
  if (days <= 0 || days > req.profile.maxValidityDays) {
    throw new DevCaError(`validity of ${days} days outside the ${req.profile.name} profile (max ${req.profile.maxValidityDays})`);
  }
  const notBefore = req.notBefore ?? new Date(Date.now() - 60_000);
  return issueCertificate(
    {
      issuer: ca.issuer,
      subject: req.subject ?? csr.subjectDer,
      publicKeyInfo: csr.publicKeyInfo,
      notBefore,
      notAfter: new Date(notBefore.getTime() + days * 86_400_000),
      basicConstraints: { ca: false },
      keyUsage: keyUsageFor(req.profile, csr.key.type),
      extKeyUsage: req.profile.extKeyUsage,
      subjectAltNames: req.subjectAltNames ?? csr.subjectAltNames,
      policies: req.policies,
    },
    ca.signer,
    { requireSubjectAltName: req.profile.requireSubjectAltName, ...req.lint },
  );
}

export interface TlsServerRequest {
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  clientAuth?: boolean;
  commonName?: string;
  validityDays?: number;
  /** File name stem (default "server"): writes <stem>.pem, <stem>-key.pem, <stem>-chain.pem. */
  name?: string;
}

export interface TlsServerFiles {
  certPath: string;
  keyPath: string;
  chainPath: string;
  certificatePem: string;
  keyPem: string;
  serialHex: string;
}

/** Key pair + certificate for a TLS listener (serverAuth, optionally clientAuth), written under outDir. */
export function issueTlsServerCertificate(ca: DevCa, req: TlsServerRequest, outDir: string): TlsServerFiles {
  const sans: GeneralName[] = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(req.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (sans.length === 0) throw new DevCaError('a TLS server certificate needs at least one DNS name or IP address');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const profile = req.clientAuth ? PROFILES.service : PROFILES.tlsServer;
  const cn = req.commonName ?? req.dnsNames?.[0] ?? req.ipAddresses![0]!;
  const days = req.validityDays ?? profile.maxValidityDays;
  const notBefore = new Date(Date.now() - 60_000);
  const issued = issueCertificate(
    {
      issuer: ca.issuer,
      subject: [{ type: 'O', value: 'EMSOC Development' }, { type: 'CN', value: cn }],
      publicKeyInfo: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
      notBefore,
      notAfter: new Date(notBefore.getTime() + days * 86_400_000),
      basicConstraints: { ca: false },
      keyUsage: keyUsageFor(profile, 'ec'),
      extKeyUsage: profile.extKeyUsage,
      subjectAltNames: sans,
    },
    ca.signer,
    { requireSubjectAltName: true },
  );
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const stem = req.name ?? 'server';
  const certificatePem = toPem(issued.certificateDer, 'CERTIFICATE');
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const files = {
    certPath: path.join(outDir, `${stem}.pem`),
    keyPath: path.join(outDir, `${stem}-key.pem`),
    chainPath: path.join(outDir, `${stem}-chain.pem`),
  };
  writeFileAtomic(files.keyPath, keyPem, 0o600);
  writeFileAtomic(files.certPath, certificatePem, 0o644);
  writeFileAtomic(files.chainPath, certificatePem + ca.certificatePem, 0o644);
  return { ...files, certificatePem, keyPem, serialHex: issued.prepared.serialHex };
}

export interface CaCrlOptions {
  crlNumber: bigint | number;
  deltaBaseCrlNumber?: bigint | number;
  thisUpdate?: Date;
  /** Hours until nextUpdate (default 24). */
  validityHours?: number;
  entries: readonly RevokedEntry[];
}

/** Signs a full or delta CRL with the CA. */
export function issueCaCrl(ca: DevCa, o: CaCrlOptions): Uint8Array {
  const thisUpdate = o.thisUpdate ?? new Date();
  return buildCrl(
    {
      issuer: ca.issuer,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + (o.validityHours ?? 24) * 3_600_000),
      crlNumber: o.crlNumber,
      deltaBaseCrlNumber: o.deltaBaseCrlNumber,
      entries: o.entries,
    },
    ca.signer,
  );
}
