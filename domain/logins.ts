/**
 * How Turnout judges a candidate's login: by its own time (`data.at`), not by
 * when the platform's event reached Turnout, so an outage that held the event
 * back never turns attendance into a no-show (docs/state-machine.md).
 *
 * The workflow judges logins while it runs; this module holds the bounds the
 * API puts on `at` and the one write both the workflow (through an activity)
 * and the API (for an interview whose workflow has completed) make for a
 * login inside a window whose record HR has already decided.
 */
import type { Prisma, PrismaClient } from '../lib/database';
import { appendEvidence } from './evidence';
import type { AlertKind } from './outbound-events';
import { raiseHrAlert } from '../lib/alerting';
import type { CandidateActivityEventData } from './platform-events';
import { durationMs, resolvePolicy } from './policy';

/** `at` may lie at most this long before the API receives the event: a platform's retries end well within it. */
export const EVENT_TIME_MAX_AGE_MS = 24 * 3600_000;
/** …and at most this long after it: the clocks of two machines disagree a little, never by more. */
export const EVENT_TIME_MAX_AHEAD_MS = 2 * 60_000;

/** Why an event's `at` cannot be believed, received at `receivedAt`; null when it can. */
export function eventTimeProblem(at: string, receivedAt: number): string | null {
  const t = Date.parse(at);
  if (t < receivedAt - EVENT_TIME_MAX_AGE_MS) return 'must be at most 24 hours before the event is received';
  if (t > receivedAt + EVENT_TIME_MAX_AHEAD_MS) return 'must be at most 2 minutes after the event is received (clock skew)';
  return null;
}

/** The alert HR gets for a login inside the window that arrived after the record was decided. */
export const LATE_IN_WINDOW_LOGIN_ALERT = 'LATE_IN_WINDOW_LOGIN';

/**
 * A login whose `at` lay inside the window of an attempt whose record HR has
 * already decided (classified, closed unannotated, or rescheduled from):
 * nothing changes by itself. The login becomes evidence, the record shows it
 * (when it happened, when Turnout received it) until HR reclassifies, and HR
 * is alerted once per record. Returns the attempt whose record it concerns,
 * or null when its `at` is inside no recorded attempt's window (then nothing
 * is written).
 */
export async function recordLoginAfterDecision(
  prisma: PrismaClient,
  input: { interviewId: string; attempt: number; eventId: string; at: string },
): Promise<{ recordAttempt: number } | null> {
  const event = await prisma.inboundEvent.findUniqueOrThrow({ where: { id: input.eventId } });
  const data = (event.payload as unknown as { data: CandidateActivityEventData }).data;
  const loginAt = new Date(data.at);
  const at = new Date(input.at);
  return prisma.$transaction(async (t) => {
    const interview = await t.interview.findUniqueOrThrow({
      where: { id: input.interviewId },
      include: { noShowRecords: { orderBy: { attempt: 'asc' } } },
    });
    const graceMs = durationMs(resolvePolicy(interview.policy).grace, 'grace');
    // Attempts follow one another (a reschedule after a record lies in the future), so
    // the first record whose window ends at or after the login is the one it belongs to.
    const record = interview.noShowRecords.find((r) => loginAt.getTime() <= r.scheduledStart.getTime() + graceMs);
    if (!record) return null;
    await t.noShowRecord.updateMany({
      where: { id: record.id, loginAt: null },
      data: { loginAt, loginReceivedAt: event.receivedAt },
    });
    await appendEvidence(t, interview.id, [
      {
        key: `event:${event.eventId}`,
        kind: 'LATE_LOGIN',
        at,
        data: {
          attempt: input.attempt,
          eventId: event.eventId,
          reportedAt: data.at,
          receivedAt: event.receivedAt.toISOString(),
          inWindowOfAttempt: record.attempt,
          ip: data.ip,
          userAgent: data.userAgent,
        },
      },
    ]);
    await raiseAlert(t, interview.id, record.attempt, LATE_IN_WINDOW_LOGIN_ALERT, at);
    return { recordAttempt: record.attempt };
  });
}

/** One alert per interview, attempt and kind, delivered like every HR alert (lib/alerting.ts); a second call adds nothing. */
export async function raiseAlert(t: Prisma.TransactionClient, interviewId: string, attempt: number, kind: AlertKind, at: Date): Promise<boolean> {
  return raiseHrAlert(t, { interviewId, attempt, kind, at });
}
