import { createPrivateKey, generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { HttpError } from '@emsoc/common';
import { hasErrors, lintTbs } from '@emsoc/pki/lint/index';
import { prepareCertificate, type PreparedCertificate } from '@emsoc/pki/x509/certificate';
import type { GeneralName } from '@emsoc/pki/x509/general-name';
import { nameToString, decodeName, encodeName } from '@emsoc/pki/x509/name';
import type { AuditDraft } from './audit/chain.js';
import type { CaConnector } from './ca/connector.js';
import { CsrError, describeKey, spkiFingerprint, weakKeyReason, type ParsedCsr } from './ca/csr.js';
import { parseCsrOffThread } from './ca/csr-pool.js';
import type { Actor, CertificateRecord, CertRequest, RequestStatus, SanEntry, Subject, Transition } from './model.js';
import type { OrgUnits } from './policy/org-units.js';
import type { Profile } from './policy/profiles.js';
import { renderSubjectDn, willingToIssue, type PolicyViolation } from './policy/willing-to-issue.js';
import type { RequestInput, SubjectInput } from './api/schemas.js';
import type { RaRepository, RaTx } from './store/repository.js';
import { counter } from '@emsoc/common';
import { inspectIssued as inspect } from './ca/inspect.js';
import type { Kmc } from './ca/kmc/kmc.js';
import { KeyRecovery } from './workflow/key-recovery.js';
import { issuedCertificateFields, signedAsPrepared } from './ca/issued.js';

const refused = counter('emsoc_ra_refused_total', 'RA requests refused, by cause', ['cause']);
const issued = counter('emsoc_ra_certificates_issued_total', 'Certificates issued, by profile', ['profile']);
const generateKeyPairAsync = promisify(generateKeyPair);
const caErrors = counter('emsoc_ra_ca_errors_total', 'CA connector failures that left a request in ca-error, by connector', ['ca']);

/** A key proven by a CA protocol's own proof of possession, in the shape the CSR path yields. */
function verifiedKey(spki: Uint8Array): { der: null; publicKeyInfo: Uint8Array; spkiSha256: string; sans: SanEntry[]; weakKey: string | undefined } {
  try {
    describeKey(spki);
  } catch (e) {
    throw badInput(`unreadable public key: ${(e as Error).message}`, 'csr');
  }
  return { der: null, publicKeyInfo: spki, spkiSha256: spkiFingerprint(spki), sans: [], weakKey: weakKeyReason(spki) };
}

/** Refusal because the request breaks the profile/policy: 422 with every broken rule. */
export function policyError(violations: PolicyViolation[]): HttpError {
  refused.inc({ cause: 'policy' });
  return new HttpError(422, `request outside profile: ${violations.map((v) => `${v.identifier}: ${v.rule}`).join('; ')}`, violations);
}

function badInput(message: string, cause = 'input'): HttpError {
  refused.inc({ cause });
  return new HttpError(400, message);
}

export interface RaDeps {
  repo: RaRepository;
  profiles: Map<string, Profile>;
  units: OrgUnits;
  ca: CaConnector;
  logger: Logger;
  /** Key-management role for dual-certificate profiles (encryption keys). */
  kmc?: Kmc;
}

/** Internal submission options for CA-protocol front ends (the embedded CA's CMP endpoint). */
export interface SubmitOptions {
  /** Key whose possession the protocol layer already proved (CRMF POP); replaces the CSR of enroll/rekey. */
  verifiedPublicKey?: Uint8Array;
  /** Revocation asked by the key holder itself (CMP rr protected by that certificate's key or its client's MAC): executes without an officer. */
  selfRevocation?: boolean;
}

/** What the caller may see and do beyond permissions checked at the route. */
export interface Caller extends Actor {
  permissions: Set<string>;
}

const TERMINAL: RequestStatus[] = ['issued', 'completed', 'rejected', 'cancelled', 'failed'];

function subjectFromInput(x: SubjectInput, now: string): Subject {
  const { kind, orgUnit, ...attributes } = x;
  return { id: randomUUID(), kind, orgUnit, status: 'active', attributes, createdAt: now, updatedAt: now };
}

/** A key's description and canonical fingerprint, computed once at intake. */
type KnownKey = { description: ReturnType<typeof describeKey>; fingerprint: string };

const sanToGeneralName = (s: SanEntry): GeneralName => ({ type: s.type, value: s.value }) as GeneralName;

/**
 * The registration authority: intake, approvals with dual control, and execution (issue, revoke,
 * suspend, resume). Policy is decided only by `willingToIssue`; the CA connector only signs.
 */
export class RegistrationAuthority {
  /** Request types with their own intake and execution; they share submission and dual-control approval. */
  readonly keyRecovery: KeyRecovery;
  private readonly handlers: Partial<Record<CertRequest['type'], KeyRecovery>>;

  constructor(private readonly d: RaDeps) {
    this.keyRecovery = new KeyRecovery({ repo: d.repo, profiles: d.profiles, logger: d.logger, kmc: d.kmc });
    this.handlers = { recover: this.keyRecovery };
  }

  get repo(): RaRepository {
    return this.d.repo;
  }

  private profile(id: string | null): Profile {
    const p = id ? this.d.profiles.get(id) : undefined;
    if (!p) throw badInput(`unknown profile "${id ?? ''}" (known: ${[...this.d.profiles.keys()].join(', ')})`, 'profile');
    return p;
  }

  private transition(actor: Actor, from: RequestStatus | null, to: RequestStatus, reason: string | null = null): Transition {
    return { from, to, actor: actor.name, at: new Date().toISOString(), sourceIp: actor.sourceIp, reason };
  }

  private auditRequest(actor: Actor, r: CertRequest, eventType: string, details: Record<string, unknown> = {}, outcome: AuditDraft['outcome'] = 'success'): AuditDraft {
    return {
      eventType,
      objectType: 'request',
      objectId: r.id,
      outcome,
      actor,
      details: { requestId: r.id, requestType: r.type, profile: r.profile, subjectId: r.subjectId, serial: r.serial ?? undefined, ...details },
    };
  }

  // ---------------------------------------------------------------- subjects

  async createSubject(actor: Actor, input: SubjectInput): Promise<Subject> {
    if (!this.d.units.get(input.orgUnit)) throw badInput(`unknown org unit "${input.orgUnit}"`);
    const s = subjectFromInput(input, new Date().toISOString());
    await this.d.repo.tx(async (w) => {
      await w.insertSubject(s);
      await w.audit({ eventType: 'subject.created', objectType: 'subject', objectId: s.id, outcome: 'success', actor, details: { kind: s.kind, orgUnit: s.orgUnit } });
    });
    return s;
  }

  async updateSubject(actor: Actor, id: string, patch: Partial<SubjectInput> & { status?: Subject['status'] }): Promise<Subject> {
    const cur = await this.d.repo.getSubject(id);
    if (!cur) throw new HttpError(404, 'no such subject');
    if (patch.orgUnit && !this.d.units.get(patch.orgUnit)) throw badInput(`unknown org unit "${patch.orgUnit}"`);
    const { orgUnit, status, ...attrs } = patch;
    const next: Subject = {
      ...cur,
      orgUnit: orgUnit ?? cur.orgUnit,
      status: status ?? cur.status,
      attributes: { ...cur.attributes, ...attrs },
      updatedAt: new Date().toISOString(),
    };
    await this.d.repo.tx(async (w) => {
      if (!(await w.updateSubject(next))) throw new HttpError(404, 'no such subject');
      await w.audit({ eventType: 'subject.updated', objectType: 'subject', objectId: id, outcome: 'success', actor, details: { changed: Object.keys(patch).sort(), status: next.status } });
    });
    return next;
  }

  // ---------------------------------------------------------------- intake

  /** Validates and records a request; auto-executes when the profile needs no approval (automation). */
  async submit(actor: Caller, input: RequestInput, opts: SubmitOptions = {}): Promise<CertRequest> {
    return (await this.submitWithResult(actor, input, opts)).request;
  }

  /**
   * `submit`, plus the certificate when an automated profile issued it at once. That request and
   * certificate are returned as committed (built from what was written, not read back: four queries
   * fewer on the automated issuance path); every other outcome is read from the database.
   */
  async submitWithResult(actor: Caller, input: RequestInput, opts: SubmitOptions = {}): Promise<{ request: CertRequest; certificate?: CertificateRecord }> {
    const now = new Date().toISOString();
    const base: CertRequest = {
      id: randomUUID(),
      type: input.type,
      status: 'submitted',
      profile: null,
      subjectId: null,
      serial: null,
      csrDer: null,
      publicKeyInfo: null,
      san: [],
      revocationReason: null,
      approvalsRequired: 1,
      requesterId: actor.id,
      requesterName: actor.name,
      createdAt: now,
      updatedAt: now,
      reason: input.comment ?? null,
      resultSerial: null,
      approvals: [],
      transitions: [],
    };
    let newSubject: Subject | undefined;
    let escrow: Uint8Array | undefined;
    let prepared: { prepared: PreparedCertificate; cert: CertificateRecord } | undefined;

    const handler = this.handlers[input.type];
    if (handler) await handler.intake(actor, input, base);
    else if (input.type === 'enroll' || input.type === 'keygen') {
      const profile = this.profile(input.profile);
      const subject = await this.resolveSubject(input.subjectId, input.subject, now);
      if (!input.subjectId) newSubject = subject;
      let spki: Uint8Array;
      let san: SanEntry[];
      let known: KnownKey | undefined;
      if (input.type === 'enroll') {
        const csr = opts.verifiedPublicKey ? verifiedKey(opts.verifiedPublicKey) : await this.parseCsr(input.csr);
        await this.checkKey(csr.weakKey, csr.spkiSha256);
        spki = csr.publicKeyInfo;
        san = input.san ?? csr.sans;
        base.csrDer = csr.der;
        known = { description: describeKey(spki), fingerprint: csr.spkiSha256 };
        this.enforce(profile, subject, known.description, san);
      } else {
        if (!profile.serverKeyGeneration) throw policyError([{ identifier: 'key', rule: 'serverKeyGeneration', message: `profile ${profile.id} does not allow server-side key generation` }]);
        san = input.san ?? [];
        const keyDesc = input.keyAlgorithm.startsWith('RSA') ? { algorithm: 'rsa' as const, bits: Number(input.keyAlgorithm.slice(4)) } : { algorithm: 'ec' as const, curve: input.keyAlgorithm };
        this.enforce(profile, subject, keyDesc, san); // before spending time on key generation
        const key = await generateKeyFor(input.keyAlgorithm);
        spki = new Uint8Array(key.publicKey.export({ type: 'spki', format: 'der' }));
        // PKCS#8 PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC): the clear key never touches the database.
        escrow = new Uint8Array(key.privateKey.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: input.password }));
      }
      Object.assign(base, { profile: profile.id, subjectId: subject.id, publicKeyInfo: spki, san, approvalsRequired: profile.approvals });
      if (profile.approvals === 0) prepared = this.prepare(base, profile, subject, undefined, known);
    } else {
      const cert = await this.targetCertificate(actor, input.serial);
      base.serial = cert.serial;
      base.profile = cert.profile;
      base.subjectId = cert.subjectId;
      const profile = this.profile(cert.profile);
      base.approvalsRequired = Math.max(profile.approvals, 1);
      if (input.type === 'renew' || input.type === 'rekey') {
        if (cert.status !== 'valid') throw new HttpError(409, `certificate ${cert.serial} is ${cert.status}; only valid certificates can be ${input.type === 'renew' ? 'renewed' : 're-keyed'}`);
        const subject = await this.d.repo.getSubject(cert.subjectId ?? '');
        if (!subject) throw new HttpError(409, 'the certificate has no subject record');
        const old = decodeCertSans(cert);
        base.san = old;
        if (input.type === 'renew') {
          base.publicKeyInfo = certSpki(cert);
          const blocked = await this.d.repo.keyInUse(cert.spkiSha256);
          if (blocked?.startsWith('public key is blocked')) throw policyError([{ identifier: 'key', rule: 'key.blocked', message: blocked }]);
        } else {
          const csr = opts.verifiedPublicKey ? verifiedKey(opts.verifiedPublicKey) : await this.parseCsr(input.csr);
          if (csr.spkiSha256 === cert.spkiSha256) throw policyError([{ identifier: 'key', rule: 'rekey.newKey', message: 're-key needs a new key pair' }]);
          await this.checkKey(csr.weakKey, csr.spkiSha256);
          base.csrDer = csr.der;
          base.publicKeyInfo = csr.publicKeyInfo;
        }
        this.enforce(profile, subject, describeKey(base.publicKeyInfo!), base.san);
        base.approvalsRequired = profile.approvals;
        if (profile.approvals === 0) prepared = this.prepare(base, profile, subject);
      } else {
        const allowedFrom = input.type === 'revoke' ? ['valid', 'suspended'] : input.type === 'suspend' ? ['valid'] : ['suspended'];
        if (!allowedFrom.includes(cert.status)) throw new HttpError(409, `certificate ${cert.serial} is ${cert.status}; cannot ${input.type}`);
        base.revocationReason = input.type === 'revoke' ? input.reason : input.type === 'suspend' ? 'certificateHold' : 'removeFromCRL';
        if (opts.selfRevocation && input.type === 'revoke') base.approvalsRequired = 0;
      }
    }

    const auto = base.approvalsRequired === 0;
    base.transitions.push(this.transition(actor, null, 'submitted', input.comment ?? null));
    if (auto) base.transitions.push(this.transition({ ...actor, name: 'policy:automation' }, 'submitted', 'approved', prepared ? `profile ${base.profile} is automated` : 'revocation by the key holder (CMP)'));
    await this.d.repo.tx(async (w) => {
      if (newSubject) {
        await w.insertSubject(newSubject);
        await w.audit({ eventType: 'subject.created', objectType: 'subject', objectId: newSubject.id, outcome: 'success', actor, details: { kind: newSubject.kind, orgUnit: newSubject.orgUnit, viaRequest: base.id } });
      }
      await w.insertRequest({ ...base, status: auto ? 'approved' : 'submitted' });
      if (escrow) await w.putEscrowedKey(base.id, escrow);
      await w.audit(this.auditRequest(actor, base, 'request.submitted'));
      if (auto) {
        await w.audit(this.auditRequest({ ...actor, name: 'policy:automation' }, base, 'request.approved', { automated: true }));
        if (prepared) await w.reserveCertificate(prepared.cert);
      }
    });
    if (auto && prepared) {
      const done = await this.sign(actor, { ...base, status: 'approved' }, prepared);
      if (done) return done;
    } else if (auto) await this.changeStatus(actor, { ...base, status: 'approved' });
    return { request: (await this.d.repo.getRequest(base.id))! };
  }

  /** Parsed off the event loop (ca/csr-pool), refusals as 400 with the parser's reason. */
  private async parseCsr(text: string): Promise<ParsedCsr> {
    try {
      return await parseCsrOffThread(text);
    } catch (e) {
      if (e instanceof CsrError) throw badInput(e.message, 'csr');
      throw e;
    }
  }

  /** `weak`: the key's weakKeyReason, already decided at intake. */
  private async checkKey(weak: string | undefined, fingerprint: string): Promise<void> {
    if (weak) throw policyError([{ identifier: 'key', rule: 'key.weak', message: weak }]);
    const used = await this.d.repo.keyInUse(fingerprint);
    if (used) throw policyError([{ identifier: 'key', rule: 'key.unique', message: used }]);
  }

  private enforce(profile: Profile, subject: Subject, key: ReturnType<typeof describeKey>, san: SanEntry[]): void {
    const violations = willingToIssue({ profile, subject, unit: this.d.units.get(subject.orgUnit), key, san });
    if (violations.length) throw policyError(violations);
  }

  private async resolveSubject(subjectId: string | undefined, inline: SubjectInput | undefined, now: string): Promise<Subject> {
    if (subjectId && inline) throw badInput('give either subjectId or subject, not both');
    if (subjectId) {
      const s = await this.d.repo.getSubject(subjectId);
      if (!s) throw badInput(`unknown subject ${subjectId}`);
      return s;
    }
    if (!inline) throw badInput('subjectId or subject is required');
    if (!this.d.units.get(inline.orgUnit)) throw badInput(`unknown org unit "${inline.orgUnit}"`);
    return subjectFromInput(inline, now);
  }

  /** Requesters without ra.certificates:read may only act on certificates they requested. */
  private async targetCertificate(actor: Caller, serial: string): Promise<CertificateRecord> {
    const cert = await this.d.repo.getCertificate(serial);
    if (!cert || cert.status === 'reserved' || cert.status === 'failed') throw new HttpError(404, 'no such certificate');
    if (!actor.permissions.has('ra.certificates:read') && cert.requesterId !== actor.id) throw new HttpError(404, 'no such certificate');
    return cert;
  }

  // ---------------------------------------------------------------- decisions

  private async load(id: string): Promise<CertRequest> {
    const r = await this.d.repo.getRequest(id);
    if (!r) throw new HttpError(404, 'no such request');
    return r;
  }

  /**
   * Dual control: the requester never approves their own request; each officer counts once; the
   * request moves to approved when the profile's number of distinct approvals is reached, then executes.
   */
  async approve(actor: Caller, id: string, comment: string | undefined): Promise<CertRequest> {
    const r = await this.load(id);
    if (r.status !== 'submitted') throw new HttpError(409, `request is ${r.status}, not submitted`);
    if (r.requesterId === actor.id) {
      await this.auditDenied(actor, r, 'request.approve-denied', 'requester cannot approve their own request');
      throw new HttpError(403, 'the requester cannot approve their own request');
    }
    if (r.approvals.some((a) => a.officerId === actor.id)) throw new HttpError(409, 'you already approved this request; another officer must approve');
    const complete = r.approvals.length + 1 >= r.approvalsRequired;
    let prepared: { prepared: PreparedCertificate; cert: CertificateRecord } | undefined;
    if (complete && ['enroll', 'keygen', 'renew', 'rekey'].includes(r.type)) {
      const profile = this.profile(r.profile);
      const subject = await this.d.repo.getSubject(r.subjectId ?? '');
      if (!subject) throw new HttpError(409, 'subject record is gone');
      // Policy is re-checked at issuance time: the subject may have left or the profile changed.
      const violations = willingToIssue({ profile, subject, unit: this.d.units.get(subject.orgUnit), key: describeKey(r.publicKeyInfo!), san: r.san });
      if (r.type !== 'renew') {
        const used = await this.d.repo.keyInUse(spkiFingerprint(r.publicKeyInfo!));
        if (used) violations.push({ identifier: 'key', rule: 'key.unique', message: used });
      }
      if (violations.length) {
        await this.fail(actor, r, 'submitted', `policy: ${violations.map((v) => `${v.identifier}: ${v.rule}`).join('; ')}`);
        throw policyError(violations);
      }
      prepared = this.prepare(r, profile, subject);
    }
    const approval = { officerId: actor.id, officerName: actor.name, at: new Date().toISOString(), comment: comment ?? null, sourceIp: actor.sourceIp };
    const ok = await this.d.repo.tx(async (w) => {
      if (!(await w.addApproval(r.id, approval))) return false;
      await w.audit(this.auditRequest(actor, r, 'request.approved', { approval: r.approvals.length + 1, of: r.approvalsRequired, comment }));
      if (!complete) return true;
      if (!(await w.transition(r.id, this.transition(actor, 'submitted', 'approved', comment ?? null) as Transition & { from: RequestStatus }))) return false;
      if (prepared) await w.reserveCertificate(prepared.cert);
      return true;
    });
    if (!ok) throw new HttpError(409, 'request changed concurrently; reload and retry');
    if (complete) {
      const approved = { ...r, status: 'approved' as const, approvals: [...r.approvals, approval] };
      if (prepared) await this.sign(actor, approved, prepared);
      else if (this.handlers[r.type]) await this.executeHandled(actor, approved, 'last approval');
      else await this.changeStatus(actor, approved);
    }
    return this.load(id);
  }

  /**
   * Retries a request in ca-error. Key recovery runs its step again (executeHandled). Issuance: policy
   * is re-checked, the TBS is rebuilt with the serial reserved the first time, and the connector is
   * called again with the same request id (CMP reuses the transactionID), so a lost response never
   * yields a second certificate.
   */
  async retry(actor: Caller, id: string, comment: string | undefined): Promise<CertRequest> {
    const r = await this.load(id);
    if (r.status !== 'ca-error') throw new HttpError(409, `request is ${r.status}; only requests in ca-error can be retried`);
    if (this.handlers[r.type]) {
      // Their approvals are complete and stay recorded; the handler's step runs again (see executeHandled).
      await this.resumeForRetry(actor, r, comment, {});
      await this.executeHandled(actor, { ...r, status: 'approved' }, 'retry');
      return this.load(id);
    }
    const reserved = (await this.d.repo.listCertificates({ requestId: id, status: 'reserved', limit: 1 }))[0];
    if (!reserved) throw new HttpError(409, 'no reserved certificate for this request');
    const profile = this.profile(r.profile);
    const subject = await this.d.repo.getSubject(r.subjectId ?? '');
    if (!subject) throw new HttpError(409, 'subject record is gone');
    const violations = willingToIssue({ profile, subject, unit: this.d.units.get(subject.orgUnit), key: describeKey(r.publicKeyInfo!), san: r.san });
    if (violations.length) {
      await this.fail(actor, r, 'ca-error', `policy: ${violations.map((v) => `${v.identifier}: ${v.rule}`).join('; ')}`, reserved.serial);
      throw policyError(violations);
    }
    const { prepared } = this.prepare(r, profile, subject, Buffer.from(reserved.serial, 'hex'));
    await this.resumeForRetry(actor, r, comment, { serial: reserved.serial });
    await this.sign(actor, { ...r, status: 'approved' }, { prepared, cert: reserved });
    return this.load(id);
  }

  /** ca-error → approved, audited as request.retried; the conditional transition lets one retry win. */
  private async resumeForRetry(actor: Actor, r: CertRequest, comment: string | undefined, details: Record<string, unknown>): Promise<void> {
    const ok = await this.d.repo.tx(async (w) => {
      if (!(await w.transition(r.id, { ...this.transition(actor, 'ca-error', 'approved', comment ?? 'retry'), from: 'ca-error' }))) return false;
      await w.audit(this.auditRequest(actor, r, 'request.retried', { ...details, comment }));
      return true;
    });
    if (!ok) throw new HttpError(409, 'request changed concurrently; reload and retry');
  }

  /**
   * Runs a request type's own execution (key recovery). Its refusals are HttpErrors (a KMC refusal
   * has already failed the request); anything else (a database write, the envelope step) is an
   * unexpected failure after the approvals were recorded: the request is parked in ca-error like a CA
   * failure, so an officer can retry it instead of it staying approved with no way forward.
   */
  private async executeHandled(actor: Actor, r: CertRequest, trigger: 'last approval' | 'retry'): Promise<void> {
    try {
      await this.handlers[r.type]!.execute(actor, r, trigger);
    } catch (e) {
      if (e instanceof HttpError) throw e;
      this.d.logger.error({ err: e, request: r.id, type: r.type }, 'request execution failed; request kept for retry');
      await this.parkForRetry(actor, r, `${r.type} error: ${(e as Error).message}`, 'kmc');
      throw new HttpError(502, `the ${r.type} step failed (${(e as Error).message}); the request is kept in ca-error with its approvals — retry with POST /api/v1/requests/${r.id}/retry`);
    }
  }

  /** approved → ca-error with the reason, audited as request.ca-error and counted under `source`. */
  private async parkForRetry(actor: Actor, r: CertRequest, reason: string, source: string, details: Record<string, unknown> = {}): Promise<void> {
    caErrors.inc({ ca: source });
    const ok = await this.d.repo.tx(async (w) => {
      if (!(await w.transition(r.id, { ...this.transition(actor, 'approved', 'ca-error', reason), from: 'approved' }, { reason }))) return false;
      await w.audit(this.auditRequest(actor, r, 'request.ca-error', { ...details, reason }, 'failure'));
      return true;
    });
    if (!ok) throw new HttpError(409, 'request changed concurrently; reload and retry');
  }

  async reject(actor: Caller, id: string, reason: string): Promise<CertRequest> {
    const r = await this.load(id);
    if (r.requesterId === actor.id) throw new HttpError(403, 'the requester cannot decide their own request (cancel it instead)');
    await this.move(actor, r, 'submitted', 'rejected', reason, 'request.rejected');
    return this.load(id);
  }

  async cancel(actor: Caller, id: string, reason: string | undefined): Promise<CertRequest> {
    const r = await this.load(id);
    if (r.requesterId !== actor.id && !actor.permissions.has('ra.requests:decide')) throw new HttpError(404, 'no such request');
    await this.move(actor, r, 'submitted', 'cancelled', reason ?? null, 'request.cancelled');
    return this.load(id);
  }

  private async move(actor: Actor, r: CertRequest, from: RequestStatus, to: RequestStatus, reason: string | null, event: string): Promise<void> {
    if (r.status !== from) throw new HttpError(409, `request is ${r.status}, not ${from}`);
    const ok = await this.d.repo.tx(async (w) => {
      if (!(await w.transition(r.id, { ...this.transition(actor, from, to, reason), from }, { reason }))) return false;
      await w.audit(this.auditRequest(actor, r, event, { reason }));
      return true;
    });
    if (!ok) throw new HttpError(409, 'request changed concurrently; reload and retry');
  }

  private async fail(actor: Actor, r: CertRequest, from: RequestStatus, reason: string, serial?: string): Promise<void> {
    await this.d.repo.tx(async (w) => {
      if (serial) await w.failCertificate(serial);
      await w.transition(r.id, { ...this.transition(actor, from, 'failed', reason), from }, { reason });
      await w.audit(this.auditRequest(actor, r, 'request.failed', { reason, serial }, 'failure'));
    });
  }

  private async auditDenied(actor: Actor, r: CertRequest, event: string, reason: string): Promise<void> {
    await this.d.repo.tx(async (w) => void (await w.audit(this.auditRequest(actor, r, event, { reason }, 'failure'))));
  }

  // ---------------------------------------------------------------- execution

  /**
   * Builds the exact TBS from the profile, then lints it; nothing is signed unless the lint is clean.
   * `known`: the key's description and fingerprint when intake already computed them for this key.
   */
  private prepare(r: CertRequest, profile: Profile, subject: Subject, serialNumber?: Uint8Array, known?: KnownKey): { prepared: PreparedCertificate; cert: CertificateRecord } {
    const unit = this.d.units.get(subject.orgUnit)!;
    const subjectDer = encodeName(renderSubjectDn(profile, subject, unit));
    const notBefore = new Date(Date.now() - 60_000); // tolerate relying parties with slightly slow clocks
    const prepared = prepareCertificate({
      issuer: this.d.ca.issuer({ crl: profile.crlDistributionPoint, aia: profile.authorityInfoAccess, ...(profile.signature === 'sm2-with-sm3' ? { signature: 'sm2-with-sm3' as const } : {}) }),
      subject: subjectDer,
      publicKeyInfo: r.publicKeyInfo!,
      serialNumber,
      notBefore,
      notAfter: new Date(notBefore.getTime() + profile.validityDays * 86_400_000),
      basicConstraints: { ca: false },
      keyUsage: keyUsageFor(profile, (known?.description ?? describeKey(r.publicKeyInfo!)).algorithm),
      extKeyUsage: profile.extendedKeyUsage,
      subjectAltNames: r.san.map(sanToGeneralName),
    });
    const findings = lintTbs(prepared.tbsDer, { requireSubjectAltName: profile.san.required });
    if (hasErrors(findings)) {
      refused.inc({ cause: 'lint' });
      throw new HttpError(422, `certificate refused by preflight lint: ${findings.filter((f) => f.severity === 'error').map((f) => `${f.code} (${f.message})`).join('; ')}`, findings);
    }
    return {
      prepared,
      cert: {
        serial: prepared.serialHex,
        requestId: r.id,
        subjectId: subject.id,
        profile: profile.id,
        status: 'reserved',
        subjectDn: nameToString(decodeName(subjectDer)),
        notBefore: prepared.notBefore.toISOString(),
        notAfter: prepared.notAfter.toISOString(),
        spkiSha256: known?.fingerprint ?? spkiFingerprint(r.publicKeyInfo!),
        der: null,
        issuedAt: null,
        revokedAt: null,
        revocationReason: null,
        requesterId: r.requesterId,
      },
    };
  }

  /**
   * The serial is already stored (reserved); sign exactly the linted TBS and commit the result.
   * Returns the request and certificate as committed, except for dual-certificate profiles (more
   * steps follow: read them back).
   */
  private async sign(actor: Actor, r: CertRequest, p: { prepared: PreparedCertificate; cert: CertificateRecord }): Promise<{ request: CertRequest; certificate: CertificateRecord } | undefined> {
    let der: Uint8Array;
    try {
      der = await this.d.ca.issue({ prepared: p.prepared, csrDer: r.csrDer, profile: this.profile(r.profile), requestId: r.id, serialHex: p.cert.serial });
    } catch (e) {
      // Down, timeout or refusal: the serial stays reserved and the request waits for an officer's retry.
      this.d.logger.error({ err: e, request: r.id, ca: this.d.ca.kind }, 'CA connector failed; request kept for retry');
      await this.parkForRetry(actor, r, `CA error: ${(e as Error).message}`, this.d.ca.kind, { serial: p.cert.serial });
      throw new HttpError(502, `the CA did not issue (${(e as Error).message}); the request is kept in ca-error — retry with POST /api/v1/requests/${r.id}/retry`);
    }
    const at = new Date().toISOString();
    // A remote CA may choose the serial: record the certificate under the serial it carries (one signed
    // around exactly the prepared TBS carries the reserved one).
    const actual = signedAsPrepared(der, p.prepared.tbsDer) ? undefined : issuedCertificateFields(der);
    const cert = !actual || actual.serial === p.cert.serial ? p.cert : { ...p.cert, ...actual };
    const step = { ...this.transition(actor, 'approved', 'issued'), from: 'approved' as const };
    let moved = false;
    await this.d.repo.tx(async (w) => {
      if (cert !== p.cert) {
        await w.failCertificate(p.cert.serial);
        await w.reserveCertificate(cert);
      }
      await w.completeCertificate(cert.serial, der, at);
      moved = await w.transition(r.id, step, { resultSerial: cert.serial });
      await w.audit({
        eventType: 'certificate.issued',
        objectType: 'certificate',
        objectId: cert.serial,
        outcome: 'success',
        actor,
        details: { requestId: r.id, serial: cert.serial, profile: r.profile, subjectId: r.subjectId, subjectDn: cert.subjectDn, notAfter: cert.notAfter, ca: this.d.ca.kind, ...(cert !== p.cert ? { reservedSerial: p.cert.serial } : {}) },
      });
    });
    issued.inc({ profile: r.profile ?? '' });
    const profile = this.profile(r.profile);
    if (profile.dualCertificate) {
      await this.issueEncryptionCertificate(actor, r, cert, profile);
      return undefined;
    }
    // What the transaction wrote (transition: status, updated_at, result_serial, one transition row).
    if (!moved) return undefined;
    return {
      request: { ...r, status: 'issued', updatedAt: step.at, resultSerial: cert.serial, transitions: [...r.transitions, step] },
      certificate: { ...cert, status: 'valid', der, issuedAt: at },
    };
  }

  /**
   * Dual certificates: after the signing certificate (the subject's own key), the KMC generates the
   * encryption key pair; the CA certifies it for the same subject and names; the private key is archived
   * sealed and kept enveloped for the signing key until the subject fetches it. Both records are linked.
   */
  private async issueEncryptionCertificate(actor: Actor, r: CertRequest, signing: CertificateRecord, profile: Profile): Promise<void> {
    const kmc = this.d.kmc;
    if (!kmc) throw new HttpError(500, `profile ${profile.id} issues dual certificates but no KMC is configured`);
    const subject = await this.d.repo.getSubject(r.subjectId ?? '');
    if (!subject) throw new HttpError(409, 'subject record is gone');
    const key = kmc.generateEncryptionKey();
    // GM/T 0015 encryption certificates: key usages for key establishment (profile.encryptionKeyUsage), no signing purposes.
    const enc = this.prepare({ ...r, publicKeyInfo: key.publicKeyInfo }, { ...profile, keyUsage: profile.encryptionKeyUsage, extendedKeyUsage: [] }, subject);
    await this.d.repo.tx(async (w) => void (await w.reserveCertificate(enc.cert)));
    let der: Uint8Array;
    try {
      der = await this.d.ca.issue({ prepared: enc.prepared, csrDer: null, profile, requestId: `${r.id}/encryption`, serialHex: enc.cert.serial });
    } catch (e) {
      await this.d.repo.tx(async (w) => void (await w.failCertificate(enc.cert.serial)));
      this.d.logger.error({ err: e, request: r.id }, 'CA failed to sign the encryption certificate');
      throw new HttpError(502, 'the CA failed to sign the encryption certificate');
    }
    const sealedKey = kmc.seal(key.privateKeyPkcs8, enc.cert.serial);
    const envelope = kmc.envelope(key.privateKeyPkcs8, r.publicKeyInfo!);
    await this.d.repo.tx(async (w) => {
      await w.completeCertificate(enc.cert.serial, der, new Date().toISOString());
      await w.putKmcKey({ encSerial: enc.cert.serial, signSerial: signing.serial, sealedKey, envelope });
      const details = { requestId: r.id, serial: enc.cert.serial, profile: profile.id, role: 'encryption', signingSerial: signing.serial, subjectId: r.subjectId };
      await w.audit({ eventType: 'certificate.issued', objectType: 'certificate', objectId: enc.cert.serial, outcome: 'success', actor, details: { ...details, ca: this.d.ca.kind } });
      await w.audit({ eventType: 'key.archived', objectType: 'certificate', objectId: enc.cert.serial, outcome: 'success', actor: { ...actor, name: 'kmc' }, details });
    });
  }

  private async changeStatus(actor: Actor, r: CertRequest): Promise<void> {
    const serial = r.serial!;
    const at = new Date();
    const spec =
      r.type === 'revoke'
        ? { from: ['valid', 'suspended'] as const, to: 'revoked' as const, revokedAt: at.toISOString(), event: 'certificate.revoked' }
        : r.type === 'suspend'
          ? { from: ['valid'] as const, to: 'suspended' as const, revokedAt: at.toISOString(), event: 'certificate.suspended' }
          : { from: ['suspended'] as const, to: 'valid' as const, revokedAt: null, event: 'certificate.resumed' };
    const cert = await this.d.repo.getCertificate(serial);
    // Dual certificates change status together (the pair shares one subject and one request).
    const pair = await this.d.repo.kmcPair(serial);
    const partner = pair ? (pair.encSerial === serial ? pair.signSerial : pair.encSerial) : undefined;
    const ok = await this.d.repo.tx(async (w: RaTx) => {
      const reason = r.type === 'resume' ? null : r.revocationReason;
      if (!(await w.setCertificateStatus(serial, [...spec.from], spec.to, spec.revokedAt, reason))) return false;
      if (partner && (await w.setCertificateStatus(partner, [...spec.from], spec.to, spec.revokedAt, reason))) {
        await w.audit({ eventType: spec.event, objectType: 'certificate', objectId: partner, outcome: 'success', actor, details: { requestId: r.id, serial: partner, reason: r.revocationReason, pairedWith: serial } });
      }
      if (r.revocationReason === 'keyCompromise' && cert) await w.blockKey(cert.spkiSha256, `keyCompromise (certificate ${serial})`);
      await w.transition(r.id, { ...this.transition(actor, 'approved', 'completed'), from: 'approved' });
      await w.audit({ eventType: spec.event, objectType: 'certificate', objectId: serial, outcome: 'success', actor, details: { requestId: r.id, serial, reason: r.revocationReason } });
      return true;
    });
    if (!ok) {
      await this.fail(actor, r, 'approved', `certificate ${serial} is no longer in a state that allows ${r.type}`);
      throw new HttpError(409, `certificate ${serial} changed state; request failed`);
    }
    await this.d.ca.revocationChanged({ serial, reason: r.type === 'resume' ? null : r.revocationReason, at });
    if (partner) await this.d.ca.revocationChanged({ serial: partner, reason: r.type === 'resume' ? null : r.revocationReason, at });
  }

  /** The encryption half of a dual pair for its subject: certificate and the key enveloped for the signing key. */
  async encryptionKey(actor: Actor, serial: string): Promise<{ signingSerial: string; encryptionSerial: string; certificate: Uint8Array; envelope: Uint8Array }> {
    const pair = await this.d.repo.kmcPair(serial);
    if (!pair) throw new HttpError(404, 'no KMC encryption key for this certificate');
    const enc = await this.d.repo.getCertificate(pair.encSerial);
    if (!enc?.der) throw new HttpError(404, 'no such certificate');
    await this.d.repo.tx(async (w) => void (await w.audit({ eventType: 'key.delivered', objectType: 'certificate', objectId: pair.encSerial, outcome: 'success', actor, details: { serial: pair.encSerial, signingSerial: pair.signSerial, envelope: 'SM2Cipher to the signing key' } })));
    return { signingSerial: pair.signSerial, encryptionSerial: pair.encSerial, certificate: enc.der, envelope: pair.envelope };
  }

  // ---------------------------------------------------------------- key pickup

  /** Hands out the server-generated key once as PKCS#12; the encrypted copy is deleted in the same commit. */
  async pickupKey(actor: Caller, id: string, password: string, buildPkcs12: (key: KeyObject, certDer: Uint8Array, chain: Uint8Array[], password: string) => Uint8Array): Promise<Uint8Array> {
    const r = await this.load(id);
    if (r.type !== 'keygen' || r.requesterId !== actor.id) throw new HttpError(404, 'no key to pick up for this request');
    if (r.status !== 'issued') throw new HttpError(409, `request is ${r.status}; the key is available once issued`);
    const cert = await this.d.repo.getCertificate(r.resultSerial!);
    return this.d.repo.tx(async (w) => {
      const enc = await w.takeEscrowedKey(id);
      if (!enc) throw new HttpError(410, 'the key was already picked up (it is handed out once)');
      let key: KeyObject;
      try {
        key = createPrivateKey({ key: Buffer.from(enc), format: 'der', type: 'pkcs8', passphrase: password });
      } catch {
        throw new HttpError(403, 'wrong password');
      }
      const p12 = buildPkcs12(key, cert!.der!, this.d.ca.chain(), password);
      await w.audit(this.auditRequest(actor, r, 'key.delivered', { serial: r.resultSerial }));
      return p12;
    });
  }

  isTerminal(r: CertRequest): boolean {
    return TERMINAL.includes(r.status);
  }
}

/**
 * keyEncipherment/dataEncipherment only make sense for RSA keys, keyAgreement only for EC keys (RFC 5480 §3);
 * SM2 keys can do both (GB/T 32918.3/.4), so the profile's list stands (GM/T 0015 encryption certificates).
 */
function keyUsageFor(profile: Profile, algorithm: string): Profile['keyUsage'] {
  const drop = algorithm === 'rsa' ? ['keyAgreement'] : algorithm === 'sm2' ? [] : ['keyEncipherment', 'dataEncipherment'];
  return profile.keyUsage.filter((u) => !drop.includes(u));
}

async function generateKeyFor(alg: string): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  if (alg.startsWith('RSA-')) return generateKeyPairAsync('rsa', { modulusLength: Number(alg.slice(4)), publicExponent: 65537 });
  return generateKeyPairAsync('ec', { namedCurve: alg === 'P-384' ? 'secp384r1' : 'prime256v1' });
}

/** SubjectPublicKeyInfo of a stored certificate. */
function certSpki(cert: CertificateRecord): Uint8Array {
  return inspect(cert).publicKeyInfo;
}

function decodeCertSans(cert: CertificateRecord): SanEntry[] {
  return inspect(cert).sans;
}


