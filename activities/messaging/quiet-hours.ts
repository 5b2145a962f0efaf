import { DateTime } from 'luxon';

export interface QuietHours {
  /** "HH:MM" local time when the candidate's night starts. */
  start: string;
  /** "HH:MM" local time when it ends; before `start` means the night spans midnight. */
  end: string;
}

export type QuietDecision =
  /** Due outside quiet hours (or no quiet hours, or no known time zone): sent when due. */
  | { decision: 'OUTSIDE'; sendAt: Date }
  /** Due in quiet hours; moved to their end, which is still before the start. */
  | { decision: 'DEFERRED'; sendAt: Date; quietEndsAt: Date }
  /** Due in quiet hours, but their end is at or after the start: sent on time all the same. */
  | { decision: 'ON_TIME'; sendAt: Date; quietEndsAt: Date };

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/**
 * When a reminder due at `dueAt` should go out, given the candidate's quiet
 * hours in their own time zone. A reminder is never moved past the interview
 * start, and never earlier than it is due.
 */
export function quietHoursDecision(dueAt: Date, startsAt: Date, quiet: QuietHours | null, timezone: string | null): QuietDecision {
  if (!quiet || !timezone) return { decision: 'OUTSIDE', sendAt: dueAt };
  const local = DateTime.fromJSDate(dueAt, { zone: timezone });
  if (!local.isValid) return { decision: 'OUTSIDE', sendAt: dueAt };
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return { decision: 'OUTSIDE', sendAt: dueAt };
  const now = local.hour * 60 + local.minute;
  const quietNow = start < end ? now >= start && now < end : now >= start || now < end;
  if (!quietNow) return { decision: 'OUTSIDE', sendAt: dueAt };

  // The next local `end` after dueAt: today's if it is still ahead, else tomorrow's.
  let endsAt = local.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 });
  if (endsAt <= local) endsAt = endsAt.plus({ days: 1 });
  const quietEndsAt = endsAt.toJSDate();
  if (quietEndsAt.getTime() < startsAt.getTime()) return { decision: 'DEFERRED', sendAt: quietEndsAt, quietEndsAt };
  return { decision: 'ON_TIME', sendAt: dueAt, quietEndsAt };
}
