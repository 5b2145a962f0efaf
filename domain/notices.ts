/**
 * Notices: the messages that tell the candidate of a change to their
 * interview, as opposed to reminders of it. Pure: the workflow imports it.
 *
 *   cancelled     after a cancellation (by anyone): what was cancelled, and whether it counts as late
 *   moved-<ms>    after a move (by anyone), one per move (the workflow time of the move): the new time, a fresh link
 *   record        after HR classified a record NO_REASON: what it says, until when, the link to see and contest it
 *
 * A reminder is of no use after the start; a notice is: it is sent when the
 * change is made, whatever the start, and given NOTICE_DEADLINE_MS to get
 * through a provider outage.
 */
export const NOTICE_DEADLINE_MS = 24 * 3600_000;

export const CANCELLED_NOTICE = 'cancelled';
export const RECORD_NOTICE = 'record';
export const movedNotice = (atMs: number): string => `moved-${atMs}`;

export function isNotice(point: string): boolean {
  return point === CANCELLED_NOTICE || point === RECORD_NOTICE || point.startsWith('moved-');
}

export const isMovedNotice = (point: string): boolean => point.startsWith('moved-');

/** The message that acknowledges a new interview, sent when it is confirmed. */
export const CONFIRMATION = 'confirmation';

/**
 * The order a backlog of sends drains in (Temporal's task queue priority key,
 * 1 first). A reminder is due at a moment and of no use after the start, so
 * it goes ahead of a notice of a change, which goes ahead of the confirmation
 * of a new interview: a platform's burst of new interviews must not make the
 * reminders due meanwhile late.
 */
export function sendPriority(point: string): 1 | 2 | 3 {
  if (point === CONFIRMATION) return 3;
  return isNotice(point) ? 2 : 1;
}
