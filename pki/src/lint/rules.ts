/** Preflight lint rules over a decoded TBSCertificate (RFC 5280, RFC 5480, CA/B-style hygiene). */
import { bytesEqual } from '../der/index.js';
import { KEY_USAGE_BITS } from '../x509/extensions.js';
import { codePoints } from '../x509/name.js';
import { OID } from '../x509/oids.js';
import type { TbsView } from './tbs-view.js';

export type Severity = 'error' | 'warn';

export interface LintFinding {
  code: string;
  severity: Severity;
  message: string;
}

export interface LintProfile {
  /** The profile demands a subjectAltName (TLS server/client certificates). */
  requireSubjectAltName?: boolean;
}

const KNOWN_EXTENSIONS = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.cRLDistributionPoints,
  OID.authorityInfoAccess,
  OID.certificatePolicies,
  OID.nameConstraints,
  OID.issuerAltName,
]);

const KU = KEY_USAGE_BITS;

/** LDH host name, optionally with one leading "*." wildcard label (RFC 1034 §3.5, RFC 5280 §4.2.1.6). */
export function isValidDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253 || name.endsWith('.')) return false;
  const labels = name.split('.');
  if (labels.length < 2) return false;
  return labels.every((l, i) => {
    if (i === 0 && l === '*') return true;
    return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(l);
  }) && !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

// CDP/AIA URIs repeat in every certificate of a CA: cache the (costly) URL parse.
const httpUriCache = new Map<string, boolean>();
function isHttpUri(u: string | undefined): boolean {
  if (!u) return false;
  let ok = httpUriCache.get(u);
  if (ok === undefined) {
    try {
      const url = new URL(u);
      ok = (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
    } catch {
      ok = false;
    }
    if (httpUriCache.size < 1024) httpUriCache.set(u, ok);
  }
  return ok;
}

export function lintView(v: TbsView, profile: LintProfile = {}): LintFinding[] {
  const out: LintFinding[] = [];
  const err = (code: string, message: string): void => void out.push({ code, severity: 'error', message });
  const warn = (code: string, message: string): void => void out.push({ code, severity: 'warn', message });

  for (const n of v.emptyRdnIn ?? []) err('e_name_empty_rdn', `${n} contains an empty RelativeDistinguishedName`);
  for (const e of v.extensionErrors) err('e_extension_malformed', `extension ${e.oid} does not decode: ${e.message}`);

  // --- structure ---
  if (v.version !== 2) err('e_version_not_3', `version field is ${v.version}, must be 2 (v3)`);
  if (v.serial[0]! & 0x80) err('e_serial_negative', 'serial number is negative');
  else if (v.serial.every((b) => b === 0)) err('e_serial_zero', 'serial number is zero');
  if (v.serial.length > 20) err('e_serial_too_long', `serial number is ${v.serial.length} octets (max 20)`);
  else if (v.serial.length < 9) warn('w_serial_low_entropy', 'serial number shorter than 64 bits of entropy');
  if (v.issuer.length === 0) err('e_issuer_empty', 'issuer name is empty');

  // --- validity ---
  if (v.notBefore.getTime() >= v.notAfter.getTime()) err('e_validity_order', 'notBefore is not before notAfter');
  for (const [which, d, tag] of [
    ['notBefore', v.notBefore, v.notBeforeTag],
    ['notAfter', v.notAfter, v.notAfterTag],
  ] as const) {
    const want = d.getUTCFullYear() < 2050 ? 'UTCTime' : 'GeneralizedTime';
    if (tag !== want) err('e_time_encoding', `${which} uses ${tag}; RFC 5280 requires ${want} for year ${d.getUTCFullYear()}`);
  }

  // --- extensions: presence, duplicates, criticality ---
  const seen = new Set<string>();
  for (const e of v.extensions) {
    if (seen.has(e.oid)) err('e_duplicate_extension', `extension ${e.oid} appears more than once`);
    seen.add(e.oid);
    if (e.critical && !KNOWN_EXTENSIONS.has(e.oid)) err('e_unknown_critical_extension', `unrecognised critical extension ${e.oid}`);
  }
  if (v.extensions.some((e) => e.oid === OID.ctPoison)) err('e_ct_poison', 'CT precertificate poison present');

  // --- subject / SAN ---
  const san = v.subjectAltNames;
  if (v.subject.length === 0) {
    if (!san) err('e_subject_empty_without_san', 'subject is empty and there is no subjectAltName');
    else if (!san.critical) err('e_san_not_critical_with_empty_subject', 'subject is empty but subjectAltName is not critical');
  }
  if (profile.requireSubjectAltName && !san) err('e_san_missing', 'profile requires a subjectAltName');
  if (san && san.names.length === 0) err('e_san_empty', 'subjectAltName has no names');
  for (const n of san?.names ?? []) {
    if (n.type === 'dns' && !isValidDnsName(n.value)) err('e_dns_name_syntax', `dNSName "${n.value}" is not a valid host name`);
    if (n.type === 'email' && !/^[^@\s]+@[^@\s]+$/.test(n.value)) err('e_rfc822_name_syntax', `rfc822Name "${n.value}" is not a mailbox`);
    if (n.type === 'uri' && !/^[a-z][a-z0-9+.-]*:/i.test(n.value)) err('e_san_uri_syntax', `URI "${n.value}" has no scheme`);
  }
  for (const a of v.subject) {
    if (a.oid === OID.commonName && a.value.length > 64 && codePoints(a.value) > 64) err('e_cn_too_long', 'commonName longer than 64 characters');
    if (a.oid === OID.countryName && (a.valueTag !== 0x13 || !/^[A-Z]{2}$/.test(a.value))) {
      err('e_country_encoding', 'countryName must be a two-letter PrintableString');
    }
  }

  // --- basic constraints / key usage ---
  const bc = v.basicConstraints;
  const ku = v.keyUsage;
  const isCa = bc?.ca === true;
  if (isCa && !bc.critical) err('e_ca_basic_constraints_not_critical', 'basicConstraints must be critical in a CA certificate');
  if (bc?.pathLength !== undefined && !isCa) err('e_path_len_without_ca', 'pathLenConstraint set while cA is false');
  if (!ku) err('e_key_usage_missing', 'keyUsage extension is missing');
  else {
    if (!ku.critical) warn('w_key_usage_not_critical', 'keyUsage should be critical');
    if (ku.bits.size === 0) err('e_key_usage_empty', 'keyUsage has no bits set');
    const certSign = ku.bits.has(KU.keyCertSign);
    if (certSign && !isCa) err('e_key_cert_sign_without_ca', 'keyCertSign set but basicConstraints cA is not true');
    if (isCa && !certSign) err('e_ca_without_key_cert_sign', 'CA certificate without keyCertSign');
    if (ku.bits.has(KU.cRLSign) && !isCa) err('e_crl_sign_without_ca', 'cRLSign set in a non-CA certificate');
    if ((ku.bits.has(KU.encipherOnly) || ku.bits.has(KU.decipherOnly)) && !ku.bits.has(KU.keyAgreement)) {
      err('e_encipher_decipher_only_without_key_agreement', 'encipherOnly/decipherOnly need keyAgreement');
    }
    if (v.keyAlgorithmOid === OID.ecPublicKey && v.keyCurveOid === OID.sm2Curve) {
      // GM/T 0015: SM2 has public-key encryption (GB/T 32918.4), so an SM2 key is either a signing key
      // (digitalSignature/nonRepudiation) or an encryption key (keyEncipherment/dataEncipherment/keyAgreement).
      const encipher = ku.bits.has(KU.keyEncipherment) || ku.bits.has(KU.dataEncipherment);
      if (encipher && (ku.bits.has(KU.digitalSignature) || ku.bits.has(KU.nonRepudiation))) {
        err('e_sm2_sign_and_encipher', 'an SM2 certificate is either a signing or an encryption certificate (GM/T 0015): not both');
      }
    } else if (v.keyAlgorithmOid === OID.ecPublicKey) {
      // RFC 5480 §3: ECDSA/ECDH keys cannot do key transport.
      if (ku.bits.has(KU.keyEncipherment) || ku.bits.has(KU.dataEncipherment)) {
        err('e_ec_key_encipherment', 'keyEncipherment/dataEncipherment not allowed for EC keys');
      }
    } else if (v.keyAlgorithmOid === OID.rsaEncryption) {
      if (ku.bits.has(KU.keyAgreement)) err('e_rsa_key_agreement', 'keyAgreement not allowed for RSA keys');
    }
  }
  if (isCa && !bc) err('e_ca_basic_constraints_missing', 'CA certificate without basicConstraints');
  if (ku?.bits.has(KU.keyCertSign) && !bc) err('e_ca_basic_constraints_missing', 'keyCertSign without basicConstraints');

  // --- EKU vs KU ---
  const eku = v.extKeyUsage ?? [];
  if (v.extKeyUsage && eku.length === 0) err('e_eku_empty', 'extKeyUsage lists no purposes');
  if (eku.includes(OID.anyExtendedKeyUsage)) warn('w_eku_any', 'anyExtendedKeyUsage present');
  if (ku && !isCa) {
    const ds = ku.bits.has(KU.digitalSignature);
    const rsa = v.keyAlgorithmOid === OID.rsaEncryption;
    if (eku.includes(OID.serverAuth) && !ds && !(rsa && ku.bits.has(KU.keyEncipherment)) && !ku.bits.has(KU.keyAgreement)) {
      err('e_server_auth_key_usage', 'serverAuth requires digitalSignature (or keyEncipherment for RSA / keyAgreement)');
    }
    if (eku.includes(OID.clientAuth) && !ds && !ku.bits.has(KU.keyAgreement)) {
      err('e_client_auth_key_usage', 'clientAuth requires digitalSignature or keyAgreement');
    }
    if ((eku.includes(OID.codeSigning) || eku.includes(OID.timeStamping) || eku.includes(OID.ocspSigning)) && !ds && !ku.bits.has(KU.nonRepudiation)) {
      err('e_signing_eku_key_usage', 'code/time-stamp/OCSP signing requires digitalSignature');
    }
  }
  if (eku.includes(OID.serverAuth) && !san) err('e_server_auth_without_san', 'serverAuth certificate without subjectAltName');

  // --- key identifiers ---
  const selfIssued = bytesEqual(v.issuerDer, v.subjectDer);
  if (!v.subjectKeyIdentifier) err('e_ski_missing', 'subjectKeyIdentifier is missing');
  if (!selfIssued && (!v.authorityKeyIdentifier || v.authorityKeyIdentifier.length === 0)) {
    err('e_aki_missing', 'authorityKeyIdentifier keyIdentifier is missing in a certificate that is not self-issued');
  }

  // --- distribution points / AIA ---
  for (const u of v.crlDistributionUris ?? []) {
    if (!isHttpUri(u)) err('e_crl_dp_not_http', `cRLDistributionPoints URI "${u}" is not http(s)`);
  }
  for (const a of v.authorityInfoAccess ?? []) {
    if ((a.method === OID.ocsp || a.method === OID.caIssuers) && !isHttpUri(a.uri)) {
      err('e_aia_not_http', `authorityInfoAccess URI "${a.uri ?? '(not a URI)'}" is not http(s)`);
    }
  }

  // --- key type ---
  if (v.keyAlgorithmOid === OID.ecPublicKey && !v.keyCurveOid) err('e_ec_explicit_parameters', 'EC key with explicit curve parameters');
  return out;
}
