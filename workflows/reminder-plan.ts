/**
 * When each reminder is due. Pure and deterministic: the workflow calls it
 * with workflow time, tests call it directly. Instants are absolute, so the
 * candidate's time zone plays no part here.
 */
export interface ReminderPoint {
  point: string;
  dueAt: number;
}

/**
 * The reminders still to send for a start time, earliest first: points already
 * due at `plannedAt` (the confirmation, or a reschedule) are skipped, since the
 * confirmation or the reschedule message stands in for them; points already
 * sent in this attempt are not repeated after a reschedule. A point still
 * pending when its time has passed (workers behind) goes out late, never
 * after the start (the workflow's rule).
 */
export function planReminders(
  startsAt: number,
  reminders: { point: string; offsetMs: number }[],
  plannedAt: number,
  alreadySent: readonly string[] = [],
): ReminderPoint[] {
  return reminders
    .map((r) => ({ point: r.point, dueAt: startsAt - r.offsetMs }))
    .filter((r) => r.dueAt > plannedAt && !alreadySent.includes(r.point))
    .sort((a, b) => a.dueAt - b.dueAt);
}
