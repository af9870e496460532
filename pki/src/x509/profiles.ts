/** Certificate profiles the RA issues under: key usages, purposes, validity caps and SAN rules. */
import type { KeyUsage } from './extensions.js';

export interface CertificateProfile {
  name: string;
  keyUsage: readonly KeyUsage[];
  /** Added for RSA keys only (RSA key transport in TLS ≤ 1.2). */
  rsaExtraKeyUsage?: readonly KeyUsage[];
  extKeyUsage: readonly string[];
  maxValidityDays: number;
  requireSubjectAltName: boolean;
}

export const PROFILES = {
  /** TLS server (web/API listeners, syslog-TLS collectors). */
  tlsServer: {
    name: 'tlsServer',
    keyUsage: ['digitalSignature'],
    rsaExtraKeyUsage: ['keyEncipherment'],
    extKeyUsage: ['serverAuth'],
    maxValidityDays: 398,
    requireSubjectAltName: true,
  },
  /** Service identity used both as TLS server and as mTLS client. */
  service: {
    name: 'service',
    keyUsage: ['digitalSignature'],
    rsaExtraKeyUsage: ['keyEncipherment'],
    extKeyUsage: ['serverAuth', 'clientAuth'],
    maxValidityDays: 398,
    requireSubjectAltName: true,
  },
  /** Devices (sensors, collectors, terminals) authenticating as TLS clients. */
  device: {
    name: 'device',
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['clientAuth'],
    maxValidityDays: 825,
    requireSubjectAltName: false,
  },
  /** People: client authentication, document signing, S/MIME. */
  person: {
    name: 'person',
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    extKeyUsage: ['clientAuth', 'emailProtection'],
    maxValidityDays: 730,
    requireSubjectAltName: false,
  },
} as const satisfies Record<string, CertificateProfile>;

export type ProfileName = keyof typeof PROFILES;

export function keyUsageFor(profile: CertificateProfile, keyType: 'rsa' | 'ec' | 'other'): KeyUsage[] {
  return [...profile.keyUsage, ...(keyType === 'rsa' ? (profile.rsaExtraKeyUsage ?? []) : [])];
}
