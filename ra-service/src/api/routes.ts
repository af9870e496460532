import type { Request, Response } from 'express';
import { z } from 'zod';
import { HttpError, parseWith } from '@emsoc/common';
import { buildPkcs12, inspectCertificate, toPem } from '@emsoc/pki';
import type { KeyObject } from 'node:crypto';
import { verifyAuditTrail } from '../audit/checkpoints.js';
import type { CaConnector } from '../ca/connector.js';
import type { OrgUnits } from '../policy/org-units.js';
import type { Profile } from '../policy/profiles.js';
import type { Caller, RegistrationAuthority } from '../ra.js';
import * as S from './schemas.js';
import { certificateView, requestView, subjectView } from './views.js';

export interface RouteContext {
  req: Request;
  res: Response;
  caller: Caller;
}

/** One API operation: its permission (any of the listed; 'public' for none) is part of its definition. */
export interface RouteSpec {
  method: 'get' | 'post' | 'patch';
  path: string;
  permissions: string[] | 'public';
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Non-JSON success response media type (downloads). */
  produces?: string;
  status?: number;
  /** Extra narrowing enforced in the handler (documented in OpenAPI). */
  note?: string;
  handler: (ctx: RouteContext) => Promise<unknown>;
}

export interface RouteDeps {
  ra: RegistrationAuthority;
  ca: CaConnector;
  profiles: Map<string, Profile>;
  units: OrgUnits;
  auditPublicKey: KeyObject;
}

const param = (req: Request, name: string, schema: z.ZodType<string>): string => {
  const r = schema.safeParse(req.params[name]);
  if (!r.success) throw new HttpError(400, `invalid ${name}: ${r.error.issues[0]?.message ?? ''}`);
  return r.data;
};

/** Own-only readers (ra-requester) see only what they requested; others see everything they may read. */
const canReadAll = (c: Caller, perm: string) => c.permissions.has(perm);

export function routes(d: RouteDeps): RouteSpec[] {
  const { ra } = d;
  const repo = ra.repo;

  const ownRequest = async (caller: Caller, id: string) => {
    const r = await repo.getRequest(id);
    if (!r || (!canReadAll(caller, 'ra.requests:read') && r.requesterId !== caller.id)) throw new HttpError(404, 'no such request');
    return r;
  };
  const ownCertificate = async (caller: Caller, serial: string) => {
    const c = await repo.getCertificate(serial);
    if (!c || c.status === 'reserved' || c.status === 'failed') throw new HttpError(404, 'no such certificate');
    if (!canReadAll(caller, 'ra.certificates:read') && c.requesterId !== caller.id) throw new HttpError(404, 'no such certificate');
    return c;
  };
  const withCert = async (r: Awaited<ReturnType<typeof ownRequest>>, caller: Caller) =>
    requestView(r, r.resultSerial ? await repo.getCertificate(r.resultSerial) : undefined, canReadAll(caller, 'ra.requests:read'));
  const statusRequest = (type: 'revoke' | 'suspend' | 'resume'): RouteSpec['handler'] =>
    async ({ req, caller }) => {
      const serial = param(req, 'serial', S.serialParam);
      const body = type === 'revoke' ? parseWith(S.revokeInput, req.body) : parseWith(S.commentInput, req.body ?? {});
      const r = await ra.submit(caller, { type, serial, ...body } as S.RequestInput);
      return withCert(r, caller);
    };

  return [
    {
      method: 'post',
      path: '/api/v1/requests',
      permissions: ['ra.requests:submit'],
      summary: 'Submit a request: enroll (CSR), keygen (server-side key, PKCS#12 once), renew, rekey, revoke, suspend, resume, recover (archived encryption key)',
      body: S.requestInput,
      status: 201,
      handler: async ({ req, caller }) => {
        const { request, certificate } = await ra.submitWithResult(caller, parseWith(S.requestInput, req.body));
        return certificate ? requestView(request, certificate, canReadAll(caller, 'ra.requests:read')) : withCert(request, caller);
      },
    },
    {
      method: 'get',
      path: '/api/v1/requests',
      permissions: ['ra.requests:read', 'ra.requests:read-own'],
      summary: 'List requests (own only without ra.requests:read)',
      query: S.requestQuery,
      handler: async ({ req, caller }) => {
        const q = parseWith(S.requestQuery, req.query);
        const own = !canReadAll(caller, 'ra.requests:read') || q.mine === 'true';
        const list = await repo.listRequests({ ...q, ...(own ? { requesterId: caller.id } : {}) });
        return { items: list.map((r) => requestView(r)) };
      },
    },
    {
      method: 'get',
      path: '/api/v1/requests/:id',
      permissions: ['ra.requests:read', 'ra.requests:read-own'],
      summary: 'One request with approvals, transitions, CSR (officers) and the issued certificate',
      handler: async ({ req, caller }) => withCert(await ownRequest(caller, param(req, 'id', S.idParam)), caller),
    },
    {
      method: 'post',
      path: '/api/v1/requests/:id/approve',
      permissions: ['ra.requests:decide'],
      summary: 'Approve (dual control: not your own request; each officer once; executes when enough approvals)',
      body: S.approveInput,
      handler: async ({ req, caller }) => withCert(await ra.approve(caller, param(req, 'id', S.idParam), parseWith(S.approveInput, req.body ?? {}).comment), caller),
    },
    {
      method: 'post',
      path: '/api/v1/requests/:id/reject',
      permissions: ['ra.requests:decide'],
      summary: 'Reject with a reason',
      body: S.rejectInput,
      handler: async ({ req, caller }) => withCert(await ra.reject(caller, param(req, 'id', S.idParam), parseWith(S.rejectInput, req.body).reason), caller),
    },
    {
      method: 'post',
      path: '/api/v1/requests/:id/retry',
      permissions: ['ra.requests:decide'],
      summary: 'Retry a request in ca-error (CA connector failure: same serial / CMP transaction; key recovery that failed after its last approval: unseals again, approvals kept)',
      body: S.commentInput,
      handler: async ({ req, caller }) => withCert(await ra.retry(caller, param(req, 'id', S.idParam), parseWith(S.commentInput, req.body ?? {}).comment), caller),
    },
    {
      method: 'post',
      path: '/api/v1/requests/:id/cancel',
      permissions: ['ra.requests:submit', 'ra.requests:decide'],
      summary: 'Cancel a submitted request (the requester, or an officer)',
      body: S.cancelInput,
      handler: async ({ req, caller }) => withCert(await ra.cancel(caller, param(req, 'id', S.idParam), parseWith(S.cancelInput, req.body ?? {}).reason), caller),
    },
    {
      method: 'post',
      path: '/api/v1/requests/:id/pkcs12',
      permissions: ['ra.requests:submit'],
      summary: 'Pick up a server-generated key as PKCS#12 (requester only, exactly once)',
      body: S.pickupInput,
      produces: 'application/x-pkcs12',
      handler: async ({ req, res, caller }) => {
        const body = parseWith(S.pickupInput, req.body);
        const p12 = await ra.pickupKey(caller, param(req, 'id', S.idParam), body.password, (privateKey, certificate, chain, password) =>
          buildPkcs12({ privateKey, certificate, chain, password }),
        );
        res.setHeader('Content-Type', 'application/x-pkcs12');
        res.setHeader('Content-Disposition', 'attachment; filename="certificate.p12"');
        res.send(Buffer.from(p12));
        return undefined;
      },
    },
    {
      method: 'post',
      path: '/api/v1/requests/:id/recovered-key',
      permissions: ['ra.keys:recover', 'ra.requests:submit'],
      summary: 'Pick up a recovered encryption key (requester only, exactly once): PKCS#12 under a one-time password shown only here, and the key enveloped for the subject’s current SM2 signing key',
      note: 'Only the requester of a completed recover request; a second pickup answers 410.',
      handler: async ({ req, caller }) => {
        const k = await ra.keyRecovery.pickup(caller, param(req, 'id', S.idParam));
        return {
          requestId: k.requestId,
          encryptionSerial: k.encryptionSerial,
          signingSerial: k.signingSerial,
          certificate: toPem(k.certificate, 'CERTIFICATE'),
          pkcs12: Buffer.from(k.pkcs12).toString('base64'),
          pkcs12Format: 'PKCS#12, keys and certificates PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), HMAC-SHA256 MAC; open with: openssl pkcs12 -in <file> -passin pass:<oneTimePassword>',
          oneTimePassword: k.oneTimePassword,
          envelope: k.envelope ? Buffer.from(k.envelope).toString('base64') : null,
          envelopeFor: k.envelopeFor,
          envelopeFormat: k.envelope ? 'GM/T 0009 SM2Cipher; open with: openssl pkeyutl -decrypt -inkey <signing key of envelopeFor>' : 'none: the subject has no valid SM2 signing certificate',
        };
      },
    },
    {
      method: 'get',
      path: '/api/v1/certificates',
      permissions: ['ra.certificates:read'],
      summary: 'List certificates',
      query: S.certificateQuery,
      handler: async ({ req }) => {
        const q = parseWith(S.certificateQuery, req.query);
        return { items: (await repo.listCertificates(q)).map((c) => ({ ...certificateView(c, []), pem: undefined, chain: undefined })) };
      },
    },
    {
      method: 'get',
      path: '/api/v1/certificates/:serial',
      permissions: ['ra.certificates:read', 'ra.requests:read-own'],
      summary: 'One certificate: status, PEM and chain (own certificates only without ra.certificates:read)',
      handler: async ({ req, caller }) => certificateView(await ownCertificate(caller, param(req, 'serial', S.serialParam)), d.ca.chain()),
    },
    {
      method: 'get',
      path: '/api/v1/certificates/:serial/download',
      permissions: ['ra.certificates:read', 'ra.requests:read-own'],
      summary: 'Download the certificate as PEM (optionally with chain) or DER',
      query: S.downloadQuery,
      produces: 'application/pem-certificate-chain',
      handler: async ({ req, res, caller }) => {
        const q = parseWith(S.downloadQuery, req.query);
        const c = await ownCertificate(caller, param(req, 'serial', S.serialParam));
        if (q.format === 'der') {
          res.setHeader('Content-Type', 'application/pkix-cert');
          res.setHeader('Content-Disposition', `attachment; filename="${c.serial}.cer"`);
          res.send(Buffer.from(c.der!));
        } else {
          res.setHeader('Content-Type', 'application/pem-certificate-chain');
          res.setHeader('Content-Disposition', `attachment; filename="${c.serial}.pem"`);
          res.send([c.der!, ...(q.chain === 'true' ? d.ca.chain() : [])].map((x) => toPem(x, 'CERTIFICATE')).join(''));
        }
        return undefined;
      },
    },
    {
      method: 'get',
      path: '/api/v1/certificates/:serial/encryption-key',
      permissions: ['ra.certificates:read', 'ra.requests:read-own'],
      summary: 'Dual certificates: the encryption certificate and its KMC-generated key, enveloped for the signing key (GM/T 0009 SM2Cipher, base64)',
      handler: async ({ req, caller }) => {
        const c = await ownCertificate(caller, param(req, 'serial', S.serialParam));
        const k = await ra.encryptionKey(caller, c.serial);
        return { signingSerial: k.signingSerial, encryptionSerial: k.encryptionSerial, certificate: toPem(k.certificate, 'CERTIFICATE'), envelope: Buffer.from(k.envelope).toString('base64'), envelopeFormat: 'GM/T 0009 SM2Cipher; open with: openssl pkeyutl -decrypt -inkey <signing key>' };
      },
    },
    {
      method: 'post',
      path: '/api/v1/certificates/:serial/revoke',
      permissions: ['ra.requests:submit'],
      summary: 'Request revocation (RFC 5280 reason); goes through approval',
      body: S.revokeInput,
      status: 201,
      handler: statusRequest('revoke'),
    },
    {
      method: 'post',
      path: '/api/v1/certificates/:serial/recover',
      permissions: ['ra.keys:recover', 'ra.requests:submit'],
      summary: 'Request recovery of the archived encryption key of a dual pair (either serial); needs the profile’s keyRecoveryApprovals (default 2) different officers, none the requester',
      note: 'Officers with ra.keys:recover may file for any certificate; other accounts only for certificates they requested. Certificates without an archived key answer 409.',
      body: S.commentInput,
      status: 201,
      handler: async ({ req, caller }) => {
        const body = parseWith(S.commentInput, req.body ?? {});
        return withCert(await ra.submit(caller, { type: 'recover', serial: param(req, 'serial', S.serialParam), ...body }), caller);
      },
    },
    {
      method: 'post',
      path: '/api/v1/certificates/:serial/suspend',
      permissions: ['ra.requests:submit'],
      summary: 'Request suspension (certificateHold); goes through approval',
      body: S.commentInput,
      status: 201,
      handler: statusRequest('suspend'),
    },
    {
      method: 'post',
      path: '/api/v1/certificates/:serial/resume',
      permissions: ['ra.requests:submit'],
      summary: 'Request resumption of a suspended certificate; goes through approval',
      body: S.commentInput,
      status: 201,
      handler: statusRequest('resume'),
    },
    {
      method: 'get',
      path: '/api/v1/subjects',
      permissions: ['ra.subjects:read'],
      summary: 'List subjects (people, devices, services)',
      query: S.subjectQuery,
      handler: async ({ req }) => ({ items: (await repo.listSubjects(parseWith(S.subjectQuery, req.query))).map((s) => subjectView(s)) }),
    },
    {
      method: 'post',
      path: '/api/v1/subjects',
      permissions: ['ra.subjects:write'],
      summary: 'Create a subject',
      body: S.subjectInput,
      status: 201,
      handler: async ({ req, caller }) => subjectView(await ra.createSubject(caller, parseWith(S.subjectInput, req.body)), []),
    },
    {
      method: 'get',
      path: '/api/v1/subjects/:id',
      permissions: ['ra.subjects:read'],
      summary: 'One subject with the certificates it holds',
      handler: async ({ req }) => {
        const id = param(req, 'id', S.idParam);
        const s = await repo.getSubject(id);
        if (!s) throw new HttpError(404, 'no such subject');
        return subjectView(s, await repo.listCertificates({ subjectId: id, limit: 1000 }));
      },
    },
    {
      method: 'patch',
      path: '/api/v1/subjects/:id',
      permissions: ['ra.subjects:write'],
      summary: 'Update a subject (attributes, org unit, status active/suspended/left)',
      body: S.subjectPatch,
      handler: async ({ req, caller }) => subjectView(await ra.updateSubject(caller, param(req, 'id', S.idParam), parseWith(S.subjectPatch, req.body))),
    },
    {
      method: 'get',
      path: '/api/v1/profiles',
      permissions: ['ra.profiles:read', 'ra.requests:submit'],
      summary: 'Certificate profiles',
      handler: async () => ({ items: [...d.profiles.values()] }),
    },
    {
      method: 'get',
      path: '/api/v1/org-units',
      permissions: ['ra.subjects:read', 'ra.requests:submit'],
      summary: 'Organisation units (ministry → province → city → county)',
      handler: async () => ({ items: d.units.list() }),
    },
    {
      method: 'get',
      path: '/api/v1/audit',
      permissions: ['audit:read'],
      summary: 'Audit records in sequence order (append-only; there is no delete)',
      query: S.auditQuery,
      handler: async ({ req }) => {
        const q = parseWith(S.auditQuery, req.query);
        const items = await repo.listAudit(q);
        return { items: items.map((r) => ({ ...r, details: JSON.parse(r.details) as unknown })), head: await repo.auditHead() };
      },
    },
    {
      method: 'post',
      path: '/api/v1/audit/verify',
      permissions: ['audit:verify'],
      summary: 'Verify the hash chain and signed checkpoints; reports modification, deletion, reordering',
      handler: async ({ caller }) => {
        const report = await verifyAuditTrail(repo, d.auditPublicKey);
        await repo.tx(async (w) => {
          await w.audit({
            eventType: 'audit.verified',
            objectType: 'audit',
            objectId: 'chain',
            outcome: report.ok ? 'success' : 'failure',
            actor: caller,
            details: { records: report.records, lastSeq: report.lastSeq, problems: report.problems.length },
          });
        });
        return report;
      },
    },
  ];
}

/** Serial of a presented client certificate, as this RA writes serials (lower-case hex). */
export function serialOf(certDer: Uint8Array): string {
  return Buffer.from(inspectCertificate(certDer).serialNumber).toString('hex').replace(/^00(?=[89a-f])/, '');
}
