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
