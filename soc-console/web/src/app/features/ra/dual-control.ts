import type { RaRequest } from './ra.api';

/** Dual control as the officer sees it: who approved, how many more are needed, whether I may approve. */
export function approvalState(r: Pick<RaRequest, 'approvals' | 'approvalsRequired' | 'requester' | 'status'>, me: string | undefined) {
  const names = r.approvals.map((a) => a.officerName);
  const remaining = Math.max(r.approvalsRequired - r.approvals.length, 0);
  const ownRequest = me !== undefined && r.requester.name === me;
  const alreadyApproved = me !== undefined && names.includes(me);
  return { names, remaining, ownRequest, alreadyApproved, canDecide: r.status === 'submitted' && !ownRequest && !alreadyApproved };
}
