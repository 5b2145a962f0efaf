/**
 * The interview's projection in the database, written only by the workflow
 * through these activities. Each one is a single transaction (state change and
 * its evidence agree) and idempotent by business key (a retry adds nothing).
 * A change the outside world hears of also writes its outbound event in that
 * transaction (lib/outbound-events.ts): the transactional outbox.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { Prisma, type PrismaClient } from '../lib/database';
import { candidateIdentity } from '../domain/identity';
import { durationMs, resolvePolicy, type GroupPolicy } from '../domain/policy';
import { LATE_CANCEL_MS, type Actor, type Classification, type InterviewPlan, type Status } from '../domain/interview';
import { appendEvidence, type EvidenceEntry } from '../domain/evidence';
import { recordLoginAfterDecision } from '../domain/logins';
import type { CandidateActivityEventData, ConfirmedEventData } from '../domain/platform-events';
import type { AlertKind } from '../domain/outbound-events';
import { enqueueInterviewEvent } from '../lib/outbound-events';
import { raiseHrAlert } from '../lib/alerting';

const { sql, join } = Prisma;


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

/** A candidate's platform event (a login or a click) from the inbox, with the interview's start. */
async function candidateEvent(prisma: PrismaClient, eventRowId: string, interviewId: string) {
  const [row] = await prisma.$queryRaw<Array<{ eventId: string; receivedAt: Date; payload: Prisma.JsonValue; startsAt: Date }>>`
    SELECT e."eventId", e."receivedAt", e.payload, i."startsAt"
      FROM "InboundEvent" e, "Interview" i
     WHERE e.id = ${eventRowId}::uuid AND i.id = ${interviewId}::uuid`;
  if (!row) throw new Error(`inbound event ${eventRowId} or interview ${interviewId} not found`);
  return { ...row, data: eventData<CandidateActivityEventData>(row.payload) };
}

function addDuration(at: Date, iso: string): Date {
  return new Date(at.getTime() + durationMs(iso, 'retention'));
}

/** What a lifecycle step changes on the interview row besides its status. */
interface InterviewChange {
  status: Status;
  attendedAt?: Date;
  outcome?: string;
  closedAt?: Date;
  startsAt?: Date;
  attempt?: number;
}

/** One plain UPDATE: every interview passes here several times. */
async function setStatus(t: Prisma.TransactionClient, interviewId: string, change: InterviewChange): Promise<void> {
  const { status, attendedAt, outcome, closedAt, startsAt, attempt } = change;
  const sets = [sql`status = ${status}::"InterviewStatus"`, sql`"updatedAt" = now()`];
  if (attendedAt !== undefined) sets.push(sql`"attendedAt" = ${attendedAt}`);
  if (outcome !== undefined) sets.push(sql`outcome = ${outcome}`);
  if (closedAt !== undefined) sets.push(sql`"closedAt" = ${closedAt}`);
  if (startsAt !== undefined) sets.push(sql`"startsAt" = ${startsAt}`);
  if (attempt !== undefined) sets.push(sql`attempt = ${attempt}`);
  const updated = await t.$executeRaw`UPDATE "Interview" SET ${join(sets)} WHERE id = ${interviewId}::uuid`;
  if (updated === 0) throw new Error(`interview ${interviewId} not found`);
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
  const [found] = await prisma.$queryRaw<
    Array<{ eventId: string; occurredAt: Date; payload: Prisma.JsonValue; policy: Prisma.JsonValue | null; policyVersion: number | null }>
  >`
    SELECT e."eventId", e."occurredAt", e.payload, g.policy, g."policyVersion"
      FROM "InboundEvent" e LEFT JOIN "Group" g ON g.id = ${input.groupId}::uuid
     WHERE e.id = ${input.confirmationEventId}::uuid`;
  if (!found) {
    throw ApplicationFailure.nonRetryable(`inbound event ${input.confirmationEventId} not found`, 'MissingEvent');
  }
  if (found.policy === null) throw new Error(`group ${input.groupId} not found`);
  const data = eventData<ConfirmedEventData>(found.payload);
  const policy = resolvePolicy(found.policy);
  const channels = data.channels?.length ? [...new Set(data.channels)] : policy.channels;
  const at = new Date(input.at);
  const { candidate, position } = data;
  const identity = candidateIdentity(identityKey, candidate);
  const snapshot = JSON.stringify({ ...policy, policyVersion: found.policyVersion });

  const interview = await prisma.$transaction(async (t) => {
    // Candidate and position take the platform's latest details; an interview
    // already there (a retry) is kept as it was first written, policy snapshot included.
    const [row] = await t.$queryRaw<Array<{ id: string; startsAt: Date; channels: string[]; policy: Prisma.JsonValue }>>`
      WITH candidate AS (
        INSERT INTO "Candidate" (id, "subsidiaryId", "externalId", name, phone, email, "phoneHash", "emailHash", timezone, locale, "updatedAt")
        VALUES (gen_random_uuid(), ${input.subsidiaryId}::uuid, ${candidate.id}, ${candidate.name}, ${candidate.phone}, ${candidate.email},
                ${identity.phoneHash}, ${identity.emailHash}, ${candidate.timezone ?? null}, ${candidate.locale ?? null}, now())
        ON CONFLICT ("subsidiaryId", "externalId") DO UPDATE
          SET name = EXCLUDED.name, phone = EXCLUDED.phone, email = EXCLUDED.email, "phoneHash" = EXCLUDED."phoneHash",
              "emailHash" = EXCLUDED."emailHash", timezone = EXCLUDED.timezone, locale = EXCLUDED.locale, "updatedAt" = now()
        RETURNING id
      ), position AS (
        INSERT INTO "Position" (id, "subsidiaryId", "externalId", title, region)
        VALUES (gen_random_uuid(), ${input.subsidiaryId}::uuid, ${position.id}, ${position.title}, ${position.region ?? null})
        ON CONFLICT ("subsidiaryId", "externalId") DO UPDATE SET title = EXCLUDED.title, region = EXCLUDED.region
        RETURNING id
      ), created AS (
        INSERT INTO "Interview" (id, "subsidiaryId", "externalId", "workflowId", "candidateId", "positionId", status,
                                 "startsAt", "joinUrl", channels, policy, "confirmedAt", "updatedAt")
        SELECT gen_random_uuid(), ${input.subsidiaryId}::uuid, ${input.externalInterviewId}, ${input.workflowId}, candidate.id, position.id,
               'SCHEDULED'::"InterviewStatus", ${new Date(data.startsAt)}, ${data.joinUrl}, ${channels}::text[], ${snapshot}::jsonb, ${at}, now()
          FROM candidate, position
        ON CONFLICT ("workflowId") DO NOTHING
        RETURNING id, "startsAt", channels, policy
      )
      SELECT id, "startsAt", channels, policy FROM created
      UNION ALL
      SELECT id, "startsAt", channels, policy FROM "Interview" WHERE "workflowId" = ${input.workflowId}`;
    if (!row) throw new Error(`interview ${input.workflowId} was written meanwhile; the retry reads it`);
    await appendEvidence(t, row.id, [
      {
        key: 'confirmed',
        kind: 'CONFIRMED',
        at,
        data: { eventId: found.eventId, occurredAt: found.occurredAt.toISOString(), startsAt: data.startsAt, channels },
      },
    ]);
    return row;
  });
  return { plan: planFromPolicy(interview.id, resolvePolicy(interview.policy), interview.channels), startsAt: interview.startsAt.toISOString() };
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
  const event = await candidateEvent(prisma, input.eventId, input.interviewId);
  const { data } = event;
  const reportedAt = data.at;
  const minutesLate =
    input.kind === 'LATE_LOGIN' ? Math.round((Date.parse(reportedAt) - event.startsAt.getTime()) / 60_000) : undefined;
  await appendEvidence(prisma, input.interviewId, [
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
  ]);
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
  const event = await candidateEvent(prisma, input.eventId, input.interviewId);
  const { data } = event;
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
  const { interviewId, attempt, kind } = input;
  await prisma.$transaction(async (t) => {
    await setStatus(t, interviewId, { status: kind === 'NO_SHOW' ? 'NO_SHOW' : 'LATE_CANCELLED' });
    const [summary] = await t.$queryRaw<Array<{ sent: number; delivered: number; clicks: number }>>`
      WITH record AS (
        INSERT INTO "NoShowRecord" (id, "interviewId", attempt, kind, "scheduledStart", "detectedAt")
        VALUES (gen_random_uuid(), ${interviewId}::uuid, ${attempt}, ${kind}::"RecordKind", ${new Date(input.scheduledStart)}, ${at})
        ON CONFLICT ("interviewId", attempt) DO NOTHING
      )
      SELECT count(*) FILTER (WHERE n.status = 'SENT')::int AS sent,
             count(*) FILTER (WHERE n."deliveryStatus" = 'delivered')::int AS delivered,
             (SELECT count(*) FROM "Evidence" WHERE "interviewId" = ${interviewId}::uuid AND kind = 'LINK_CLICKED')::int AS clicks
        FROM "Notification" n
       WHERE n."interviewId" = ${interviewId}::uuid AND n.attempt = ${attempt}`;
    const recorded: EvidenceEntry = {
      key: `${attempt}:${kind}_RECORDED`,
      kind: `${kind}_RECORDED`,
      at,
      data: {
        attempt,
        scheduledStart: input.scheduledStart,
        messagesSent: summary!.sent,
        messagesDelivered: summary!.delivered,
        linkClicks: summary!.clicks,
      },
    };
    // A no-show closes the attendance window; a late cancel happens before it opens.
    const closed: EvidenceEntry[] =
      kind === 'NO_SHOW' ? [{ key: `${attempt}:WINDOW_CLOSED`, kind: 'WINDOW_CLOSED', at, data: { attempt } }] : [];
    await appendEvidence(t, interviewId, [...closed, recorded]);
    if (kind === 'NO_SHOW') {
      await enqueueInterviewEvent(t, { type: 'interview.no_show', interviewId, key: `${attempt}:no_show`, by: 'system', at });
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
