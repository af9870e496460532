/**
 * CRL assembly for the status port: pki's linear revokedCertificates encoder plus the CRL
 * extensions a publishing CA needs (AKI, cRLNumber, and either deltaCRLIndicator on a delta or
 * freshestCRL on a full CRL pointing at the delta, RFC 5280 §5.2.4, §5.2.6).
 */
import {
  bitString,
  encodeGeneralName,
  encodeRevokedCertificates,
  explicit,
  extension,
  implicitConstructed,
  implicitPrimitive,
  integer,
  OID,
  sequence,
  time,
  type RevokedEntry,
  type Signer,
} from '@emsoc/pki';

/** freshestCRL (2.5.29.46) has the CRLDistributionPoints syntax. */
const OID_FRESHEST_CRL = '2.5.29.46';

export interface CrlInput {
  issuerName: Uint8Array;
  keyIdentifier: Uint8Array;
  crlNumber: bigint | number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: readonly RevokedEntry[];
  /** Set for a delta CRL: the full CRL number it applies to. */
  deltaBase?: bigint | number;
  /** Set on a full CRL: where the delta CRL is published. */
  freshestUrl?: string;
}

function distributionPoints(uri: string): Uint8Array {
  return sequence(sequence(explicit(0, implicitConstructed(0, [encodeGeneralName({ type: 'uri', value: uri })]))));
}

export function buildStatusCrl(input: CrlInput, signer: Signer): Uint8Array {
  if (input.thisUpdate.getTime() >= input.nextUpdate.getTime()) throw new Error('thisUpdate must be before nextUpdate');
  const exts = [
    extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, input.keyIdentifier))),
    extension(OID.cRLNumber, false, integer(BigInt(input.crlNumber))),
  ];
  if (input.deltaBase !== undefined) {
    if (BigInt(input.deltaBase) >= BigInt(input.crlNumber)) throw new Error('delta base must be below the delta CRL number');
    exts.push(extension(OID.deltaCRLIndicator, true, integer(BigInt(input.deltaBase))));
  } else if (input.freshestUrl) {
    exts.push(extension(OID_FRESHEST_CRL, false, distributionPoints(input.freshestUrl)));
  }
  const tbs = sequence(
    integer(1),
    signer.algorithmIdentifier,
    input.issuerName,
    time(input.thisUpdate),
    time(input.nextUpdate),
    encodeRevokedCertificates(input.entries),
    explicit(0, sequence(...exts)),
  );
  return sequence(tbs, signer.algorithmIdentifier, bitString(signer.sign(tbs)));
}
