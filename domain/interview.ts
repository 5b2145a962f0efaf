/**
 * The interview's vocabulary, shared by the workflow, the activities and the
 * API: its states and the sets of them the code asks about, HR's
 * classifications, who asks for a change, the business key, and the plan a
 * workflow runs on. Pure (no imports): the workflow bundle includes this file.
 *
 * The states and their transitions: docs/state-machine.md.
 */

export const STATUSES = [
  'SCHEDULED',
  'IN_WINDOW',
  'ATTENDED',
  'NO_SHOW',
  'LATE_CANCELLED',
  'CANCELLED',
  'CLOSED',
] as const;
export type Status = (typeof STATUSES)[number];

/** Attendance not decided yet: the candidate may still log in, cancel or (while SCHEDULED) move it. */
export const UPCOMING_STATUSES: readonly Status[] = ['SCHEDULED', 'IN_WINDOW'];

/** A no-show or a late cancel whose classification by HR is awaited. */
export const AWAITING_CLASSIFICATION: readonly Status[] = ['NO_SHOW', 'LATE_CANCELLED'];

/** The workflow has completed: the interview takes no more changes and sends no more messages. */
export const ENDED_STATUSES: readonly Status[] = ['ATTENDED', 'CANCELLED', 'CLOSED'];

/** Everything not ended: the workflow may still message the candidate or record a decision. */
export const OPEN_STATUSES: readonly Status[] = STATUSES.filter((s) => !ENDED_STATUSES.includes(s));

/** The current attempt ended in a no-show or late-cancel record, classified (CLOSED) or not. */
export const RECORDED_STATUSES: readonly Status[] = [...AWAITING_CLASSIFICATION, 'CLOSED'];

// The database hands statuses over as its own enum type, so these take any string.
export const isUpcoming = (status: string): boolean => (UPCOMING_STATUSES as readonly string[]).includes(status);
export const awaitsClassification = (status: string): boolean => (AWAITING_CLASSIFICATION as readonly string[]).includes(status);
export const isEnded = (status: string): boolean => (ENDED_STATUSES as readonly string[]).includes(status);
export const isOpen = (status: string): boolean => (OPEN_STATUSES as readonly string[]).includes(status);

/** A candidate's cancellation closer to the start than this leaves a LATE_CANCEL record (docs/state-machine.md). */
export const LATE_CANCEL_MS = 24 * 3600_000;

/** HR's classification of a record; what each means for the candidate: docs/classification.md. */
export const CLASSIFICATIONS = ['FORCE_MAJEURE', 'UNREACHABLE', 'NO_REASON'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** Who asked for a change: the platform, HR, or the candidate through a self-service link. */
export type Actor = 'platform' | 'hr' | 'candidate';

/** The business key: one workflow per interview of a subsidiary, ever. */
export function interviewWorkflowId(subsidiaryId: string, externalInterviewId: string): string {
  return `interview:${subsidiaryId}:${externalInterviewId}`;
}

/** What the workflow needs of the policy snapshot, in milliseconds. */
export interface InterviewPlan {
  interviewId: string;
  channels: string[];
  reminders: { point: string; offsetMs: number }[];
  graceMs: number;
  annotationWindowMs: number;
  lateCancelMs: number;
  selfService: { maxReschedules: number; cutoffMs: number };
  /**
   * Whether the policy has quiet hours (their times stay in the database):
   * then each reminder asks the database when it may go; else it goes when due.
   */
  quietHours: boolean;
}
