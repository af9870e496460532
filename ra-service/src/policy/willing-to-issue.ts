import { BlockList, isIP } from 'node:net';
import type { SanEntry, Subject } from '../model.js';
import type { OrgUnit } from './org-units.js';
import type { Profile } from './profiles.js';

/** The public key being certified, as far as policy cares. */
export interface KeyDescription {
  algorithm: 'rsa' | 'ec' | 'sm2' | 'other';
  /** RSA modulus bits. */
  bits?: number;
  /** EC curve as NIST name (P-256, P-384) or the Node name when unknown. */
  curve?: string;
}

export interface IssuanceIntent {
  profile: Profile;
  subject: Subject;
  unit: OrgUnit | undefined;
  key: KeyDescription;
  san: SanEntry[];
}

/** One broken rule, attached to the identifier that broke it (a SAN, the key, the subject). */
export interface PolicyViolation {
  identifier: string;
  rule: string;
  message: string;
}

const DNS_NAME = /^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)*[a-z0-9-]{1,63}(?<!-)$/;
const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@([a-z0-9-]{1,63}\.)+[a-z0-9-]{2,63}$/;

function inCidrs(ip: string, cidrs: readonly string[]): boolean {
  const list = new BlockList();
  for (const c of cidrs) {
    const [net, bits] = c.split('/');
    const fam = isIP(net!) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(net!, Number(bits), fam);
  }
  return list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

function registered(subject: Subject, type: SanEntry['type']): string[] {
  const a = subject.attributes;
  if (type === 'dns') return (a.dnsNames ?? []).map((d) => d.toLowerCase());
  if (type === 'ip') return a.ipAddresses ?? [];
  if (type === 'email') return a.email ? [a.email.toLowerCase()] : [];
  return [];
}

/**
 * The RA's single policy decision (as Boulder's WillingToIssue): given who, what key, which names and
 * which profile, list every rule broken, each against its identifier. An empty list means "willing".
 * Nothing else in the RA decides issuance policy; the CA side only signs what the RA prepared.
 */
export function willingToIssue(x: IssuanceIntent): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const v = (identifier: string, rule: string, message: string) => out.push({ identifier, rule, message });
  const { profile: p, subject, key } = x;

  if (!p.subjectKinds.includes(subject.kind)) v(`subject:${subject.id}`, 'subjectKinds', `profile ${p.id} is for ${p.subjectKinds.join('/')}, not ${subject.kind}`);
  if (subject.status !== 'active') v(`subject:${subject.id}`, 'subject.status', `subject is ${subject.status}`);
  if (!x.unit) v(`subject:${subject.id}`, 'orgUnit', `unknown org unit ${subject.orgUnit}`);

  if (key.algorithm === 'rsa') {
    if (!p.keys.rsa) v('key', 'keys.rsa', `profile ${p.id} does not allow RSA keys`);
    else if (!key.bits || key.bits < p.keys.rsa.minBits || key.bits > p.keys.rsa.maxBits) {
      v('key', 'keys.rsa.bits', `RSA ${key.bits ?? '?'} bits outside ${p.keys.rsa.minBits}..${p.keys.rsa.maxBits}`);
    }
  } else if (key.algorithm === 'ec') {
    if (!p.keys.ecdsa?.includes(key.curve as 'P-256')) v('key', 'keys.ecdsa', `curve ${key.curve ?? '?'} not allowed (allowed: ${(p.keys.ecdsa ?? []).join(', ') || 'none'})`);
  } else if (key.algorithm === 'sm2') {
    if (!p.keys.sm2) v('key', 'keys.sm2', `profile ${p.id} does not allow SM2 keys`);
  } else {
    v('key', 'keys', `${key.algorithm} keys are not allowed by profile ${p.id}`);
  }

  if (p.san.required && x.san.length === 0) v('san', 'san.required', `profile ${p.id} requires at least one subjectAltName`);
  const seen = new Set<string>();
  for (const s of x.san) {
    const id = `${s.type}:${s.value}`;
    if (seen.has(id)) {
      v(id, 'san.duplicate', 'listed twice');
      continue;
    }
    seen.add(id);
    if (!p.san.allowed.includes(s.type)) {
      v(id, 'san.allowed', `${s.type} names are not allowed by profile ${p.id}`);
      continue;
    }
    if (s.type === 'dns' && !DNS_NAME.test(s.value)) v(id, 'san.dns.syntax', 'not a lower-case DNS host name (no wildcards)');
    if (s.type === 'ip' && isIP(s.value) === 0) v(id, 'san.ip.syntax', 'not an IP address');
    if (s.type === 'email' && !EMAIL.test(s.value)) v(id, 'san.email.syntax', 'not an e-mail address');
    if (s.type === 'uri' && !/^https?:\/\/[^\s]+$/.test(s.value)) v(id, 'san.uri.syntax', 'only http(s) URIs');
    const rule = p.san.rules[s.type];
    if (!rule) continue;
    if (rule.mustMatchSubject && !registered(subject, s.type).includes(s.type === 'ip' ? s.value : s.value.toLowerCase())) {
      v(id, `san.${s.type}.mustMatchSubject`, 'not registered on the subject record');
    }
    if (rule.suffixes) {
      const host = s.type === 'email' ? s.value.split('@')[1]! : s.value;
      if (!rule.suffixes.some((suf) => host === suf.replace(/^\./, '') || host.endsWith(suf.startsWith('.') ? suf : `.${suf}`))) {
        v(id, `san.${s.type}.suffixes`, `must end in ${rule.suffixes.join(' or ')}`);
      }
    }
    if (rule.cidrs && isIP(s.value) && !inCidrs(s.value, rule.cidrs)) v(id, `san.${s.type}.cidrs`, `outside ${rule.cidrs.join(', ')}`);
  }

  for (const part of p.subjectDn) {
    for (const m of part.matchAll(/\{subject\.([A-Za-z]+)\}/g)) {
      const val = (subject.attributes as unknown as Record<string, unknown>)[m[1]!];
      if (typeof val !== 'string' || val.length === 0) v(`subject:${subject.id}`, 'subjectDn', `subject attribute ${m[1]} is required by the DN template`);
    }
  }
  return out;
}

/** The subject DN from the profile template, most significant RDN first. */
export function renderSubjectDn(p: Profile, subject: Subject, unit: OrgUnit): Array<{ type: string; value: string }> {
  return p.subjectDn.map((part) => {
    const eq = part.indexOf('=');
    const value = part.slice(eq + 1).replace(/\{(unit|subject)\.([A-Za-z]+)\}/g, (_m, scope: string, key: string) => {
      const src = (scope === 'unit' ? unit : subject.attributes) as unknown as Record<string, unknown>;
      return String(src[key] ?? '');
    });
    return { type: part.slice(0, eq), value };
  });
}
