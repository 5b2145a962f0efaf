/**
 * What a candidate's short link (`/s/<code>`, lib/short-links.ts) still
 * opens. A code belongs to one interview and one attempt:
 *
 *   open       the attempt is still upcoming: see it, cancel it, move it
 *   awaiting   it ended in a no-show or late cancel HR has not classified yet: see that
 *   record     HR classified it: see the record and its evidence, contest it,
 *              until the policy's disputeWindow after the classification (and a
 *              dispute's outcome for as long again after it was decided)
 *   used       the attempt is over without a record (cancelled in time, attended,
 *              or moved on to a later attempt): nothing more to do with this link
 *   expired    the record's dispute window has passed
 *
 * Pure: the API's link scope and the candidate page both decide with it.
 */
import { isUpcoming } from './interview';

export type ShortLinkState = 'open' | 'awaiting' | 'record' | 'used' | 'expired';

export interface ShortLinkFacts {
  /** The attempt the code was made for. */
  attempt: number;
  interview: { attempt: number; status: string };
  /** The record of that attempt, if it left one. */
  record: { classification: string | null; classifiedAt: Date | null; dispute: { status: string; resolvedAt: Date | null } | null } | null;
  disputeWindowMs: number;
  now: number;
}

/** Until when a classified record may be contested through its link. */
export function contestUntil(classifiedAt: Date, disputeWindowMs: number): Date {
  return new Date(classifiedAt.getTime() + disputeWindowMs);
}

export function shortLinkState(f: ShortLinkFacts): ShortLinkState {
  if (f.interview.attempt === f.attempt && isUpcoming(f.interview.status)) return 'open';
  const r = f.record;
  if (!r) return 'used';
  if (r.classification === null || r.classifiedAt === null) return 'awaiting';
  if (r.dispute?.status === 'OPEN') return 'record';
  const until = Math.max(
    contestUntil(r.classifiedAt, f.disputeWindowMs).getTime(),
    r.dispute?.resolvedAt ? r.dispute.resolvedAt.getTime() + f.disputeWindowMs : 0,
  );
  return f.now < until ? 'record' : 'expired';
}
