/** Object identifiers used by the certificate, CRL and CSR code (values from RFC 5280, 5480, 8017, 2985). */
export const OID = {
  // attribute types (X.520 / RFC 5280 appendix A)
  countryName: '2.5.4.6',
  stateOrProvinceName: '2.5.4.8',
  localityName: '2.5.4.7',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  givenName: '2.5.4.42',
  surname: '2.5.4.4',
  title: '2.5.4.12',
  dnQualifier: '2.5.4.46',
  emailAddress: '1.2.840.113549.1.9.1',

  // extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  cRLReason: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  deltaCRLIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  nameConstraints: '2.5.29.30',
  cRLDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',

  // access methods / policy qualifiers
  ocsp: '1.3.6.1.5.5.7.48.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  anyPolicy: '2.5.29.32.0',
  cps: '1.3.6.1.5.5.7.2.1',

  // extended key usages
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',

  // other names
  upn: '1.3.6.1.4.1.311.20.2.3',

  // public keys
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  secp256r1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  sm2Curve: '1.2.156.10197.1.301',
  ed25519: '1.3.101.112',

  // signature algorithms
  md5WithRSA: '1.2.840.113549.1.1.4',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  sha224WithRSA: '1.2.840.113549.1.1.14',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ecdsaWithSha1: '1.2.840.10045.4.1',
  ecdsaWithSha224: '1.2.840.10045.4.3.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  sm2WithSm3: '1.2.156.10197.1.501',

  // digests
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  mgf1: '1.2.840.113549.1.1.8',

  // PKCS#9 / PKCS#10
  extensionRequest: '1.2.840.113549.1.9.14',
  challengePassword: '1.2.840.113549.1.9.7',
} as const;

/** Short names for distinguished-name attributes, as used in templates and messages. */
export const DN_ATTRIBUTE_OIDS: Record<string, string> = {
  C: OID.countryName,
  ST: OID.stateOrProvinceName,
  L: OID.localityName,
  O: OID.organizationName,
  OU: OID.organizationalUnitName,
  CN: OID.commonName,
  serialNumber: OID.serialNumber,
  GN: OID.givenName,
  SN: OID.surname,
  title: OID.title,
  dnQualifier: OID.dnQualifier,
  emailAddress: OID.emailAddress,
};

export const DN_ATTRIBUTE_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(DN_ATTRIBUTE_OIDS).map(([k, v]) => [v, k]),
);
