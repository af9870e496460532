/**
 * CMP (RFC 4210 / RFC 9480) messages and protection, transport-free: the RA's CMP client connector
 * and the embedded CA's CMP endpoint both build on this.
 */
import { randomBytes } from 'node:crypto';
import type { PkiBody, PkiHeader } from './messages.js';

export * from './messages.js';
export * from './protection.js';

/** 16 random octets, as RFC 4210 recommends for transactionID and nonces (at least 128 bits). */
export function cmpNonce(): Buffer {
  return randomBytes(16);
}

/** Header fields of a reply: same transaction, our fresh nonce, the peer's nonce echoed (RFC 4210 §5.1.1). */
export function replyHeader(to: PkiHeader, sender: Uint8Array, extra: Partial<PkiHeader> = {}): PkiHeader {
  return {
    pvno: to.pvno >= 3 ? 3 : 2,
    sender,
    recipient: to.sender,
    messageTime: new Date(),
    transactionID: to.transactionID,
    senderNonce: cmpNonce(),
    recipNonce: to.senderNonce,
    ...extra,
  };
}

/** Short human description of a body for logs and errors. */
export function describeBody(b: PkiBody): string {
  if (b.type === 'error') return `error(status ${b.status.status}${b.status.failInfo?.length ? `, ${b.status.failInfo.join(',')}` : ''}${b.status.statusString?.length ? `: ${b.status.statusString.join(' ')}` : ''}${b.errorDetails?.length ? `; ${b.errorDetails.join(' ')}` : ''})`;
  return b.type === 'unknown' ? b.name : b.type;
}
