/**
 * Key recovery of an archived encryption key (dual certificates, GM/T 0015): the request type
 * `recover` goes through the RA's ordinary approval machinery (dual control in `ra.approve`); this
 * module supplies its intake, its execution on the last approval and the one-time pickup.
 *
 * - Intake: an RA officer (ra.keys:recover) or the account that requested the certificate files it
 *   against either half of a KMC pair; certificates without an archived key are refused (audited).
 *   The profile's keyRecoveryApprovals (default 2) different officers, none the requester, must approve.
 * - Execution (M-th approval): the KMC unseals the archived key; it is packed as PKCS#12 (PBES2,
 *   PBKDF2-HMAC-SHA256, AES-256-CBC) under a fresh one-time password, and also enveloped (GM/T 0009
 *   SM2Cipher, the same envelope as first delivery) for the subject's current SM2 signing key when the
 *   subject has one. The bundle is kept sealed under the KMC master key, bound to the request id.
 * - Pickup: the requester alone takes the bundle once (deleted in the same commit); the one-time
 *   password is shown in that response and nowhere else.
 * - Failure after the last approval: a KMC refusal (the archived key does not authenticate) fails the
 *   request; any other error (the bundle's database write, the envelope step) leaves nothing stored
 *   and the RA parks the request in ca-error, approvals kept, for an officer's retry
 *   (`ra.retry` → `execute` again). The bundle is stored in the same commit that moves the request
 *   from approved to completed, so a retry can never make a second bundle, and a completed request
 *   (picked up or not) is never retried.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { HttpError } from '@emsoc/common';
import { buildPkcs12, describePublicKey } from '@emsoc/pki';
import type { Actor, CertRequest, Transition } from '../model.js';
import type { Profile } from '../policy/profiles.js';
import type { Caller } from '../ra.js';
import type { RequestInput } from '../api/schemas.js';
import type { RaRepository } from '../store/repository.js';
import { Kmc, KmcError } from '../ca/kmc/kmc.js';
import { inspectIssued } from '../ca/inspect.js';
import { counter } from '@emsoc/common';

const recoveries = counter('emsoc_ra_key_recoveries_total', 'Key recovery steps, by outcome', ['outcome']);

/** Permission that lets an officer file recovery for any certificate (others: only certificates they requested). */
export const RECOVER_PERMISSION = 'ra.keys:recover';

export interface KeyRecoveryDeps {
  repo: RaRepository;
  profiles: Map<string, Profile>;
  logger: Logger;
  /** Absent when no profile issues dual certificates: every recovery is then refused. */
  kmc?: Kmc;
}

/** What the requester receives once. */
export interface RecoveredKey {
  requestId: string;
  encryptionSerial: string;
  signingSerial: string;
  certificate: Uint8Array;
  pkcs12: Uint8Array;
  oneTimePassword: string;
  /** SM2Cipher for `envelopeFor`'s public key, when the subject has a valid SM2 signing certificate. */
  envelope: Uint8Array | null;
  envelopeFor: string | null;
}

interface Bundle {
  pkcs12: string;
  oneTimePassword: string;
  envelope: string | null;
  envelopeFor: string | null;
  encryptionSerial: string;
  signingSerial: string;
}

const bindingOf = (requestId: string) => `recovery-${requestId}`;

export class KeyRecovery {
  constructor(private readonly d: KeyRecoveryDeps) {}

  /** Validates a `recover` request and fills its target, profile, subject and required approvals. */
  async intake(actor: Caller, input: RequestInput, base: CertRequest): Promise<void> {
    if (input.type !== 'recover') throw new Error(`key recovery cannot take a ${input.type} request`);
    const cert = await this.d.repo.getCertificate(input.serial);
    if (!cert || cert.status === 'reserved' || cert.status === 'failed') throw new HttpError(404, 'no such certificate');
    if (!actor.permissions.has(RECOVER_PERMISSION) && cert.requesterId !== actor.id) throw new HttpError(404, 'no such certificate');
    const pair = this.d.kmc ? await this.d.repo.kmcPair(cert.serial) : undefined;
    if (!pair) {
      await this.refusal(actor, cert.serial, 'no archived key: only KMC-generated encryption keys of dual certificates are archived');
      throw new HttpError(409, `certificate ${cert.serial} has no archived encryption key (only the KMC-generated encryption keys of dual certificates are archived; a subject's own signing key never is)`);
    }
    const profile = this.d.profiles.get(cert.profile);
    Object.assign(base, {
      serial: pair.encSerial,
      profile: cert.profile,
      subjectId: cert.subjectId,
      approvalsRequired: profile?.keyRecoveryApprovals ?? 2,
    });
  }

  /**
   * Last approval is in (or an officer retries after a failure): unseal, pack, keep sealed for
   * pickup, complete the request. `r.approvals` holds every approval, the last one included.
   */
  async execute(actor: Actor, r: CertRequest, trigger: 'last approval' | 'retry' = 'last approval'): Promise<void> {
    const kmc = this.d.kmc;
    const pair = await this.d.repo.kmcPair(r.serial ?? '');
    const enc = pair ? await this.d.repo.getCertificate(pair.encSerial) : undefined;
    if (!kmc || !pair || !enc?.der) return this.fail(actor, r, 'the archived key or its certificate is gone');
    let pkcs8: Uint8Array;
    try {
      pkcs8 = kmc.unseal(pair.sealedKey, pair.encSerial);
    } catch (e) {
      if (e instanceof KmcError) return this.fail(actor, r, e.message);
      throw e;
    }
    const oneTimePassword = randomBytes(18).toString('base64url');
    let pkcs12: Uint8Array;
    let signing: { serial: string; publicKeyInfo: Uint8Array } | undefined;
    let envelope: Uint8Array | null;
    try {
      pkcs12 = buildPkcs12({ privateKey: createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }), certificate: enc.der, password: oneTimePassword, friendlyName: `encryption ${pair.encSerial}` });
      signing = await this.currentSigningCertificate(r.subjectId, pair.encSerial);
      envelope = signing ? kmc.envelope(pkcs8, signing.publicKeyInfo) : null;
    } finally {
      pkcs8.fill(0); // also when a step throws: the clear key must not outlive this call
    }
    const bundle: Bundle = {
      pkcs12: Buffer.from(pkcs12).toString('base64'),
      oneTimePassword,
      envelope: envelope ? Buffer.from(envelope).toString('base64') : null,
      envelopeFor: signing?.serial ?? null,
      encryptionSerial: pair.encSerial,
      signingSerial: pair.signSerial,
    };
    const sealed = kmc.seal(Buffer.from(JSON.stringify(bundle)), bindingOf(r.id));
    await this.d.repo.tx(async (w) => {
      if (!(await w.transition(r.id, { ...transition(actor, 'approved', 'completed', 'key recovered; waiting for pickup'), from: 'approved' }, { resultSerial: pair.encSerial }))) {
        throw new HttpError(409, 'request changed concurrently; reload and retry');
      }
      await w.putEscrowedKey(r.id, sealed);
      await w.audit({
        eventType: 'key.recovered',
        objectType: 'certificate',
        objectId: pair.encSerial,
        outcome: 'success',
        actor: { ...actor, name: `kmc (${trigger} by ${actor.name})` },
        details: {
          requestId: r.id,
          serial: pair.encSerial,
          signingSerial: pair.signSerial,
          requester: r.requesterName,
          approvers: r.approvals.map((a) => a.officerName),
          forms: ['pkcs12 (PBES2 AES-256-CBC, one-time password)', ...(signing ? [`SM2Cipher to signing certificate ${signing.serial}`] : [])],
        },
      });
    });
    recoveries.inc({ outcome: 'recovered' });
  }

  /** The requester takes the recovered key exactly once; the one-time password is in this answer only. */
  async pickup(actor: Caller, requestId: string): Promise<RecoveredKey> {
    const r = await this.d.repo.getRequest(requestId);
    if (!r || r.type !== 'recover' || r.requesterId !== actor.id) throw new HttpError(404, 'no recovered key for this request');
    if (r.status === 'ca-error') throw new HttpError(409, `recovery is approved but did not complete (${r.reason ?? 'unknown error'}); an officer must retry it`);
    if (r.status !== 'completed') throw new HttpError(409, `request is ${r.status}; the key is available once recovery is approved (${r.approvals.length}/${r.approvalsRequired})`);
    const kmc = this.d.kmc;
    if (!kmc) throw new HttpError(409, 'no KMC is configured');
    const enc = await this.d.repo.getCertificate(r.resultSerial ?? '');
    return this.d.repo.tx(async (w) => {
      const sealed = await w.takeEscrowedKey(requestId);
      if (!sealed) throw new HttpError(410, 'the recovered key was already picked up (it is handed out once)');
      const b = JSON.parse(Buffer.from(kmc.unseal(sealed, bindingOf(requestId))).toString('utf8')) as Bundle;
      await w.audit({
        eventType: 'key.delivered',
        objectType: 'certificate',
        objectId: b.encryptionSerial,
        outcome: 'success',
        actor,
        details: { requestId, serial: b.encryptionSerial, recovery: true, forms: ['pkcs12', ...(b.envelope ? [`SM2Cipher to ${b.envelopeFor}`] : [])] },
      });
      recoveries.inc({ outcome: 'delivered' });
      return {
        requestId,
        encryptionSerial: b.encryptionSerial,
        signingSerial: b.signingSerial,
        certificate: enc!.der!,
        pkcs12: new Uint8Array(Buffer.from(b.pkcs12, 'base64')),
        oneTimePassword: b.oneTimePassword,
        envelope: b.envelope ? new Uint8Array(Buffer.from(b.envelope, 'base64')) : null,
        envelopeFor: b.envelopeFor,
      };
    });
  }

  /**
   * The subject's newest valid SM2 certificate that is not an encryption certificate: the key the
   * subject signs with today (it may have replaced the one the pair was issued with).
   */
  private async currentSigningCertificate(subjectId: string | null, encSerial: string): Promise<{ serial: string; publicKeyInfo: Uint8Array } | undefined> {
    if (!subjectId) return undefined;
    const certs = (await this.d.repo.listCertificates({ subjectId, status: 'valid', limit: 1000 })).filter((c) => c.der && c.serial !== encSerial);
    certs.sort((a, b) => (b.issuedAt ?? '').localeCompare(a.issuedAt ?? ''));
    for (const c of certs) {
      const pair = await this.d.repo.kmcPair(c.serial);
      if (pair?.encSerial === c.serial) continue;
      const spki = inspectIssued(c).publicKeyInfo;
      const key = describePublicKey(spki);
      if (key.type === 'ec' && key.curve === 'SM2') return { serial: c.serial, publicKeyInfo: spki };
    }
    return undefined;
  }

  private async refusal(actor: Actor, serial: string, reason: string): Promise<void> {
    recoveries.inc({ outcome: 'refused' });
    await this.d.repo.tx(async (w) => void (await w.audit({ eventType: 'key.recovery-refused', objectType: 'certificate', objectId: serial, outcome: 'failure', actor, details: { serial, reason } })));
  }

  private async fail(actor: Actor, r: CertRequest, reason: string): Promise<void> {
    recoveries.inc({ outcome: 'failed' });
    await this.d.repo.tx(async (w) => {
      await w.transition(r.id, { ...transition(actor, 'approved', 'failed', reason), from: 'approved' }, { reason });
      await w.audit({ eventType: 'key.recovery-failed', objectType: 'certificate', objectId: r.serial ?? '', outcome: 'failure', actor, details: { requestId: r.id, serial: r.serial, reason } });
    });
    throw new HttpError(409, `key recovery failed: ${reason}`);
  }
}

function transition(actor: Actor, from: Transition['from'], to: Transition['to'], reason: string | null): Transition {
  return { from, to, actor: actor.name, at: new Date().toISOString(), sourceIp: actor.sourceIp, reason };
}
