import { randomUUID } from 'node:crypto';
import { canonicalBytes } from './canonical-json.js';
import { signDetached } from './jws.js';
import { schemas, type MessageSchema, type SchemaIssue } from './schemas.js';
import type { UnitIdentity } from './unit-identity.js';

export interface Period {
  from: string;
  to: string;
}

/** What every uplink message is: who, which one (id, per-unit sequence), about when, and the body. */
export interface UplinkMessage<B = Record<string, unknown>> {
  schema: MessageSchema;
  id: string;
  unit: { id: string; name: string };
  seq: number;
  createdAt: string;
  period: Period;
  body: B;
}

/** The wire form: the message as plain JSON plus a detached JWS over its canonical bytes. */
export interface SignedMessage {
  message: UplinkMessage;
  signature: string;
}

export class InvalidMessageError extends Error {
  override name = 'InvalidMessageError';
  constructor(readonly issues: SchemaIssue[]) {
    super(`message does not match its schema: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  }
}

export function buildMessage(unit: Pick<UnitIdentity, 'unitId' | 'unitName'>, schema: MessageSchema, seq: number, period: Period, body: Record<string, unknown>, now = new Date()): UplinkMessage {
  return { schema, id: randomUUID(), unit: { id: unit.unitId, name: unit.unitName }, seq, createdAt: now.toISOString(), period, body };
}

/** Validates against the message schema, then signs; an invalid message is never signed. */
export function signMessage(message: UplinkMessage, identity: Pick<UnitIdentity, 'privateKey' | 'chainDer'>): SignedMessage {
  const issues = schemas().message(message);
  if (issues.length) throw new InvalidMessageError(issues);
  return { message, signature: signDetached(canonicalBytes(message), identity.privateKey, identity.chainDer) };
}
