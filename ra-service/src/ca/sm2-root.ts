/**
 * The embedded CA's SM2 root (GM/T 0015: SM2 key on curve 1.2.156.10197.1.301, SM2-with-SM3
 * signatures with the default user ID), kept beside the ECDSA root in `<dataDir>/ca-sm2/`
 * (root.pem, root-key.pem mode 0600) and created the first time an SM2 profile needs it.
 */
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createIssuer,
  exportSm2PrivateKeyPem,
  fromPem,
  generateSm2KeyPair,
  hasErrors,
  importSm2PrivateKey,
  LintRefusedError,
  lintTbs,
  prepareCertificate,
  selfIssuer,
  signPrepared,
  Sm2Signer,
  toPem,
  type DistinguishedName,
  type Issuer,
  type IssuerOptions,
} from '@emsoc/pki';

export const SM2_ROOT_SUBJECT: DistinguishedName = [
  { type: 'C', value: 'CN' },
  { type: 'O', value: 'EMSOC Development' },
  { type: 'OU', value: 'Stand-in for the Ministry SM2 CA — not for production' },
  { type: 'CN', value: 'EMSOC Development SM2 CA (NOT FOR PRODUCTION)' },
];

export interface Sm2Root {
  dir: string;
  certificateDer: Uint8Array;
  signer: Sm2Signer;
  issuer(options: IssuerOptions): Issuer;
}

const CERT = 'root.pem';
const KEY = 'root-key.pem';

function create(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = generateSm2KeyPair();
  const signer = new Sm2Signer(pair);
  const now = Date.now();
  const prepared = prepareCertificate({
    issuer: selfIssuer(SM2_ROOT_SUBJECT, signer),
    subject: SM2_ROOT_SUBJECT,
    publicKeyInfo: signer.publicKeyInfo,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 20 * 365 * 86_400_000),
    basicConstraints: { ca: true },
    keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
  });
  const findings = lintTbs(prepared.tbsDer);
  if (hasErrors(findings)) throw new LintRefusedError(findings);
  const der = signPrepared(prepared, signer);
  // The key file is the claim on the directory (exclusive link): a concurrent creator loses with EEXIST.
  const tmp = path.join(dir, `${KEY}.${process.pid}.tmp`);
  writeFileSync(tmp, exportSm2PrivateKeyPem(pair), { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, path.join(dir, KEY));
  } finally {
    unlinkSync(tmp);
  }
  const tmpCert = path.join(dir, `${CERT}.${process.pid}.tmp`);
  writeFileSync(tmpCert, toPem(der, 'CERTIFICATE'), { mode: 0o644 });
  renameSync(tmpCert, path.join(dir, CERT));
}

export function loadOrCreateSm2Root(dir: string): Sm2Root {
  if (!existsSync(path.join(dir, KEY))) {
    try {
      create(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  for (let i = 0; i < 50 && !existsSync(path.join(dir, CERT)); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  const keyFile = path.join(dir, KEY);
  if (statSync(keyFile).mode & 0o077) throw new Error(`${keyFile} is accessible by group/others; chmod 600 it`);
  const certificateDer = fromPem(readFileSync(path.join(dir, CERT), 'utf8'), ['CERTIFICATE']);
  const signer = new Sm2Signer(importSm2PrivateKey(readFileSync(keyFile, 'utf8')));
  const cache = new Map<string, Issuer>();
  return {
    dir,
    certificateDer,
    signer,
    issuer(o) {
      const k = JSON.stringify(o);
      let i = cache.get(k);
      if (!i) cache.set(k, (i = createIssuer(certificateDer, signer, o)));
      return i;
    },
  };
}
