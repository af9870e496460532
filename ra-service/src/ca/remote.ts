/**
 * What the CMP and cfssl connectors share: the remote CA's certificate as issuer context for the RA's
 * prepare/lint step, reading config files, and the TBS fields they forward as a request template.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  algorithmIdentifier,
  children,
  content,
  createIssuer,
  inspectCertificate,
  pemBlocks,
  raw,
  readSingle,
  SeqReader,
  describePublicKey,
  type Issuer,
  type Signer,
} from '@emsoc/pki';
import type { RaRepository } from '../store/repository.js';

/** Reads a file given in config; relative paths are relative to the data directory. */
export function readConfigFile(dataDir: string, file: string): Buffer {
  return readFileSync(path.isAbsolute(file) ? file : path.join(dataDir, file));
}

export function readCertificates(dataDir: string, file: string): Uint8Array[] {
  const blocks = pemBlocks(readConfigFile(dataDir, file).toString('utf8')).filter((b) => b.label === 'CERTIFICATE');
  if (!blocks.length) throw new Error(`${file}: no PEM certificate`);
  return blocks.map((b) => b.der);
}

/**
 * Issuer context for a CA whose key we do not hold: the TBS the RA prepares and lints carries the CA's
 * name and AKI and the signature algorithm its key type implies; the remote CA re-signs its own TBS.
 */
export function remoteIssuer(caCert: Uint8Array, urls: { crl?: string[]; caIssuers?: string[]; ocsp?: string[] }, opts: { crl: boolean; aia: boolean }): Issuer {
  const info = inspectCertificate(caCert);
  const key = describePublicKey(info.publicKeyInfo);
  const alg =
    key.type === 'rsa'
      ? algorithmIdentifier('1.2.840.113549.1.1.11', null)
      : algorithmIdentifier(key.curve === 'P-384' ? '1.2.840.10045.4.3.3' : key.curve === 'P-521' ? '1.2.840.10045.4.3.4' : '1.2.840.10045.4.3.2');
  const verifyOnly: Signer = {
    algorithmIdentifier: alg,
    publicKeyInfo: info.publicKeyInfo,
    sign: () => {
      throw new Error('the remote CA signs; the RA holds no key');
    },
  };
  return createIssuer(caCert, verifyOnly, {
    crlUrls: opts.crl ? urls.crl ?? [] : [],
    caIssuersUrls: opts.aia ? urls.caIssuers ?? [] : [],
    ocspUrls: opts.aia ? urls.ocsp ?? [] : [],
  });
}

/** Fields of a prepared TBS a remote CA needs to reproduce it. */
export interface TbsFields {
  subject: Uint8Array;
  publicKeyInfo: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** Extension DER (SEQUENCE) by OID. */
  extensions: Map<string, Uint8Array>;
}

export function tbsFields(tbs: Uint8Array, prepared: { notBefore: Date; notAfter: Date }): TbsFields {
  const r = new SeqReader(readSingle(tbs, 0x30));
  r.optional(0xa0);
  r.next(0x02);
  r.next(0x30);
  r.next(0x30);
  r.next(0x30);
  const subject = raw(r.next(0x30));
  const publicKeyInfo = raw(r.next(0x30));
  r.optional(0x81);
  r.optional(0x82);
  const extensions = new Map<string, Uint8Array>();
  const exts = r.optional(0xa3);
  if (exts) {
    for (const e of children(new SeqReader(exts).next(0x30))) {
      const id = new SeqReader(e).next(0x06);
      extensions.set(oidText(content(id)), raw(e));
    }
  }
  return { subject, publicKeyInfo, notBefore: prepared.notBefore, notAfter: prepared.notAfter, extensions };
}

function oidText(c: Uint8Array): string {
  const parts: number[] = [];
  let v = 0;
  for (const b of c) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (!parts.length) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

export const EXT = {
  subjectAltName: '2.5.29.17',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  certificatePolicies: '2.5.29.32',
} as const;

/** Answers status from the RA's own records (the remote CA is told about every change). */
export async function statusFromRepo(repo: RaRepository, serial: string): Promise<'good' | 'revoked' | 'unknown'> {
  const c = await repo.getCertificate(serial);
  if (!c || c.status === 'reserved' || c.status === 'failed') return 'unknown';
  return c.status === 'valid' ? 'good' : 'revoked';
}
