/**
 * The interview workflow's messages, shared by the workflow and the API: one
 * name and one payload type for both ends. Payloads carry ids, times and
 * states only; free text and contact details stay in the database (the inbox
 * row or the audit entry whose id a message carries).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor, Classification, InterviewPlan, Status } from '../domain/interview';

/** What the API knows when it starts the workflow. */
export interface InterviewInput {
  subsidiaryId: string;
  groupId: string;
  externalInterviewId: string;
  /** The inbox row of the `interview.confirmed` event; its payload holds the contact details. */
  confirmationEventId: string;
  /** Present when the workflow continued as new: the state it carries over. */
  carried?: CarriedState;
}

export interface CarriedState {
  plan: InterviewPlan;
  attempt: number;
  startsAt: string;
  /** Reminder points already sent in this attempt: a reschedule does not repeat them. */
  sentPoints: string[];
  /** Reminders still due, planned when the start was last set. */
  pending: { point: string; dueAt: number }[];
  selfReschedules: number;
  /** The notice of the change that started this run (domain/notices.ts), sent by this run first. */
  notice?: string;
  /**
   * The end of the previous attempt's window (its start + grace), once a
   * reschedule after a no-show or late cancel began this attempt: a login at
   * or before it belongs to that attempt, not this one.
   */
  previousWindowEnd?: string;
  /**
   * The refs of the latest requests applied (each request's ref is its update
   * id): a retry of one that applied before continue-as-new, which Temporal's
   * own update dedup (per run) no longer sees, is answered without applying it again.
   */
  appliedRefs?: string[];
}

export interface EventRef {
  /** The inbox row id of the platform event. */
  eventId: string;
  /** When the platform says it happened: what a login is judged by, whenever it arrives. */
  at: string;
}

export interface RescheduleRequest {
  startsAt: string;
  by: Actor;
  /** Inbox row (platform) or audit entry (HR, candidate) holding who and why. */
  ref: string;
}

export interface CancelRequest {
  by: Actor;
  ref: string;
}

export interface AnnotateRequest {
  classification: Classification;
  hrUserId: string;
  /** Audit entry holding the note. */
  ref: string;
}

export interface InterviewState {
  status: Status;
  attempt: number;
  startsAt: string;
  sentPoints: string[];
  selfReschedules: number;
  /** The next thing the workflow waits for, and until when. */
  next: { step: string; at: string | null } | null;
}

/** Update rejections carry this failure type so the API answers 409, not 500. */
export const INVALID_TRANSITION = 'InvalidTransition';

/**
 * Why the workflow refused a change, for machines: the API passes it on as
 * the 409's `details.reason`, and pages say it in the reader's language
 * (the failure's message is English, for logs and curl).
 */
export const REFUSAL_REASONS = [
  'setting_up',
  'change_in_progress',
  'invalid_start',
  'start_in_past',
  'not_reschedulable',
  'candidate_cannot_move',
  'moves_used_up',
  'too_close_to_start',
  'not_cancellable',
  'not_awaiting_classification',
  'overtaken',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export const loggedInSignal = defineSignal<[EventRef]>('candidateLoggedIn');
export const linkClickedSignal = defineSignal<[EventRef]>('candidateClickedLink');

/** A message the provider accepted and later gave up on for good (a bounce, an unknown number): ids only. */
export interface UndeliverableMessage {
  notificationId: string;
  attempt: number;
  point: string;
  channel: string;
}
/** Sent by the API on such a delivery receipt; the workflow decides whether another channel takes over. */
export const messageUndeliverableSignal = defineSignal<[UndeliverableMessage]>('messageUndeliverable');

/**
 * State changes requested from outside are updates with validators: the API
 * learns at once, from the single writer, whether the change applies, and
 * answers 409 with the current state when it does not — no race against a
 * database projection that may lag by one activity.
 */
export const rescheduleUpdate = defineUpdate<InterviewState, [RescheduleRequest]>('reschedule');
export const cancelUpdate = defineUpdate<InterviewState, [CancelRequest]>('cancel');
export const annotateUpdate = defineUpdate<InterviewState, [AnnotateRequest]>('annotate');

export const stateQuery = defineQuery<InterviewState>('state');

