/** @emsoc/uplink: reports to the superior unit (sender) and from registered lower units (receiver). */
export { canonicalJson, canonicalBytes, CanonicalJsonError } from './canonical-json.js';
export { signDetached, parseDetachedJws, verifyDetached, JwsError, JWS_TYP } from './jws.js';
export { SchemaSet, schemas, MESSAGE_SCHEMAS, type MessageSchema } from './schemas.js';
export { buildMessage, signMessage, InvalidMessageError, type UplinkMessage, type SignedMessage, type Period } from './message.js';
export { Outbox, outboxPath, type OutboxRow, type OutboxState } from './outbox.js';
export { UplinkSender, type ItemResult } from './sender.js';
export { ReportReceiver, type RegisteredUnit, type PeerInfo } from './receiver.js';
export { crlStatusCheck, parseCrl, type CertificateStatus, type CertificateStatusCheck } from './cert-status.js';
export { ChainVerifier, TrustError } from './trust.js';
export { incidentBundle, uuidV5 } from './stix.js';
export { computeSummary, periodEnding } from './summary.js';
export { loadUnitIdentity, type UnitIdentity } from './unit-identity.js';
export { loadUplinkPolicy, type UplinkPolicy } from './policy.js';
export { uplinkConsoleRouter, type ConsoleRouterOptions } from './console-router.js';
export { startUplink, type RunningUplink, type UplinkOptions } from './service.js';
