import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { policiesDir } from '@emsoc/common';

export const SAN_TYPES = ['dns', 'ip', 'email', 'uri'] as const;
export type SanType = (typeof SAN_TYPES)[number];

const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
] as const;
const EKUS = ['serverAuth', 'clientAuth', 'codeSigning', 'emailProtection', 'timeStamping', 'OCSPSigning'] as const;

const sanRule = z
  .object({
    /** Only values registered on the subject record (dnsNames, ipAddresses, email) may appear. */
    mustMatchSubject: z.boolean().default(false),
    /** DNS: allowed suffixes (".gov.cn"); email: allowed domains. */
    suffixes: z.array(z.string().min(1)).optional(),
    /** IP: allowed networks. */
    cidrs: z.array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/)).optional(),
  })
  .strict();

export const profileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/),
    description: z.record(z.string(), z.string()),
    subjectKinds: z.array(z.enum(['person', 'device', 'service'])).min(1),
    keys: z
      .object({
        rsa: z.object({ minBits: z.number().int().min(2048), maxBits: z.number().int().max(8192) }).strict().optional(),
        ecdsa: z.array(z.enum(['P-256', 'P-384'])).optional(),
        /** SM2 keys (GM/T 0015, curve 1.2.156.10197.1.301); needs signature: sm2-with-sm3. */
        sm2: z.boolean().optional(),
      })
      .strict(),
    serverKeyGeneration: z.boolean().default(false),
    validityDays: z.number().int().min(1).max(3650),
    keyUsage: z.array(z.enum(KEY_USAGES)).min(1),
    extendedKeyUsage: z.array(z.enum(EKUS)).default([]),
    /** RDNs most significant first; placeholders {unit.name} {unit.organization} {unit.code} {subject.<attr>}. */
    subjectDn: z.array(z.string().regex(/^[A-Za-z]+=.+$/)).min(1),
    san: z
      .object({
        allowed: z.array(z.enum(SAN_TYPES)).default([]),
        required: z.boolean().default(false),
        rules: z.partialRecord(z.enum(SAN_TYPES), sanRule).default({}),
      })
      .strict()
      .prefault({}),
    approvals: z.number().int().min(0).max(2),
    /** Must be set for approvals: 0 (machine-issued, no officer in the loop). */
    automation: z.boolean().default(false),
    /** Issuing CA key: the default root, or the SM2 root signing SM2-with-SM3 (GM/T 0015). */
    signature: z.enum(['default', 'sm2-with-sm3']).default('default'),
    crlDistributionPoint: z.boolean().default(true),
    authorityInfoAccess: z.boolean().default(true),
    /** SM2 signing + encryption certificate pair: the encryption key comes from the KMC (src/ca/kmc). */
    dualCertificate: z.boolean().default(false),
    /** Key usage of the encryption certificate of a dual pair (GM/T 0015: key establishment only, no signing). */
    encryptionKeyUsage: z.array(z.enum(KEY_USAGES)).min(1).default(['keyEncipherment', 'dataEncipherment', 'keyAgreement']),
    /** Distinct officers (none the requester) who must approve recovery of an archived encryption key. */
    keyRecoveryApprovals: z.number().int().min(2).max(5).default(2),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.approvals === 0 && !p.automation) ctx.addIssue({ code: 'custom', message: 'approvals: 0 requires automation: true' });
    if (!p.keys.rsa && !p.keys.ecdsa?.length && !p.keys.sm2) ctx.addIssue({ code: 'custom', message: 'no key algorithm allowed' });
    if (p.keys.rsa && p.keys.rsa.minBits > p.keys.rsa.maxBits) ctx.addIssue({ code: 'custom', message: 'keys.rsa.minBits > maxBits' });
    if (p.keys.sm2 && p.signature !== 'sm2-with-sm3') ctx.addIssue({ code: 'custom', message: 'SM2 keys are certified by the SM2 CA: set signature: sm2-with-sm3' });
    if (p.signature === 'sm2-with-sm3' && (p.keys.rsa || p.keys.ecdsa?.length)) ctx.addIssue({ code: 'custom', message: 'an SM2 profile certifies SM2 keys only' });
    if (p.dualCertificate && p.signature !== 'sm2-with-sm3') ctx.addIssue({ code: 'custom', message: 'dualCertificate needs an SM2 profile (signature: sm2-with-sm3)' });
    const signingUsage = p.encryptionKeyUsage.filter((u) => u === 'digitalSignature' || u === 'nonRepudiation' || u === 'keyCertSign' || u === 'cRLSign');
    if (p.dualCertificate && signingUsage.length) ctx.addIssue({ code: 'custom', message: `encryptionKeyUsage must not contain signing usages (${signingUsage.join(', ')})` });
  });

export type Profile = z.infer<typeof profileSchema>;

/** Loads every policies/profiles/*.yaml; the file name must match the id so operators find them. */
export function loadProfiles(dir = path.join(policiesDir, 'profiles')): Map<string, Profile> {
  const out = new Map<string, Profile>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const full = path.join(dir, file);
    const r = profileSchema.safeParse(parseYaml(fs.readFileSync(full, 'utf8')));
    if (!r.success) throw new Error(`${full}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (`${r.data.id}.yaml` !== file) throw new Error(`${full}: id "${r.data.id}" does not match the file name`);
    out.set(r.data.id, r.data);
  }
  if (out.size === 0) throw new Error(`no profiles in ${dir}`);
  return out;
}
