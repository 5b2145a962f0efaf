/**
 * What Turnout tells the outside world: the outbound event types, who acted,
 * the payload's data (ids, times and states only: never notes, reasons typed
 * by people or contact details) and the endpoint formats that receive them.
 * Pure: the API, the activities and the CLI share it.
 */

/** The event types an endpoint may subscribe to (docs/contract.md, README "Outbound webhooks"). */
export const EVENT_TYPES = [
  'interview.attended',
  'interview.no_show',
  'interview.cancelled',
  'interview.rescheduled',
  'interview.classified',
  'interview.closed',
  'dispute.opened',
  'dispute.resolved',
  'hr.alert',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Sent by `POST /v1/webhook-endpoints/:id/test` only; nobody subscribes to it. */
export const TEST_EVENT = 'webhook.test';

/** Who made the change an event reports: a platform ignores its own echoes by it. */
export const ACTORS = ['platform', 'candidate', 'hr', 'system'] as const;
export type By = (typeof ACTORS)[number];

/** Standard Webhooks for platforms; the robots of HR group chats. */
export const FORMATS = ['standard', 'wecom', 'dingtalk', 'feishu'] as const;
export type EndpointFormat = (typeof FORMATS)[number];
export const ROBOT_FORMATS: readonly EndpointFormat[] = ['wecom', 'dingtalk', 'feishu'];
/** A robot posts a chat message for people to read: only HR alerts are worth one. */
export const ROBOT_EVENTS: readonly EventType[] = ['hr.alert'];

/**
 * The kinds of HR alert: a no-show, a late cancel, the classification
 * deadline approaching, and a login inside the window that reached Turnout
 * after HR had decided the record.
 */
export const ALERT_KINDS = ['NO_SHOW', 'LATE_CANCEL', 'ANNOTATION_DUE', 'LATE_IN_WINDOW_LOGIN'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** The `data` of an interview event, as a receiver gets it. */
export interface InterviewEventData {
  /** The platform's interview id. */
  interviewId: string;
  subsidiaryId: string;
  attempt: number;
  /** The interview's state after the change. */
  status: string;
  startsAt: string;
  /** When it happened. */
  at: string;
  by: By;
  previousStartsAt?: string;
  classification?: string;
  disputeId?: string;
  /** hr.alert: the alert's id (POST /v1/alerts/:id/read), its kind and the classification deadline. */
  alertId?: string;
  alert?: AlertKind;
  classificationDeadline?: string;
}

/** The body of a Standard Webhooks delivery. */
export interface EventBody {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** A new endpoint's secret and a rotation's: 24 random bytes, base64, `whsec_` as Standard Webhooks writes it. */
export const SECRET_PATTERN = '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$';

/** After a rotation the old secret keeps signing this long, so receivers can switch without losing a delivery. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

/**
 * Where the next attempt goes after `attempts` failed ones, or null when the
 * schedule is spent and the delivery fails.
 */
export function nextAttemptDelay(scheduleMs: readonly number[], attempts: number): number | null {
  return attempts >= 1 && attempts <= scheduleMs.length ? scheduleMs[attempts - 1]! : null;
}
