/**
 * The transactional outbox of outbound events. Whoever records a change (an
 * activity for the interview's lifecycle, the API for disputes) calls
 * enqueueInterviewEvent inside the same transaction, so an event exists if
 * and only if its change committed. One WebhookDelivery row per subscribed
 * endpoint is written with it; the worker's dispatcher
 * (activities/delivery/dispatcher.ts) sends them.
 */
import { randomUUID } from 'node:crypto';
import { Prisma } from './database';
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
  // Plain SQL: every change of every interview passes here, inside its transaction.
  const [iv] = await t.$queryRaw<
    Array<{ externalId: string; subsidiaryId: string; attempt: number; status: string; startsAt: Date; groupId: string; written: boolean }>
  >`
    SELECT i."externalId", i."subsidiaryId", i.attempt, i.status::text AS status, i."startsAt", s."groupId",
           EXISTS (SELECT 1 FROM "OutboundEvent" WHERE key = ${key}) AS written
      FROM "Interview" i JOIN "Subsidiary" s ON s.id = i."subsidiaryId"
     WHERE i.id = ${input.interviewId}::uuid`;
  if (!iv) throw new Error(`interview ${input.interviewId} not found`);
  if (iv.written) return;
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
    groupId: iv.groupId,
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

/**
 * The event row and its deliveries, in one statement; `only` names the one
 * endpoint of a test event, else every endpoint of the group (or of the
 * event's subsidiary) subscribed to the type gets one. Deliveries of one
 * interview to one endpoint go in event order; anything else goes on its own.
 */
export async function writeEvent(t: Tx, row: EventRow, only?: string): Promise<bigint> {
  const endpoints = only
    ? Prisma.sql`SELECT ${only}::uuid AS id`
    : Prisma.sql`SELECT id FROM "WebhookEndpoint"
                  WHERE "groupId" = ${row.groupId}::uuid AND "deletedAt" IS NULL AND ${row.type} = ANY(events)
                    AND ("subsidiaryId" IS NULL OR "subsidiaryId" = ${row.subsidiaryId}::uuid)`;
  const [event] = await t.$queryRaw<Array<{ id: bigint }>>`
    WITH event AS (
      INSERT INTO "OutboundEvent" ("publicId", key, type, "groupId", "subsidiaryId", "interviewId", "alertId", data, "occurredAt")
      VALUES (${newMessageId()}, ${row.key}, ${row.type}, ${row.groupId}::uuid, ${row.subsidiaryId}::uuid, ${row.interviewId}::uuid,
              ${row.alertId}::uuid, ${JSON.stringify(row.data)}::jsonb, ${row.occurredAt})
      RETURNING id
    ), deliveries AS (
      INSERT INTO "WebhookDelivery" (id, "eventId", "endpointId", "orderKey")
      SELECT gen_random_uuid(), event.id, endpoint.id, COALESCE(${row.interviewId}, 'event:' || event.id)
        FROM event, (${endpoints}) endpoint
    )
    SELECT id FROM event`;
  return event!.id;
}
