import { z } from 'zod';
import { REQUEST_STATUSES, REQUEST_TYPES, REVOCATION_REASONS } from '../model.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const serial = z.string().regex(/^[0-9a-f]{2,64}$/, 'serial: lower-case hex');
const id = z.string().regex(/^[0-9a-f-]{36}$/, 'id: UUID');

export const subjectInput = z
  .object({
    kind: z.enum(['person', 'device', 'service']),
    orgUnit: text(64),
    commonName: text(64),
    email: z.email().max(254).optional(),
    phone: z.string().regex(/^\+?[0-9 -]{5,20}$/).optional(),
    employeeId: z.string().regex(/^[A-Za-z0-9-]{1,32}$/).optional(),
    serialNumber: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).optional(),
    dnsNames: z.array(z.string().toLowerCase().max(253)).max(50).optional(),
    ipAddresses: z.array(z.union([z.ipv4(), z.ipv6()])).max(50).optional(),
  })
  .strict();
export type SubjectInput = z.infer<typeof subjectInput>;

export const subjectPatch = subjectInput
  .omit({ kind: true })
  .partial()
  .extend({ status: z.enum(['active', 'suspended', 'left']).optional() })
  .strict();

export const sanInput = z.array(z.object({ type: z.enum(['dns', 'ip', 'email', 'uri']), value: text(253) }).strict()).max(100);

const subjectRef = { subjectId: id.optional(), subject: subjectInput.optional() };
const revocationReason = z.enum(Object.keys(REVOCATION_REASONS) as [keyof typeof REVOCATION_REASONS, ...Array<keyof typeof REVOCATION_REASONS>]);

export const requestInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enroll'), profile: text(64), ...subjectRef, csr: z.string().min(1).max(65536), san: sanInput.optional(), comment: text(500).optional() }).strict(),
  z
    .object({
      type: z.literal('keygen'),
      profile: text(64),
      ...subjectRef,
      keyAlgorithm: z.enum(['P-256', 'P-384', 'RSA-2048', 'RSA-3072', 'RSA-4096']),
      /** Protects the PKCS#12 handed out once; never stored. */
      password: z.string().min(12).max(128),
      san: sanInput.optional(),
      comment: text(500).optional(),
    })
    .strict(),
  z.object({ type: z.literal('renew'), serial, comment: text(500).optional() }).strict(),
  z.object({ type: z.literal('rekey'), serial, csr: z.string().min(1).max(65536), comment: text(500).optional() }).strict(),
  z.object({ type: z.literal('revoke'), serial, reason: revocationReason.exclude(['certificateHold', 'removeFromCRL']), comment: text(500).optional() }).strict(),
  z.object({ type: z.literal('suspend'), serial, comment: text(500).optional() }).strict(),
  z.object({ type: z.literal('resume'), serial, comment: text(500).optional() }).strict(),
  /** Recovery of the archived encryption key of a dual pair (either serial of the pair). */
  z.object({ type: z.literal('recover'), serial, comment: text(500).optional() }).strict(),
]);
export type RequestInput = z.infer<typeof requestInput>;

export const approveInput = z.object({ comment: text(500).optional() }).strict();
export const rejectInput = z.object({ reason: text(500) }).strict();
export const cancelInput = z.object({ reason: text(500).optional() }).strict();
export const pickupInput = z.object({ password: z.string().min(12).max(128) }).strict();
export const revokeInput = z.object({ reason: revocationReason.exclude(['certificateHold', 'removeFromCRL']), comment: text(500).optional() }).strict();
export const commentInput = z.object({ comment: text(500).optional() }).strict();

const limit = z.coerce.number().int().min(1).max(1000).default(100);
const offset = z.coerce.number().int().min(0).default(0);
export const requestQuery = z
  .object({ status: z.enum(REQUEST_STATUSES).optional(), type: z.enum(REQUEST_TYPES).optional(), subjectId: id.optional(), mine: z.enum(['true', 'false']).optional(), limit, offset })
  .strict();
export const certificateQuery = z
  .object({ status: z.enum(['reserved', 'valid', 'revoked', 'suspended', 'failed']).optional(), subjectId: id.optional(), profile: text(64).optional(), limit, offset })
  .strict();
export const subjectQuery = z
  .object({ orgUnit: text(64).optional(), kind: z.enum(['person', 'device', 'service']).optional(), status: z.enum(['active', 'suspended', 'left']).optional(), limit, offset })
  .strict();
export const auditQuery = z
  .object({ afterSeq: z.coerce.number().int().min(0).default(0), limit, objectId: text(128).optional(), eventType: text(64).optional() })
  .strict();
export const downloadQuery = z.object({ format: z.enum(['pem', 'der']).default('pem'), chain: z.enum(['true', 'false']).default('false') }).strict();
export const idParam = id;
export const serialParam = serial;
