/**
 * The interview's projection in the database, written only by the workflow
 * through these activities. Each one is a single transaction (state change and
 * its evidence agree) and idempotent by business key (a retry adds nothing).
 * A change the outside world hears of also writes its outbound event in that
 * transaction (lib/outbound-events.ts): the transactional outbox.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Prisma, PrismaClient } from '../lib/database';
import { candidateIdentity } from '../domain/identity';
import { durationMs, resolvePolicy, type GroupPolicy } from '../domain/policy';
import { LATE_CANCEL_MS, type Actor, type Classification, type InterviewPlan, type Status } from '../domain/interview';
import { appendEvidence, type EvidenceEntry } from '../domain/evidence';
import { recordLoginAfterDecision } from '../domain/logins';
import type { CandidateActivityEventData, ConfirmedEventData } from '../domain/platform-events';
import type { AlertKind } from '../domain/outbound-events';
import { enqueueInterviewEvent } from '../lib/outbound-events';
import { raiseHrAlert } from '../lib/alerting';


export function planFromPolicy(interviewId: string, policy: GroupPolicy, channels: string[]): InterviewPlan {
  return {
    interviewId,
    channels,
    reminders: policy.reminderOffsets.map((point, i) => ({ point, offsetMs: durationMs(point, `reminderOffsets.${i}`) })),
    graceMs: durationMs(policy.grace, 'grace'),
    annotationWindowMs: durationMs(policy.annotationWindow, 'annotationWindow'),
    lateCancelMs: LATE_CANCEL_MS,
    selfService: {
      maxReschedules: policy.selfService.maxReschedules,
      cutoffMs: durationMs(policy.selfService.cutoff, 'selfService.cutoff'),
    },
    quietHours: policy.quietHours !== null,
  };
}

/** The `data` of a platform event as the API validated and stored it. */
function eventData<T>(payload: Prisma.JsonValue): T {
  return (payload as unknown as { data: T }).data;
}

function addDuration(at: Date, iso: string): Date {
  return new Date(at.getTime() + durationMs(iso, 'retention'));
}

async function setStatus(t: Prisma.TransactionClient, interviewId: string, data: Prisma.InterviewUpdateInput): Promise<void> {
  await t.interview.update({ where: { id: interviewId }, data });
}

export interface AcceptConfirmationInput {
  subsidiaryId: string;
  groupId: string;
  externalInterviewId: string;
  confirmationEventId: string;
  workflowId: string;
  at: string;
}

/**
 * Turns the confirmed event in the inbox into the interview's projection,
 * with the group policy snapshotted: a later policy change does not move it.
 */
export async function acceptConfirmation(
  prisma: PrismaClient,
  identityKey: Buffer,
  input: AcceptConfirmationInput,
): Promise<{ plan: InterviewPlan; startsAt: string }> {
  const event = await prisma.inboundEvent.findUnique({ where: { id: input.confirmationEventId } });
  if (!event) {
    throw ApplicationFailure.nonRetryable(`inbound event ${input.confirmationEventId} not found`, 'MissingEvent');
  }
  const data = eventData<ConfirmedEventData>(event.payload);
  const group = await prisma.group.findUniqueOrThrow({ where: { id: input.groupId } });
  const policy = resolvePolicy(group.policy);
  const channels = data.channels?.length ? [...new Set(data.channels)] : policy.channels;
  const at = new Date(input.at);
  const identity = candidateIdentity(identityKey, data.candidate);

  const interview = await prisma.$transaction(async (t) => {
    const candidate = await t.candidate.upsert({
      where: { subsidiaryId_externalId: { subsidiaryId: input.subsidiaryId, externalId: data.candidate.id } },
      create: {
        subsidiaryId: input.subsidiaryId,
        externalId: data.candidate.id,
        name: data.candidate.name,
        phone: data.candidate.phone,
        email: data.candidate.email,
        ...identity,
        timezone: data.candidate.timezone ?? null,
        locale: data.candidate.locale ?? null,
      },
      update: {
        name: data.candidate.name,
        phone: data.candidate.phone,
        email: data.candidate.email,
        ...identity,
        timezone: data.candidate.timezone ?? null,
        locale: data.candidate.locale ?? null,
      },
    });
    const position = await t.position.upsert({
      where: { subsidiaryId_externalId: { subsidiaryId: input.subsidiaryId, externalId: data.position.id } },
      create: {
        subsidiaryId: input.subsidiaryId,
        externalId: data.position.id,
        title: data.position.title,
        region: data.position.region ?? null,
      },
      update: { title: data.position.title, region: data.position.region ?? null },
    });
    const row = await t.interview.upsert({
      where: { workflowId: input.workflowId },
      create: {
        subsidiaryId: input.subsidiaryId,
        externalId: input.externalInterviewId,
        workflowId: input.workflowId,
        candidateId: candidate.id,
        positionId: position.id,
        status: 'SCHEDULED',
        startsAt: new Date(data.startsAt),
        joinUrl: data.joinUrl,
        channels,
        policy: { ...policy, policyVersion: group.policyVersion } as unknown as Prisma.InputJsonValue,
        confirmedAt: at,
      },
      update: {},
    });
    await appendEvidence(t, row.id, [
      {
        key: 'confirmed',
        kind: 'CONFIRMED',
        at,
        data: { eventId: event.eventId, occurredAt: event.occurredAt.toISOString(), startsAt: data.startsAt, channels },
      },
    ]);
    return row;
  });
  const snapshot = resolvePolicy(interview.policy);
  return { plan: planFromPolicy(interview.id, snapshot, interview.channels), startsAt: interview.startsAt.toISOString() };
}

export interface RecordStatusInput {
  interviewId: string;
  attempt: number;
  status: Status;
  kind: string;
  at: string;
}

export async function recordStatus(prisma: PrismaClient, input: RecordStatusInput) {
  await prisma.$transaction(async (t) => {
    await setStatus(t, input.interviewId, { status: input.status });
    await appendEvidence(t, input.interviewId, [
      { key: `${input.attempt}:${input.kind}`, kind: input.kind, at: new Date(input.at), data: { attempt: input.attempt } },
    ]);
  });
}

export interface RecordPlatformEvidenceInput {
  interviewId: string;
  attempt: number;
  eventId: string;
  kind: string;
  at: string;
}

/** Link clicks and logins that do not change state, with what the platform reported. */
export async function recordPlatformEvidence(prisma: PrismaClient, input: RecordPlatformEvidenceInput) {
  const event = await prisma.inboundEvent.findUniqueOrThrow({ where: { id: input.eventId } });
  const data = eventData<CandidateActivityEventData>(event.payload);
  const interview = await prisma.interview.findUniqueOrThrow({ where: { id: input.interviewId } });
  const reportedAt = data.at;
  const minutesLate =
    input.kind === 'LATE_LOGIN' ? Math.round((Date.parse(reportedAt) - interview.startsAt.getTime()) / 60_000) : undefined;
  await prisma.$transaction((t) =>
    appendEvidence(t, input.interviewId, [
      {
        key: `event:${event.eventId}`,
        kind: input.kind,
        at: new Date(input.at),
        data: {
          attempt: input.attempt,
          eventId: event.eventId,
          reportedAt,
          receivedAt: event.receivedAt.toISOString(),
          ip: data.ip,
          userAgent: data.userAgent,
          minutesLate,
        },
      },
    ]),
  );
}

export interface RecordAttendanceInput {
  interviewId: string;
  attempt: number;
  eventId: string;
  loginAt: string;
  /** The login reached the workflow after this attempt's no-show was recorded: the no-show is withdrawn. */
  withdrawsNoShow?: boolean;
  at: string;
}

/**
 * The attendance, and, when the login that proves it arrived after the
 * no-show was recorded, the no-show's withdrawal, in one transaction: the
 * record is marked withdrawn with when the login happened and when Turnout
 * received it, HR's open alerts for the attempt are resolved, and the
 * interview becomes ATTENDED like any other attendance.
 */
export async function recordAttendance(prisma: PrismaClient, input: RecordAttendanceInput) {
  const event = await prisma.inboundEvent.findUniqueOrThrow({ where: { id: input.eventId } });
  const data = eventData<CandidateActivityEventData>(event.payload);
  const at = new Date(input.at);
  const loginAt = new Date(input.loginAt);
  await prisma.$transaction(async (t) => {
    const withdrawal: EvidenceEntry[] = [];
    if (input.withdrawsNoShow) {
      const key = { interviewId_attempt: { interviewId: input.interviewId, attempt: input.attempt } };
      await t.noShowRecord.update({ where: key, data: { withdrawnAt: at, loginAt, loginReceivedAt: event.receivedAt } });
      const resolved = await t.hrAlert.updateMany({
        where: { interviewId: input.interviewId, attempt: input.attempt, resolvedAt: null },
        data: { resolvedAt: at },
      });
      withdrawal.push({
        key: `${input.attempt}:NO_SHOW_WITHDRAWN`,
        kind: 'NO_SHOW_WITHDRAWN',
        at,
        data: {
          attempt: input.attempt,
          eventId: event.eventId,
          loginAt: input.loginAt,
          receivedAt: event.receivedAt.toISOString(),
          alertsResolved: resolved.count,
        },
      });
    }
    await setStatus(t, input.interviewId, { status: 'ATTENDED', attendedAt: loginAt, outcome: 'ATTENDED', closedAt: at });
    await appendEvidence(t, input.interviewId, [
      {
        key: `event:${event.eventId}`,
        kind: 'LOGIN',
        at,
        data: {
          attempt: input.attempt,
          eventId: event.eventId,
          reportedAt: input.loginAt,
          receivedAt: event.receivedAt.toISOString(),
          ip: data.ip,
          userAgent: data.userAgent,
        },
      },
      ...withdrawal,
      { key: `${input.attempt}:ATTENDED`, kind: 'ATTENDED', at, data: { attempt: input.attempt } },
    ]);
    // The login came from the platform's own event.
    await enqueueInterviewEvent(t, { type: 'interview.attended', interviewId: input.interviewId, key: `${input.attempt}:attended`, by: 'platform', at });
  });
}

export interface RecordLoginAfterDecisionInput {
  interviewId: string;
  attempt: number;
  eventId: string;
  at: string;
}

export interface RecordNoShowInput {
  interviewId: string;
  attempt: number;
  kind: 'NO_SHOW' | 'LATE_CANCEL';
  scheduledStart: string;
  at: string;
}

/** The no-show (or late-cancel) record with a summary of the evidence HR will weigh. */
export async function recordNoShow(prisma: PrismaClient, input: RecordNoShowInput) {
  const at = new Date(input.at);
  await prisma.$transaction(async (t) => {
    // A no-show closes the attendance window; a late cancel happens before it opens.
    if (input.kind === 'NO_SHOW') {
      await appendEvidence(t, input.interviewId, [
        { key: `${input.attempt}:WINDOW_CLOSED`, kind: 'WINDOW_CLOSED', at, data: { attempt: input.attempt } },
      ]);
    }
    await t.noShowRecord.upsert({
      where: { interviewId_attempt: { interviewId: input.interviewId, attempt: input.attempt } },
      create: {
        interviewId: input.interviewId,
        attempt: input.attempt,
        kind: input.kind,
        scheduledStart: new Date(input.scheduledStart),
        detectedAt: at,
      },
      update: {},
    });
    const messages = await t.notification.findMany({
      where: { interviewId: input.interviewId, attempt: input.attempt },
      select: { point: true, channel: true, status: true, deliveryStatus: true },
    });
    const clicks = await t.evidence.count({ where: { interviewId: input.interviewId, kind: 'LINK_CLICKED' } });
    await setStatus(t, input.interviewId, { status: input.kind === 'NO_SHOW' ? 'NO_SHOW' : 'LATE_CANCELLED' });
    await appendEvidence(t, input.interviewId, [
      {
        key: `${input.attempt}:${input.kind}_RECORDED`,
        kind: `${input.kind}_RECORDED`,
        at,
        data: {
          attempt: input.attempt,
          scheduledStart: input.scheduledStart,
          messagesSent: messages.filter((m) => m.status === 'SENT').length,
          messagesDelivered: messages.filter((m) => m.deliveryStatus === 'delivered').length,
          linkClicks: clicks,
        },
      },
    ]);
    if (input.kind === 'NO_SHOW') {
      await enqueueInterviewEvent(t, { type: 'interview.no_show', interviewId: input.interviewId, key: `${input.attempt}:no_show`, by: 'system', at });
    }
  });
}

export interface AlertHrInput {
  interviewId: string;
  attempt: number;
  kind: AlertKind;
  at: string;
}

/** HR is alerted at once (lib/alerting.ts raiseHrAlert); the log line carries ids only. */
export async function alertHr(prisma: PrismaClient, input: AlertHrInput) {
  await prisma.$transaction((t) => raiseHrAlert(t, { ...input, at: new Date(input.at) }));
  log.info('HR alerted', { interviewId: input.interviewId, attempt: input.attempt, alert: input.kind });
}

export interface RecordRescheduleInput {
  interviewId: string;
  attempt: number;
  newAttempt: boolean;
  from: string;
  to: string;
  by: Actor;
  ref: string;
  at: string;
}

export async function recordReschedule(prisma: PrismaClient, input: RecordRescheduleInput) {
  await prisma.$transaction(async (t) => {
    if (input.newAttempt) {
      await t.noShowRecord.updateMany({
        where: { interviewId: input.interviewId, attempt: input.attempt - 1 },
        data: { nextAttempt: input.attempt },
      });
    }
    await setStatus(t, input.interviewId, { status: 'SCHEDULED', startsAt: new Date(input.to), attempt: input.attempt });
    await appendEvidence(t, input.interviewId, [
      {
        key: `reschedule:${input.ref}`,
        kind: 'RESCHEDULED',
        at: new Date(input.at),
        data: { attempt: input.attempt, newAttempt: input.newAttempt, from: input.from, to: input.to, by: input.by, ref: input.ref },
      },
    ]);
    await enqueueInterviewEvent(t, {
      type: 'interview.rescheduled',
      interviewId: input.interviewId,
      key: `reschedule:${input.ref}`,
      by: input.by,
      at: new Date(input.at),
      previousStartsAt: new Date(input.from),
    });
  });
}

export interface RecordCancellationInput {
  interviewId: string;
  attempt: number;
  late: boolean;
  by: Actor;
  ref: string;
  at: string;
}

export async function recordCancellation(prisma: PrismaClient, input: RecordCancellationInput) {
  const at = new Date(input.at);
  await prisma.$transaction(async (t) => {
    await setStatus(
      t,
      input.interviewId,
      input.late ? { status: 'LATE_CANCELLED' } : { status: 'CANCELLED', outcome: 'CANCELLED', closedAt: at },
    );
    await appendEvidence(t, input.interviewId, [
      {
        key: `cancel:${input.ref}`,
        kind: 'CANCELLED',
        at,
        data: { attempt: input.attempt, late: input.late, by: input.by, ref: input.ref },
      },
    ]);
    await enqueueInterviewEvent(t, { type: 'interview.cancelled', interviewId: input.interviewId, key: `cancel:${input.ref}`, by: input.by, at });
  });
}

export interface RecordAnnotationInput {
  interviewId: string;
  attempt: number;
  classification: Classification;
  hrUserId: string;
  ref: string;
  at: string;
}

/** HR's classification closes the interview; only NO_REASON is ever a negative mark. */
export async function recordAnnotation(prisma: PrismaClient, input: RecordAnnotationInput) {
  const at = new Date(input.at);
  const audit = await prisma.auditEntry.findUnique({ where: { id: input.ref } });
  const note = (audit?.payload as { note?: string } | undefined)?.note ?? null;
  await prisma.$transaction(async (t) => {
    const interview = await t.interview.findUniqueOrThrow({ where: { id: input.interviewId } });
    const policy = resolvePolicy(interview.policy);
    const expiresAt =
      input.classification === 'NO_REASON'
        ? addDuration(at, policy.retention.NO_REASON)
        : input.classification === 'UNREACHABLE'
          ? addDuration(at, policy.retention.UNREACHABLE)
          : null;
    await t.noShowRecord.update({
      where: { interviewId_attempt: { interviewId: input.interviewId, attempt: input.attempt } },
      data: { classification: input.classification, classifiedAt: at, classifiedBy: input.hrUserId, note, expiresAt },
    });
    await setStatus(t, input.interviewId, { status: 'CLOSED', outcome: input.classification, closedAt: at });
    await appendEvidence(t, input.interviewId, [
      {
        key: `annotation:${input.ref}`,
        kind: 'ANNOTATED',
        at,
        data: { attempt: input.attempt, classification: input.classification, hrUserId: input.hrUserId, ref: input.ref },
      },
    ]);
    const event = { interviewId: input.interviewId, by: 'hr', at, classification: input.classification } as const;
    await enqueueInterviewEvent(t, { ...event, type: 'interview.classified', key: `annotation:${input.ref}:classified` });
    await enqueueInterviewEvent(t, { ...event, type: 'interview.closed', key: `annotation:${input.ref}:closed` });
  });
}

export interface CloseUnannotatedInput {
  interviewId: string;
  attempt: number;
  at: string;
}

export async function closeUnannotated(prisma: PrismaClient, input: CloseUnannotatedInput) {
  const at = new Date(input.at);
  await prisma.$transaction(async (t) => {
    const interview = await t.interview.findUniqueOrThrow({ where: { id: input.interviewId } });
    const policy = resolvePolicy(interview.policy);
    await t.noShowRecord.update({
      where: { interviewId_attempt: { interviewId: input.interviewId, attempt: input.attempt } },
      data: { classification: 'UNANNOTATED', classifiedAt: at, expiresAt: addDuration(at, policy.retention.UNREACHABLE) },
    });
    await setStatus(t, input.interviewId, { status: 'CLOSED', outcome: 'UNANNOTATED', closedAt: at });
    await appendEvidence(t, input.interviewId, [
      { key: `${input.attempt}:CLOSED_UNANNOTATED`, kind: 'CLOSED_UNANNOTATED', at, data: { attempt: input.attempt } },
    ]);
    await enqueueInterviewEvent(t, {
      type: 'interview.closed',
      interviewId: input.interviewId,
      key: `${input.attempt}:closed_unannotated`,
      by: 'system',
      at,
      classification: 'UNANNOTATED',
    });
  });
}

// --- the activities ----------------------------------------------------------------

/** `identityKey` (domain/identity.ts) hashes the candidate's phone and e-mail for matching across subsidiaries. */
export function createLifecycleActivities(prisma: PrismaClient, identityKey: Buffer) {
  return {
    acceptConfirmation: (input: AcceptConfirmationInput) => acceptConfirmation(prisma, identityKey, input),
    recordStatus: (input: RecordStatusInput) => recordStatus(prisma, input),
    recordPlatformEvidence: (input: RecordPlatformEvidenceInput) => recordPlatformEvidence(prisma, input),
    recordAttendance: (input: RecordAttendanceInput) => recordAttendance(prisma, input),
    recordLoginAfterDecision: (input: RecordLoginAfterDecisionInput) => recordLoginAfterDecision(prisma, input),
    recordNoShow: (input: RecordNoShowInput) => recordNoShow(prisma, input),
    alertHr: (input: AlertHrInput) => alertHr(prisma, input),
    recordReschedule: (input: RecordRescheduleInput) => recordReschedule(prisma, input),
    recordCancellation: (input: RecordCancellationInput) => recordCancellation(prisma, input),
    recordAnnotation: (input: RecordAnnotationInput) => recordAnnotation(prisma, input),
    closeUnannotated: (input: CloseUnannotatedInput) => closeUnannotated(prisma, input),
  };
}
