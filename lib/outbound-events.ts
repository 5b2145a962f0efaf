/**
 * The transactional outbox of outbound events. Whoever records a change (an
 * activity for the interview's lifecycle, the API for disputes) calls
 * enqueueInterviewEvent inside the same transaction, so an event exists if
 * and only if its change committed. One WebhookDelivery row per subscribed
 * endpoint is written with it; the worker's dispatcher
 * (activities/delivery/dispatcher.ts) sends them.
 */
import { randomUUID } from 'node:crypto';
import type { Prisma } from './database';
import { durationMs, resolvePolicy } from '../domain/policy';
import type { AlertKind, By, EventType, InterviewEventData } from '../domain/outbound-events';

type Tx = Prisma.TransactionClient;

/** Standard Webhooks' message id: the same on every attempt, what a receiver dedupes on. */
export function newMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}

export interface InterviewEventInput {
  type: EventType;
  interviewId: string;
  /** Makes the event happen once per change (a retried activity adds nothing), e.g. "1:no_show", "reschedule:<ref>". */
  key: string;
  by: By;
  at: Date;
  previousStartsAt?: Date;
  classification?: string;
  disputeId?: string;
  alert?: { id: string; kind: AlertKind; classificationDeadline: Date | null };
}

/** When HR's classification is due: the record's detection plus the interview's annotation window. */
export function classificationDeadline(detectedAt: Date, policy: Prisma.JsonValue): Date {
  return new Date(detectedAt.getTime() + durationMs(resolvePolicy(policy).annotationWindow, 'annotationWindow'));
}

/**
 * Writes the event, with the interview as it stands in this transaction
 * (call it after the change), and its deliveries to every endpoint of the
 * interview's subsidiary or group subscribed to the type.
 */
export async function enqueueInterviewEvent(t: Tx, input: InterviewEventInput): Promise<void> {
  const key = `${input.interviewId}:${input.key}`;
  if (await t.outboundEvent.findUnique({ where: { key }, select: { id: true } })) return;
  const iv = await t.interview.findUniqueOrThrow({
    where: { id: input.interviewId },
    select: { externalId: true, subsidiaryId: true, attempt: true, status: true, startsAt: true, subsidiary: { select: { groupId: true } } },
  });
  const data: InterviewEventData = {
    interviewId: iv.externalId,
    subsidiaryId: iv.subsidiaryId,
    attempt: iv.attempt,
    status: iv.status,
    startsAt: iv.startsAt.toISOString(),
    at: input.at.toISOString(),
    by: input.by,
    ...(input.previousStartsAt ? { previousStartsAt: input.previousStartsAt.toISOString() } : {}),
    ...(input.classification ? { classification: input.classification } : {}),
    ...(input.disputeId ? { disputeId: input.disputeId } : {}),
    ...(input.alert
      ? {
          alertId: input.alert.id,
          alert: input.alert.kind,
          ...(input.alert.classificationDeadline ? { classificationDeadline: input.alert.classificationDeadline.toISOString() } : {}),
        }
      : {}),
  };
  await writeEvent(t, {
    key,
    type: input.type,
    groupId: iv.subsidiary.groupId,
    subsidiaryId: iv.subsidiaryId,
    interviewId: input.interviewId,
    alertId: input.alert?.id ?? null,
    data: data as unknown as Record<string, unknown>,
    occurredAt: input.at,
  });
}

interface EventRow {
  key: string;
  type: string;
  groupId: string;
  subsidiaryId: string | null;
  interviewId: string | null;
  alertId: string | null;
  data: Record<string, unknown>;
  occurredAt: Date;
}

/** The event row and its deliveries; `only` names the one endpoint of a test event. */
export async function writeEvent(t: Tx, row: EventRow, only?: string): Promise<bigint> {
  const event = await t.outboundEvent.create({
    data: { ...row, publicId: newMessageId(), data: row.data as Prisma.InputJsonValue },
  });
  const endpoints = only
    ? [{ id: only }]
    : await t.webhookEndpoint.findMany({
        where: {
          groupId: row.groupId,
          deletedAt: null,
          events: { has: row.type },
          OR: [{ subsidiaryId: null }, ...(row.subsidiaryId ? [{ subsidiaryId: row.subsidiaryId }] : [])],
        },
        select: { id: true },
      });
  if (endpoints.length > 0) {
    // Deliveries of one interview to one endpoint go in event order; anything else goes on its own.
    const orderKey = row.interviewId ?? `event:${event.id}`;
    await t.webhookDelivery.createMany({ data: endpoints.map((e) => ({ eventId: event.id, endpointId: e.id, orderKey })) });
  }
  return event.id;
}
